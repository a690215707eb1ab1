"""What each role's home page shows: an enterprise's items needing action, its due dates and certificates;
a lab's work queue, its own standards and credentials; the Department's inspection list. Every query is
bounded (a LIMIT, or a GROUP BY over a handful of statuses) and filtered by the policy's visibility."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from registry.auth import policy
from registry.auth.policy import Actor
from registry.catalogue.services import admin_units
from registry.core.errors import NotFoundError
from registry.events.models import Event, EventState
from registry.events.recording import events_visible
from registry.extensions import db
from registry.items.models import Instrument, Item, ItemKind, ItemState
from registry.items.status import Status, status_expression
from registry.notifications.digest import DigestRow, digest_rows, overdue_group2
from registry.organisations.credentials.state import (
    CredentialState,
    credential_state,
    credentials_of,
    pending_credentials,
)
from registry.public.models import CertificateFile

ATTENTION = (Status.FAILED, Status.AWAITING_REVERIFICATION, Status.OVERDUE)
# What the owner does about each, in words.
WHAT_TO_DO = {
    Status.FAILED: _l("Repair or replace it, then have it verified again; do not use it meanwhile."),
    Status.AWAITING_REVERIFICATION: _l("Book a verification after repair with a lab before using it again."),
    Status.OVERDUE: _l("Have it verified or calibrated by a lab now: it may not be used until then."),
}
CREDENTIAL_KINDS = {
    "registrations": _l("Registration"),
    "accreditations": _l("Accreditation"),
    "designations": _l("Designation"),
    "verifiers": _l("Verifier"),
}
TIMELINE_DAYS = 90
QUEUE_DAYS = 60
LIST_LIMIT = 20
TIMELINE_LIMIT = 100
QUEUE_LIMIT = 20
QUEUE_COUNT_CAP = 1000
RECENT_LIMIT = 8
# A credential warned about on a lab's home: lapsing soon, lapsed, or no longer in force.
CREDENTIAL_WARNINGS = frozenset(
    {
        CredentialState.EXPIRING,
        CredentialState.LAPSED,
        CredentialState.SUSPENDED,
        CredentialState.WITHDRAWN,
        CredentialState.REVOKED,
    }
)


def _visible_items(actor: Actor, *conditions: ColumnElement[bool]) -> Select[Any]:
    stmt = select(Item).where(*conditions)
    condition = policy.visible(actor, Item)
    return stmt if condition is None else stmt.where(condition)


def _count(stmt: Select[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _own(actor: Actor) -> int:
    organisation = policy.own_organisation(actor)
    if organisation is None:
        raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})
    return organisation.id


# --- An enterprise ---------------------------------------------------------------------------------------


def needing_action(actor: Actor, today: date, limit: int = LIST_LIMIT) -> list[Item]:
    """The actor's organisation's items that failed, await their verification after repair, or are
    overdue: the failed first, then by how long ago their validity ended."""
    status = status_expression(today)
    order = case({s.value: rank for rank, s in enumerate(ATTENTION)}, value=status)
    stmt = _visible_items(
        actor,
        Item.owner_id == _own(actor),
        Item.state == ItemState.IN_SERVICE.value,
        status.in_([s.value for s in ATTENTION]),
    )
    return list(db.session.scalars(stmt.order_by(order, Item.valid_until, Item.id).limit(limit)))


@dataclass
class Week:
    """One week of the due-date timeline: its Monday and the items whose validity ends that week."""

    monday: date
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Timeline:
    weeks: list[Week]
    total: int  # every item due in the window, of which ``weeks`` shows the first TIMELINE_LIMIT
    until: date


def due_timeline(actor: Actor, today: date, days: int = TIMELINE_DAYS) -> Timeline:
    """The actor's organisation's items in service whose validity ends in the next ``days`` days, by week."""
    until = today + timedelta(days=days)
    stmt = _visible_items(
        actor,
        Item.owner_id == _own(actor),
        Item.state == ItemState.IN_SERVICE.value,
        Item.valid_until >= today,
        Item.valid_until <= until,
        Item.needs_reverification.is_(False),
    )
    weeks: dict[date, Week] = {}
    for item in db.session.scalars(stmt.order_by(Item.valid_until, Item.id).limit(TIMELINE_LIMIT)):
        assert item.valid_until is not None
        monday = item.valid_until - timedelta(days=item.valid_until.weekday())
        weeks.setdefault(monday, Week(monday)).items.append(item)
    return Timeline(list(weeks.values()), _count(stmt), until)


@dataclass(frozen=True)
class Certificate:
    event: Event
    file: CertificateFile | None  # the latest PDF attached, if any


def recent_certificates(actor: Actor, limit: int = RECENT_LIMIT) -> list[Certificate]:
    """The latest certificates issued for the actor's organisation's items, with their PDF when attached."""
    own_items = select(Item.id).where(Item.owner_id == _own(actor))
    stmt = (
        events_visible(actor)
        .where(
            Event.item_id.in_(own_items),
            Event.state == EventState.CURRENT.value,
            Event.certificate_number.is_not(None),
        )
        .order_by(Event.performed_on.desc(), Event.id.desc())
        .limit(limit)
    )
    events = list(db.session.scalars(stmt))
    files: dict[int, CertificateFile] = {}
    if events:
        attached = select(CertificateFile).where(CertificateFile.event_id.in_([e.id for e in events]))
        for record in db.session.scalars(attached.order_by(CertificateFile.id)):
            files[record.event_id] = record  # the latest wins
    return [Certificate(event, files.get(event.id)) for event in events]


# --- A lab -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    items: list[Item]
    total: int  # at most QUEUE_COUNT_CAP
    until: date

    @property
    def more_than_counted(self) -> bool:
        return self.total >= QUEUE_COUNT_CAP


def work_queue(actor: Actor, today: date, days: int = QUEUE_DAYS, limit: int = QUEUE_LIMIT) -> Queue:
    """The customers' items the lab has served whose validity ends within ``days`` days, the longest overdue
    first. The lab's own items are not its customers'. Read in the order of the validity index, so that the
    first page and the (capped) count stop early however many items the lab has served."""
    own = _own(actor)
    until = today + timedelta(days=days)
    # Which items the lab may see at all is the policy's; among them, the queue is those it has served.
    served = select(Event.item_id).where(Event.provider_id == own)
    stmt = _visible_items(
        actor,
        Item.id.in_(served),
        Item.owner_id != own,
        Item.state == ItemState.IN_SERVICE.value,
        Item.valid_until <= until,
    )
    items = list(db.session.scalars(stmt.order_by(Item.valid_until, Item.id).limit(limit)))
    total = _count(stmt.limit(QUEUE_COUNT_CAP)) if len(items) == limit else len(items)
    return Queue(items, total, until)


def standards_needing_care(actor: Actor, today: date, limit: int = LIST_LIMIT) -> list[Item]:
    """The lab's own standards and reference materials that are due soon, overdue, failed or never
    calibrated: the warnings before a standard used while overdue makes its events suspect."""
    status = status_expression(today)
    stmt = _visible_items(
        actor,
        Item.owner_id == _own(actor),
        Item.kind.in_((ItemKind.STANDARD.value, ItemKind.REFERENCE_MATERIAL.value)),
        Item.state == ItemState.IN_SERVICE.value,
        status.in_([s.value for s in (*ATTENTION, Status.DUE_SOON, Status.NEVER)]),
    )
    return list(
        db.session.scalars(stmt.order_by(Item.valid_until.is_not(None), Item.valid_until).limit(limit))
    )


@dataclass(frozen=True)
class CredentialLine:
    kind: str  # registrations, accreditations, designations, verifiers
    credential: Any
    state: CredentialState

    @property
    def warning(self) -> bool:
        return self.state in CREDENTIAL_WARNINGS or self.credential.confirmation != "confirmed"


def own_credentials(actor: Actor, today: date) -> list[CredentialLine]:
    """The lab's credentials with their state today, those needing attention first."""
    organisation = policy.own_organisation(actor)
    if organisation is None:
        return []
    lines = [
        CredentialLine(kind, credential, credential_state(credential, today))
        for kind, credentials in credentials_of(actor, organisation).items()
        for credential in credentials
    ]
    return sorted(lines, key=lambda line: not line.warning)


