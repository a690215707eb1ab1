"""Notification rules: the jobs' work (ledger rows and their e-mails in one transaction), an
organisation's stages and recipients, and a user's inbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.errors import NotFoundError, ServiceError
from registry.core.models import MAX_ID, utcnow
from registry.core.pagination import KeysetPage, Order, page_from_request, parse_moment
from registry.extensions import db
from registry.notifications import ledger
from registry.notifications.faults import fault_point
from registry.notifications.mail import queue_digests, receives
from registry.notifications.models import (
    Notification,
    NotificationKind,
    NotificationSettings,
    OrganisationNotificationSettings,
    OutboxMessage,
    RecipientChoice,
    ReminderStage,
    UserNotificationChoice,
)
from registry.notifications.outbox import send_outbox
from registry.organisations.models import Organisation

MAX_STAGES = 6


# The jobs: each inserts its ledger rows and queues their e-mails in the caller's one transaction.


def _announce(actor: Actor, today: date, batch: str, created: int) -> dict[str, Any]:
    fault_point("ledger:after_insert")
    queued = queue_digests(actor, ledger.created_in(batch), today) if created else 0
    fault_point("ledger:after_queue")
    return {"notifications_created": created, "emails_queued": queued}


def run_reminders(actor: Actor, today: date) -> dict[str, Any]:
    policy.require(actor, Notification, Permission.CREATE)
    batch = uuid.uuid4().hex
    return _announce(actor, today, batch, ledger.insert_item_reminders(today, batch))


def run_expiry(actor: Actor, today: date) -> dict[str, Any]:
    policy.require(actor, Notification, Permission.CREATE)
    batch = uuid.uuid4().hex
    return _announce(actor, today, batch, ledger.insert_expiry_notices(today, batch))


def run_suspects(actor: Actor, today: date) -> dict[str, Any]:
    """A job of its own, not a step of flagging: flagging lives in ``events``, below this domain, and runs
    inside the request that records a result (one bad result can flag 80,000 events); the owners' notices
    and their e-mails are this job's work, within the hour, whatever made the event suspect."""
    policy.require(actor, Notification, Permission.CREATE)
    batch = uuid.uuid4().hex
    return _announce(actor, today, batch, ledger.insert_suspect_notices(today, batch))


def run_overdue_digest(actor: Actor, today: date) -> dict[str, Any]:
    policy.require(actor, Notification, Permission.CREATE)
    batch = uuid.uuid4().hex
    departments = list(
        db.session.scalars(select(Organisation.id).where(Organisation.is_department.is_(True)))
    )
    return _announce(actor, today, batch, ledger.insert_digest(today, batch, departments))


def run_outbox(actor: Actor, today: date) -> dict[str, Any]:
    return send_outbox(actor)


# An organisation's settings.


def stages_of(organisation: Organisation) -> list[int]:
    settings = db.session.get(NotificationSettings, organisation.id)
    return sorted(settings.stages, reverse=True) if settings else sorted(ledger.DEFAULT_STAGES, reverse=True)


def clean_stages(values: Iterable[object] | str) -> list[int]:
    """Days before the end date, each 0–365, at most six, given as numbers or as text "30, 7"."""
    if isinstance(values, str):
        values = [part for part in values.replace(";", ",").split(",") if part.strip()]
    stages: set[int] = set()
    for value in values:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or not text.isascii():
            raise ServiceError({"stages": _l("Each stage is a whole number of days, from 0 to 365.")})
        number = int(text)
        if not 0 <= number <= ledger.MAX_STAGE_DAYS:
            raise ServiceError({"stages": _l("Each stage is a whole number of days, from 0 to 365.")})
        stages.add(number)
    if len(stages) > MAX_STAGES:
        raise ServiceError({"stages": _l("Give at most %(count)d stages.", count=MAX_STAGES)})
    return sorted(stages, reverse=True)


