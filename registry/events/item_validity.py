"""Each item's current validity, kept from its events in the same transaction (DESIGN §2 "Life"), and an
item's status on a past day, read from its results up to that day."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, ForbiddenError
from registry.core.services import check_version, require_reason
from registry.events import controls
from registry.events.models import VALIDITY_KINDS, Event, EventKind, EventState
from registry.extensions import db
from registry.items.models import Item, ItemKind, ReferenceMaterial, Result
from registry.items.status import Status, status_of


def latest_result(item: Item, on: date | None = None) -> Event | None:
    """The item's latest current event (by date, then recording order) that gives it validity, on or
    before ``on`` when given: the result its validity stands on. For a Group 2 instrument in legal use
    that is a verification: a calibration of it that day is shown but never sets its validity
    (:func:`.controls.gives_validity`)."""
    stmt = select(Event).where(
        Event.item_id == item.id,
        Event.state == EventState.CURRENT.value,
        Event.kind.in_(VALIDITY_KINDS),
    )
    if on is not None:
        stmt = stmt.where(Event.performed_on <= on)
    for event in db.session.scalars(stmt.order_by(Event.performed_on.desc(), Event.id.desc())):
        if controls.gives_validity(item, EventKind(event.kind), event.performed_on):
            return event
    return None


def status_on(standard: Item, on: date) -> Status:
    """A standard's status on a past day, from its results up to that day (a back-dated event is judged
    by the standard's validity then, not now); from its current columns when the registry holds none of
    its results (validity imported with it), and a reference material by its expiry date."""
    if isinstance(standard, ReferenceMaterial) or standard.kind == ItemKind.REFERENCE_MATERIAL:
        return status_of(standard, on)
    return status_given(standard, latest_result(standard, on), on)


def status_given(standard: Item, latest: Event | None, on: date) -> Status:
    """:func:`status_on` when the standard's latest result up to ``on`` is already known (the
    traceability chain finds every link's in one query)."""
    if isinstance(standard, ReferenceMaterial) or standard.kind == ItemKind.REFERENCE_MATERIAL:
        return status_of(standard, on)
    if latest is None:
        has_results = db.session.scalar(select(Event.id).where(Event.item_id == standard.id).limit(1))
        return Status.NEVER if has_results else status_of(standard, on)
    if latest.result == Result.FAIL:
        return Status.FAILED
    repaired_on = standard.repaired_on
    if repaired_on is not None and repaired_on <= on and not _restored_since(standard, repaired_on, until=on):
        return Status.AWAITING_REVERIFICATION
    if latest.valid_until is not None and latest.valid_until < on:
        return Status.OVERDUE
    return Status.VALID


def _restored_since(item: Item, day: date, *, until: date | None = None) -> bool:
    """Whether a passing result on or after ``day`` (up to ``until``) gave the item back its validity: for
    a Group 2 instrument the verification its rule requires after a repair (a new initial verification for
    a type without one); for anything else any passing validity-giving result (:mod:`.controls`)."""
    stmt = select(Event).where(
        Event.item_id == item.id,
        Event.state == EventState.CURRENT.value,
        Event.kind.in_(VALIDITY_KINDS),
        Event.result != Result.FAIL.value,
        Event.performed_on >= day,
    )
    if until is not None:
        stmt = stmt.where(Event.performed_on <= until)
    events = db.session.scalars(stmt)
    return any(controls.restores_after_repair(item, EventKind(e.kind), e.performed_on) for e in events)


def refresh_item(item: Item) -> None:
    """Set the item's current validity from its current events: the latest result (by date, then by
    recording order) rules, so an older result recorded late, an amendment or a void all land right.
    Called inside the audit reason of the event that changed it."""
    if not isinstance(item, ReferenceMaterial):  # a reference material is valid until it expires
        latest = latest_result(item)
        values = {
            "last_result": latest.result if latest else None,
            "last_event_on": latest.performed_on if latest else None,
            "valid_until": latest.valid_until if latest else None,
        }
        for name, value in values.items():
            if getattr(item, name) != value:
                setattr(item, name, value)
    needs_reverification = item.repaired_on is not None and not _restored_since(item, item.repaired_on)
    if item.needs_reverification != needs_reverification:
        item.needs_reverification = needs_reverification


def report_repair(
    actor: Actor, item: Item, *, repaired_on: object, reason: object, version: int | None
) -> Item:
    """A repair or a broken seal: the item awaits the verification its rule requires after a repair (a
    Group 2 instrument; a new initial verification for a type without one) or a new result (anything
    else). A reference material is not repaired: it is replaced."""
    policy.require(actor, item, Permission.CHANGE, _l("You may not change this item."))
    if isinstance(item, ReferenceMaterial):
        raise ForbiddenError(message=_l("A reference material is not repaired: replace it when spoiled."))
    check_version(item, version)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    day = errors.run(clean_date, repaired_on, field="repaired_on", past=True)
    errors.raise_if_any()
    assert day is not None
    with audit.reason(why):
        item.repaired_on = max(day, item.repaired_on or day)
        refresh_item(item)
    return item
