"""The ledger's inserts, set-based: one INSERT … SELECT … ON CONFLICT DO NOTHING per kind of subject.

A run on day D inserts, for each subject, only the latest stage whose day is ≤ D: stages missed while the
scheduler was down are skipped, not sent in a burst, and a second run the same day inserts nothing (the
unique key). The stage is computed from the subject's current end date, so a renewed item (a new
valid_until) starts a new series and the old one stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, Integer, and_, case, exists, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from registry.core.models import utcnow
from registry.events.models import Event, EventState
from registry.events.suspects.models import ImpactAssessment, SuspectRule, Suspicion
from registry.extensions import db
from registry.items.models import Item, ItemKind, ItemState
from registry.notifications.models import (
    Notification,
    NotificationKind,
    NotificationSettings,
    ReminderStage,
    Subject,
)
from registry.organisations.models import Accreditation, ConfirmationState, Designation, Verifier

# Days before valid_until, when an organisation has not chosen its own.
DEFAULT_STAGES = (30, 7)
MAX_STAGE_DAYS = 365
# After the first overdue day, one more reminder every this many days.
OVERDUE_REPEAT_DAYS = 30
# A provider's credentials and a reference material's expiry date: fixed stages, the last on the day.
EXPIRY_STAGES = (60, 14, 0)


class days_between(FunctionElement[int]):
    """``end - start`` in whole days, for dates (SQLite keeps them as ISO text; PostgreSQL subtracts)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({end} - {start})"


def _smallest_at_least(stages: Sequence[int], days_left: ColumnElement[int]) -> ColumnElement[Any]:
    """The latest of fixed ``stages`` whose day has come: the smallest stage ≥ ``days_left``."""
    return case(*((days_left <= stage, stage) for stage in sorted(stages)), else_=None)


def _insert_ignoring_duplicates() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(Notification)
    return sqlite_insert(Notification)


COLUMNS = ("organisation_id", "kind", "subject_type", "subject_id", "valid_until", "stage", "created_on")


def _insert(select_stmt: Any, batch: str) -> int:
    """Insert the rows ``select_stmt`` yields (its columns: :data:`COLUMNS`) unless already there."""
    selected = select_stmt.add_columns(
        literal(batch).label("batch"), literal(utcnow().replace(tzinfo=None), DateTime()).label("created_at")
    ).where(true())
    stmt = (
        _insert_ignoring_duplicates()
        .from_select([*COLUMNS, "batch", "created_at"], selected)
        .on_conflict_do_nothing()
    )
    before = _count(batch)
    db.session.execute(stmt)
    # Counted by batch: the driver's row count of an INSERT … SELECT is not reported on every database.
    return _count(batch) - before


def _count(batch: str) -> int:
    return int(db.session.scalar(select(func.count()).where(Notification.batch == batch)) or 0)


def _today(today: date) -> ColumnElement[date]:
    return literal(today, Date)


