"""The notification ledger, each organisation's reminder settings and recipients, and the e-mail outbox.

Exactly-once lives here, not in the scheduler: a ledger row is unique per (recipient organisation,
subject, valid_until, stage), so a second run of a job inserts nothing; the e-mails of a run are written
to the outbox in the same transaction as the ledger rows they announce.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.models import User
from registry.auth.principals import ACL, DEPARTMENT, SYSTEM, Permission, account, manager, member
from registry.core.models import Audited, UTCDateTime, utcnow
from registry.extensions import db
from registry.organisations.models import Organisation

if TYPE_CHECKING:
    from registry.auth.policy import Principals


class NotificationKind(enum.StrEnum):
    REMINDER = "reminder"  # an item falls due (instruments, standards)
    EXPIRY = "expiry"  # a provider's credential or a reference material expires
    DIGEST = "digest"  # the Department's daily list of overdue Group 2 instruments
    SUSPECT = "suspect"  # a result about the owner's item was made suspect by a standard's bad result


class Subject(enum.StrEnum):
    """What a ledger row is about: an item, a provider's credential, or the day's digest."""

    ITEM = "item"
    ACCREDITATION = "accreditation"
    DESIGNATION = "designation"
    VERIFIER = "verifier"
    DIGEST = "digest"
    EVENT = "event"


class Notification(db.Model):  # type: ignore[name-defined]
    """One row per (recipient organisation, subject, valid_until, stage): the ledger.

    ``stage`` counts days relative to ``valid_until``: 30 and 7 are days before it, 0 the day itself,
    -1 the first overdue day, -31, -61… each further 30 days overdue. ``batch`` names the run that
    inserted the row, so that run (and only it) writes the row's e-mail.

    A suspect notice (subject ``event``, named by its first revision) is once per (recipient, event, cause):
    ``stage`` holds the cause (the first revision of the bad result) and ``valid_until`` the day the event was
    first found suspect of it, which never moves, because suspicions are append-only.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "subject_type",
            "subject_id",
            "valid_until",
            "stage",
            name="uq_notifications_once",
        ),
        Index("ix_notifications_org_read", "organisation_id", "read_at"),
        Index("ix_notifications_org_created_id", "organisation_id", "created_at", "id"),  # the inbox
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(12))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)
    stage: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[date] = mapped_column(Date)  # the day of the run that created it
    batch: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()

    @property
    def due_on(self) -> date:
        """The stage's own day."""
        return self.valid_until - timedelta(days=self.stage)

    @property
    def overdue(self) -> bool:
        return self.stage < 0

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """An inbox: each organisation sees its own notifications only (the Department too)."""
        return None if SYSTEM in who else cls.organisation_id == who.organisation_id

    @classmethod
    def __class_acl__(cls) -> ACL:
        """Only the scheduler's jobs (the system) write the ledger."""
        return [(SYSTEM, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """Anyone of its organisation marks it read."""
        return [(member(self.organisation_id), {Permission.CHANGE})]


class NotificationSettings(Audited, db.Model):  # type: ignore[name-defined]
    """An organisation's own reminder stages (days before valid_until); without a row, the defaults."""

    __tablename__ = "notification_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    stages: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderStage(db.Model):  # type: ignore[name-defined]
    """One stage of an organisation's settings, as rows the reminders job joins against (set-based)."""

    __tablename__ = "reminder_stages"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("notification_settings.organisation_id", ondelete="CASCADE"), primary_key=True
    )
    days_before: Mapped[int] = mapped_column(Integer, primary_key=True)


class RecipientChoice(Audited, db.Model):  # type: ignore[name-defined]
    """A user's choice to receive (or not) its organisation's reminder e-mails; without a row, managers
    receive them and everyone else does not."""

    __tablename__ = "notification_recipients"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    receives: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class OrganisationNotificationSettings:
    """The ACL of an organisation's notification settings, asked through the policy."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation

    @classmethod
    def __class_acl__(cls) -> ACL:
        return []

    def __acl__(self) -> ACL:
        """Its managers change its stages and recipients; the Department any organisation's."""
        return [(manager(self.organisation.id), {Permission.CHANGE}), (DEPARTMENT, {Permission.CHANGE})]


class UserNotificationChoice:
    """Whether a user may choose to receive its organisation's e-mails: the user itself, its managers."""

    def __init__(self, user: User) -> None:
        self.user = user

    @classmethod
    def __class_acl__(cls) -> ACL:
        return []

    def __acl__(self) -> ACL:
        return [
            (account(self.user.id), {Permission.CHANGE}),
            (manager(self.user.organisation_id), {Permission.CHANGE}),
            (DEPARTMENT, {Permission.CHANGE}),
        ]


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """An e-mail waiting to be sent, or sent. Its Message-ID is fixed when the row is written, so a
    message sent again after a crash is recognisably the same message."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The ledger rows this message announces.
    notification_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department follows delivery (attempts, last error); no one else sees the outbox."""
        return None if who.department else cls.id.is_(None)