def set_stages(actor: Actor, organisation: Organisation, values: Iterable[object] | str) -> list[int]:
    policy.require(actor, OrganisationNotificationSettings(organisation), Permission.CHANGE)
    stages = clean_stages(values)
    settings = db.session.get(NotificationSettings, organisation.id)
    with audit.reason("reminder stages changed"):
        if settings is None:
            settings = NotificationSettings(organisation_id=organisation.id, stages=stages)
            db.session.add(settings)
        else:
            settings.stages = stages
        db.session.flush()
        db.session.execute(
            ReminderStage.__table__.delete().where(ReminderStage.organisation_id == organisation.id)
        )
        for days in stages:
            db.session.add(ReminderStage(organisation_id=organisation.id, days_before=days))
        db.session.flush()
    return stages


def recipient_choices(organisation: Organisation) -> list[tuple[User, bool]]:
    users = list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == organisation.id, User.active.is_(True))
            .order_by(User.email)
        ).unique()
    )
    choices = {
        choice.user_id: choice
        for choice in db.session.scalars(
            select(RecipientChoice).where(RecipientChoice.user_id.in_([user.id for user in users]))
        )
    }
    return [(user, receives(user, choices.get(user.id))) for user in users]


def receives_mail(user: User) -> bool:
    return receives(user, db.session.get(RecipientChoice, user.id))


def set_receives(actor: Actor, user: User, wanted: bool) -> None:
    """``user`` receives (or not) its organisation's e-mails: the user itself, its managers, the
    Department decide."""
    if not policy.is_department(actor) and not policy.belongs_to(actor, user.organisation_id):
        raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})
    policy.require(actor, UserNotificationChoice(user), Permission.CHANGE)
    choice = db.session.get(RecipientChoice, user.id)
    with audit.reason("e-mail recipients changed"):
        if choice is None:
            db.session.add(RecipientChoice(user_id=user.id, receives=wanted))
        else:
            choice.receives = wanted
        db.session.flush()


# The inbox.


def notifications_visible(actor: Actor, kind: str | None = None) -> Select[tuple[Notification]]:
    stmt = select(Notification)
    condition = policy.visible(actor, Notification)
    if condition is not None:
        stmt = stmt.where(condition)
    if kind:
        if kind not in {k.value for k in NotificationKind}:
            raise ServiceError({"kind": _l("Choose reminder, expiry, digest or suspect.")})
        stmt = stmt.where(Notification.kind == kind)
    return stmt


# The inbox, newest first, a page at a time (the index on organisation_id, created_at, id serves it).
INBOX_ORDER = Order(
    "newest", Notification.created_at, Notification.id, descending=True, parse=parse_moment, nullable=False
)


INBOX_PER_PAGE = 50


def inbox_page(actor: Actor, kind: str | None = None) -> KeysetPage[Notification]:
    """The page of ``actor``'s notifications (of ``kind``) that this request's ``after``/``before`` names."""
    return page_from_request(notifications_visible(actor, kind), INBOX_ORDER, INBOX_PER_PAGE)


def latest(actor: Actor, limit: int) -> Sequence[Notification]:
    """``actor``'s newest notifications (a home page's panel)."""
    stmt = notifications_visible(actor).order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def unread_count(actor: Actor) -> int:
    stmt = notifications_visible(actor).where(Notification.read_at.is_(None))
    return int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def get_notification(actor: Actor, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id) if 0 < notification_id <= MAX_ID else None
    if notification is None or not policy.can_see(actor, notification):
        raise NotFoundError({"id": _l("No such notification, or you cannot see it.")})
    return notification


def mark_read(actor: Actor, notification: Notification) -> Notification:
    policy.require(actor, notification, Permission.CHANGE)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(actor: Actor, kind: str | None = None) -> int:
    unread = notifications_visible(actor, kind).where(Notification.read_at.is_(None))
    ids = list(db.session.scalars(unread.with_only_columns(Notification.id)))
    if ids:
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(read_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    return len(ids)


def outbox_messages(actor: Actor, *, limit: int = 200) -> Sequence[OutboxMessage]:
    """The Department follows delivery: the latest messages with their attempts and last error."""
    condition = policy.visible(actor, OutboxMessage)
    stmt = select(OutboxMessage).order_by(OutboxMessage.sent_at.is_not(None), OutboxMessage.id.desc())
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt.limit(limit)))