def insert_item_reminders(today: date, batch: str) -> int:
    """Reminders of instruments and standards that fall due: the owner's stages before valid_until, the
    first overdue day, then every further 30 days overdue. In service only: retired and out-of-service
    items get none. The recipient is the owner: a lab does not get its customers' reminders."""
    days_left = days_between(_today(today), Item.valid_until)
    own_stage = (
        select(func.min(ReminderStage.days_before))
        .where(ReminderStage.organisation_id == Item.owner_id, ReminderStage.days_before >= days_left)
        .scalar_subquery()
    )
    has_own_stages = exists().where(NotificationSettings.organisation_id == Item.owner_id)
    overdue_stage = -(1 + OVERDUE_REPEAT_DAYS * ((-days_left - 1) // OVERDUE_REPEAT_DAYS))
    stage = case(
        (days_left < 0, overdue_stage),
        (has_own_stages, own_stage),
        else_=_smallest_at_least(DEFAULT_STAGES, days_left),
    )
    rows = select(
        Item.owner_id,
        literal(NotificationKind.REMINDER.value),
        literal(Subject.ITEM.value),
        Item.id,
        Item.valid_until,
        stage.label("stage"),
        _today(today),
    ).where(
        Item.kind.in_([ItemKind.INSTRUMENT.value, ItemKind.STANDARD.value]),
        Item.state == ItemState.IN_SERVICE.value,
        Item.valid_until.is_not(None),
        # Nothing can be due yet beyond the longest stage: an index range, not a scan of every item.
        Item.valid_until <= today + timedelta(days=MAX_STAGE_DAYS),
        stage.is_not(None),
    )
    return _insert(rows, batch)


def _insert_expiring(
    today: date, batch: str, subject: Subject, organisation_id: Any, row_id: Any, ends: Any, *conditions: Any
) -> int:
    days_left = days_between(_today(today), ends)
    stage = _smallest_at_least(EXPIRY_STAGES, days_left)
    rows = select(
        organisation_id,
        literal(NotificationKind.EXPIRY.value),
        literal(subject.value),
        row_id,
        ends,
        stage.label("stage"),
        _today(today),
    ).where(
        ends >= today, ends <= today + timedelta(days=max(EXPIRY_STAGES)), stage.is_not(None), *conditions
    )
    return _insert(rows, batch)


def insert_expiry_notices(today: date, batch: str) -> int:
    """A provider's accreditations, designations and verifier cards, and reference materials: 60 and 14
    days before they expire, and on the day. (A registration does not expire: Decree 105/2016.)"""
    live = ConfirmationState.REJECTED.value
    created = 0
    for subject, model in (
        (Subject.ACCREDITATION, Accreditation),
        (Subject.DESIGNATION, Designation),
        (Subject.VERIFIER, Verifier),
    ):
        extra = [model.suspension.is_(None)] if model is Accreditation else []
        created += _insert_expiring(
            today,
            batch,
            subject,
            model.organisation_id,
            model.id,
            model.valid_to,
            model.confirmation != live,
            *extra,
        )
    created += _insert_expiring(
        today,
        batch,
        Subject.ITEM,
        Item.owner_id,
        Item.id,
        Item.expiry_date,
        and_(Item.kind == ItemKind.REFERENCE_MATERIAL.value, Item.state == ItemState.IN_SERVICE.value),
    )
    return created


def insert_digest(today: date, batch: str, department_ids: Sequence[int]) -> int:
    """One digest a day for each Department organisation: its row is the day itself."""
    created = 0
    for organisation_id in department_ids:
        rows = select(
            literal(organisation_id),
            literal(NotificationKind.DIGEST.value),
            literal(Subject.DIGEST.value),
            literal(0),
            _today(today),
            literal(0),
            _today(today),
        )
        created += _insert(rows, batch)
    return created


def insert_suspect_notices(today: date, batch: str) -> int:
    """Owners hear that a result about their item is in doubt: once per (owner, event, cause), for each
    open suspicion of an event that is suspect now, whose bad result still stands. A suspicion the lab
    closed with its impact assessment gives nothing; a cause already announced gives nothing again, even
    after the flag was cleared and set again. The lab that recorded the bad result is not told: it has the
    suspect report (DESIGN §4: providers work from their queues); it hears only of its own items."""
    first = aliased(Suspicion)
    first_found = (
        select(func.date(func.min(first.flagged_at)))
        .where(first.event_id == Suspicion.event_id, first.cause_id == Suspicion.cause_id)
        .scalar_subquery()
    )
    closed_through = (
        select(func.coalesce(func.max(ImpactAssessment.closes_through), 0))
        .where(ImpactAssessment.event_id == Suspicion.event_id)
        .scalar_subquery()
    )
    bad = aliased(Event)
    cause_stands = exists().where(
        bad.item_id == Suspicion.standard_id,
        bad.state == EventState.CURRENT.value,
        or_(bad.result == "fail", bad.as_found_out_of_tolerance.is_(True)),
        or_(bad.id == Suspicion.cause_id, bad.original_id == Suspicion.cause_id),
    )
    rows = (
        select(
            Item.owner_id,
            literal(NotificationKind.SUSPECT.value),
            literal(Subject.EVENT.value),
            Suspicion.event_id,
            first_found.label("valid_until"),
            Suspicion.cause_id.label("stage"),
            _today(today),
        )
        .select_from(Suspicion)
        .join(Event, func.coalesce(Event.original_id, Event.id) == Suspicion.event_id)
        .join(Item, Item.id == Event.item_id)
        .where(
            Event.state == EventState.CURRENT.value,
            Event.suspect.is_(True),
            Suspicion.id > closed_through,
            or_(Suspicion.rule == SuspectRule.OVERDUE.value, cause_stands),
        )
        .distinct()
    )
    return _insert(rows, batch)


def created_in(batch: str) -> list[Notification]:
    """The ledger rows this run inserted (and only those: another run's rows are its own to announce)."""
    return list(
        db.session.scalars(select(Notification).where(Notification.batch == batch).order_by(Notification.id))
    )