def recent_events(actor: Actor, limit: int = RECENT_LIMIT) -> list[Event]:
    """The actor's lab's latest events, by the day they were performed."""
    stmt = events_visible(actor).where(Event.provider_id == _own(actor))
    return list(db.session.scalars(stmt.order_by(Event.performed_on.desc(), Event.id.desc()).limit(limit)))


# --- The Department -------------------------------------------------------------------------------------


def pending(actor: Actor, limit: int = LIST_LIMIT) -> tuple[list[Any], int]:
    """The first credentials waiting for the Department's confirmation, and how many wait."""
    waiting = pending_credentials(actor)
    return waiting[:limit], len(waiting)


def districts() -> list[Any]:
    """The districts (and towns and cities) the inspection list is filtered by, abolished ones included."""
    return [unit for unit in admin_units() if unit.level in {"district", "city", "town"}]


def check_may_inspect(actor: Actor) -> None:
    """The inspection list and the registry-wide search are the Department's: others are told nothing."""
    if not policy.is_department(actor):
        raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})


@dataclass
class InspectionLine:
    """One instrument type in one administrative unit: its overdue and its never-verified instruments."""

    type_name: str
    by_status: dict[Status, DigestRow] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(row.count for row in self.by_status.values())


@dataclass
class InspectionUnit:
    code: str
    name: str
    lines: dict[str, InspectionLine] = field(default_factory=dict)  # by type code

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines.values())


def inspection_units(actor: Actor, today: date, district: str | None = None) -> list[InspectionUnit]:
    """Overdue and never-verified Group 2 instruments by administrative unit, then type (the digest's
    counts, one line per type with both statuses), in the units' order."""
    check_may_inspect(actor)
    units: dict[str, InspectionUnit] = {}
    for row in digest_rows(today, district):
        unit = units.setdefault(row.admin_unit_code, InspectionUnit(row.admin_unit_code, row.admin_unit_name))
        line = unit.lines.setdefault(row.type_code, InspectionLine(row.type_name))
        line.by_status[row.status] = row
    return list(units.values())


def inspection_instruments(actor: Actor, today: date, district: str | None = None) -> Iterable[Instrument]:
    """Each instrument the inspection list counts, for its download: by site, type and validity."""
    check_may_inspect(actor)
    stmt = (
        select(Instrument)
        .where(*overdue_group2(today, district))
        .order_by(Instrument.site_admin_unit_id, Instrument.type_id, Instrument.valid_until, Instrument.id)
    )
    return db.session.scalars(stmt.execution_options(yield_per=500))
