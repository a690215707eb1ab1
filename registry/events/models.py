"""Events: what a lab (or an enterprise, for its own Group 1 items) did to an item, and what it found.

Rows are never edited in place nor deleted: an amendment is a new revision referring to the original,
a void keeps the row with its reason (ISO/IEC 17025 §7.8.8)."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.policy import Principals, also_visible
from registry.auth.principals import (
    ACL,
    DEPARTMENT_ADMIN,
    ENTERPRISE_MANAGER,
    LAB_STAFF,
    Permission,
    in_house,
    lab_staff,
)
from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.events.decision import tur as test_uncertainty_ratio
from registry.extensions import db
from registry.items.models import Item
from registry.organisations.models import Organisation, Verifier


class EventKind(enum.StrEnum):
    VERIFICATION_INITIAL = "verification_initial"
    VERIFICATION_PERIODIC = "verification_periodic"
    VERIFICATION_AFTER_REPAIR = "verification_after_repair"
    CALIBRATION = "calibration"
    INTERNAL_CALIBRATION = "internal_calibration"
    TEST = "test"
    INTERMEDIATE_CHECK = "intermediate_check"

    @property
    def is_verification(self) -> bool:
        return self.value.startswith("verification_")

    @property
    def is_calibration(self) -> bool:
        return self in (EventKind.CALIBRATION, EventKind.INTERNAL_CALIBRATION)

    @property
    def gives_validity(self) -> bool:
        """A test or an intermediate check sets no validity; every other kind does."""
        return self not in (EventKind.TEST, EventKind.INTERMEDIATE_CHECK)

    @property
    def by_the_owner(self) -> bool:
        """Kinds an enterprise records itself, on its own Group 1 items."""
        return self in (EventKind.INTERNAL_CALIBRATION, EventKind.INTERMEDIATE_CHECK)


VALIDITY_KINDS = tuple(kind.value for kind in EventKind if kind.gives_validity)


class EventState(enum.StrEnum):
    CURRENT = "current"
    AMENDED = "amended"
    VOID = "void"


def new_verification_token() -> str:
    """128 bits from the operating system's generator, URL-safe (22 characters): one certificate's token
    tells nothing about another's, so nobody can walk a lab's certificates by guessing."""
    return secrets.token_urlsafe(16)


def _token_if_certified(context: Any) -> str | None:
    """A token for an event that carries a certificate or a stamp number (what a holder can check)."""
    row = context.get_current_parameters()
    return new_verification_token() if row.get("certificate_number") or row.get("stamp_number") else None


event_standards = Table(
    "event_standards",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    Index("ix_event_standards_item_id", "item_id"),  # the events that used a standard (suspects)
)


class Event(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "events"
    __table_args__ = (
        # Certificate identity: (provider, number, revision).
        Index("uq_events_certificate", "provider_id", "certificate_number", "revision", unique=True),
        Index("ix_events_item_performed", "item_id", "performed_on"),
        Index("ix_events_performed_id", "performed_on", "id"),  # the list, newest first
        Index("uq_events_verification_token", "verification_token", unique=True),
        # The Department's search by certificate or stamp number, across labs.
        Index("ix_events_certificate_number", "certificate_number"),
        Index("ix_events_stamp_number", "stamp_number"),
        Index("ix_events_provider_performed", "provider_id", "performed_on"),  # a lab's latest events
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    performed_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(12))
    certificate_number: Mapped[str | None] = mapped_column(String(80))
    record_number: Mapped[str | None] = mapped_column(String(80))
    stamp_number: Mapped[str | None] = mapped_column(String(80))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    state: Mapped[str] = mapped_column(String(10), default=EventState.CURRENT.value)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The latest day the rule allows (valid_until is the date printed on the certificate when the lab
    # gives one, often a day less); None on rows recorded before it was kept.
    computed_valid_until: Mapped[date | None] = mapped_column(Date)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("verifiers.id"))
    technician: Mapped[str] = mapped_column(String(200), default="")
    # [{"nominal", "as_found", "as_left", "error", "mpe", "uncertainty", "unit"}, …]
    measurement_points: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outside_accredited_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    # A calibration point whose stated uncertainty is below the accredited CMC, with the scope entry it
    # was compared with (events.cmc.below_cmc); None when none is.
    below_cmc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    override_reason: Mapped[str | None] = mapped_column(Text)
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    # Recorded: the item was out of tolerance as found (stated by the lab, or read from the points).
    as_found_out_of_tolerance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The decision rule the points were judged by (decision.DecisionRule), and why the stated result
    # differs from what they give, when it does.
    decision_rule: Mapped[str | None] = mapped_column(String(24))
    result_reason: Mapped[str | None] = mapped_column(Text)
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The opaque token of the public verification page (QR code), given by the insert itself so that
    # every path that stores an event (the service, the demo's bulk loader) gives one; see registry.public.
    verification_token: Mapped[str | None] = mapped_column(String(32), default=_token_if_certified)

    item: Mapped[Item] = relationship(lazy="joined")
    provider: Mapped[Organisation] = relationship(lazy="joined")
    verifier: Mapped[Verifier | None] = relationship()
    standards_used: Mapped[list[Item]] = relationship(secondary=event_standards)
    signatures: Mapped[list[EventSignature]] = relationship(
        back_populates="event", order_by="EventSignature.id"
    )

    # Who may do what (DESIGN §3), asked through registry.auth.policy.
    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department sees every event; a lab those it recorded, an owner those on its items."""
        if who.department:
            return None
        own_items = select(Item.id).where(Item.owner_id == who.organisation_id)
        return or_(Event.provider_id == who.organisation_id, Event.item_id.in_(own_items))

    @classmethod
    def __class_acl__(cls) -> ACL:
        """Who records some event at all: labs, enterprise managers (their in-house kinds), and the
        Department's admin on their behalf. Which events, on which items: the rules decide."""
        return [
            (principal, {Permission.RECORD})
            for principal in (DEPARTMENT_ADMIN, LAB_STAFF, ENTERPRISE_MANAGER)
        ]

    @property
    def tur(self) -> Decimal | None:
        """The test uncertainty ratio of its measurement points (decision.tur)."""
        return test_uncertainty_ratio(self.measurement_points or [])

    def __acl__(self) -> ACL:
        """Amend or void: the organisation that recorded it (the owner's people for in-house kinds, the
        lab's staff otherwise), or the Department's admin on its behalf."""
        recorder = in_house if EventKind(self.kind).by_the_owner else lab_staff
        return [
            (DEPARTMENT_ADMIN, {Permission.CHANGE, Permission.ASSESS}),
            (recorder(self.provider_id), {Permission.CHANGE, Permission.SIGN, Permission.ASSESS}),
        ]


class SignatureMeaning(enum.StrEnum):
    PERFORMED = "performed"  # performed by (the technician)
    REVIEWED = "reviewed"  # reviewed and approved by (another person of the lab)


class EventSignature(Audited, db.Model):  # type: ignore[name-defined]
    """An electronic signature of one revision of an event (ISO/IEC 17025 §7.5, §7.8.2): who signed, when,
    and what the signature means; the signer's name and e-mail as they were. Never changed nor deleted
    (database triggers): an amendment is a new revision, signed anew."""

    __tablename__ = "event_signatures"
    __table_args__ = (UniqueConstraint("event_id", "meaning"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    meaning: Mapped[str] = mapped_column(String(12))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_email: Mapped[str] = mapped_column(String(254))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="signatures")


@also_visible(Item)
def _items_a_lab_served(who: Principals) -> ColumnElement[bool] | None:
    """A lab sees the items it has served (recorded an event on), not only its own."""
    if LAB_STAFF not in who:
        return None
    return Item.id.in_(select(Event.item_id).where(Event.provider_id == who.organisation_id))
