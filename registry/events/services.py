"""Recording, amending and voiding events, and keeping each item's current validity in the same
transaction (DESIGN §2 "Event", "Life", "Immutable").

``user`` is who acts; ``None`` is a trusted caller acting for the Department (the demo loader). Every
broken rule is reported before anything is stored; nothing is edited in place or deleted: an amendment
is a new revision (same certificate number, next revision, referring to the original) and the old one
is marked amended; a void keeps the row and its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from registry.audit.services import set_reason
from registry.auth.models import User
from registry.core.errors import FieldErrors, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.validation import clean_text
from registry.events import access, rules
from registry.events.models import VALIDITY_KINDS, Event, EventKind, EventState
from registry.events.points import clean_points
from registry.extensions import db
from registry.items import access as item_access
from registry.items.models import Instrument, Item, ReferenceMaterial, Result
from registry.organisations.models import Organisation

# What an amendment may change; the item, the kind and the provider stay.
AMENDABLE = (
    "performed_on",
    "result",
    "certificate_number",
    "record_number",
    "stamp_number",
    "verifier_card",
    "technician",
    "valid_until",
    "standards_used",
    "measurement_points",
    "override_reason",
)


# --- Finding the item ------------------------------------------------------------------------------------


def find_item(
    user: User | None, *, owner: str | None, serial_number: str | None, type_code: str | None
) -> Item:
    """The item an event is about, by its owner's code, its serial number and (when the owner has several
    items with that serial number) its instrument type. A lab may name any owner's instrument (as in the
    lookup); others only their own organisation's."""
    errors = FieldErrors()
    code = errors.run(clean_text, owner, field="owner", max_length=40)
    serial = errors.run(clean_text, serial_number, field="serial_number", max_length=80)
    wanted_type = errors.run(clean_text, type_code, field="type_code", max_length=40, required=False)
    errors.raise_if_any()
    if not item_access.may_look_up(user) and (user is None or code.upper() != user.organisation.code):
        # Checked before the code is looked up, so that it never tells which organisations exist.
        raise ServiceError({"owner": _l("You may record events on your own organisation's items only.")})
    organisation = item_access.organisation_by_code(code)
    if organisation is None:
        raise ServiceError({"owner": _l("No organisation with code %(code)s.", code=code)})
    stmt = (
        select(Item).where(Item.owner_id == organisation.id, Item.serial_number == serial).order_by(Item.id)
    )
    found = list(db.session.scalars(stmt))
    if wanted_type:
        found = [
            item
            for item in found
            if isinstance(item, Instrument)
            and item.instrument_type
            and item.instrument_type.code == wanted_type.upper()
        ]
    if not found:
        raise ServiceError(
            {
                "serial_number": _l(
                    "%(code)s has no item with serial number %(serial)s: register it first.",
                    code=organisation.code,
                    serial=serial,
                )
            }
        )
    if len(found) > 1:
        raise ServiceError(
            {"type_code": _l("Several items have this serial number: give the instrument type.")}
        )
    return found[0]


def _standards(values: Sequence[object]) -> list[Item]:
    """The standards and reference materials named by id (or given as rows); an id naming nothing is
    refused like another organisation's, so the answer never tells which rows exist."""
    items: list[Item] = []
    for value in values:
        item = value if isinstance(value, Item) else None
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= item_access.MAX_ID:
            item = db.session.get(Item, value)
        if item is None:
            raise ServiceError({"standards_used": rules.NOT_OWN_STANDARD})
        if item not in items:
            items.append(item)
    return items


# --- The item's current validity -------------------------------------------------------------------------


def _restored_since(item: Item, day: date) -> bool:
    """Whether a result on or after ``day`` gave the item back its validity: a passed verification after
    repair for a Group 2 instrument; any passing validity-giving result for anything else."""
    kinds = (
        (EventKind.VERIFICATION_AFTER_REPAIR.value,)
        if isinstance(item, Instrument) and item.group2
        else VALIDITY_KINDS
    )
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Event.item_id == item.id,
                    Event.state == EventState.CURRENT.value,
                    Event.kind.in_(kinds),
                    Event.result != Result.FAIL.value,
                    Event.performed_on >= day,
                )
            )
        )
    )


def refresh_item(item: Item) -> None:
    """Set the item's current validity from its current events: the latest result (by date, then by
    recording order) rules, so an older result recorded late, an amendment or a void all land right."""
    if not isinstance(item, ReferenceMaterial):  # a reference material is valid until it expires
        latest = rules.latest_result(item)
        item.last_result = latest.result if latest else None
        item.last_event_on = latest.performed_on if latest else None
        item.valid_until = latest.valid_until if latest else None
    item.needs_reverification = item.repaired_on is not None and not _restored_since(item, item.repaired_on)


def report_repair(
    user: User | None,
    item: Item,
    *,
    repaired_on: date | None,
    reason: str | None,
    version: int | None,
    today: date,
) -> Item:
    """A repair or a broken seal: the item is out of validity until it is verified after repair (a Group 2
    instrument) or calibrated again (anything else)."""
    item_access.require_change(user, item)
    check_version(item, version)
    errors = FieldErrors()
    text = errors.run(require_reason, reason)
    if repaired_on is None:
        errors.add("repaired_on", _l("This field is required."))
    elif repaired_on > today:
        errors.add("repaired_on", _l("The date cannot be in the future."))
    errors.raise_if_any()
    assert repaired_on is not None
    item.repaired_on = max(repaired_on, item.repaired_on or repaired_on)
    refresh_item(item)
    set_reason(text)
    db.session.flush()
    return item


# --- Recording, amending, voiding ------------------------------------------------------------------------


def _provider(
    user: User | None, item: Item, kind: EventKind, code: str | Organisation | None
) -> Organisation:
    """Who performed the event: the owner for in-house kinds; otherwise the recording lab, or, when the
    Department's admin records on a lab's behalf, the lab it names. An amendment keeps its original's."""
    if isinstance(code, Organisation) and kind.by_the_owner:
        return code
    if kind.by_the_owner:
        return item.owner
    if isinstance(code, Organisation):
        code = code.code
    code = (code or "").strip()
    if access.acts_for_department(user):
        if not code:
            raise ServiceError({"provider": _l("Name the provider that performed it.")})
        provider = item_access.organisation_by_code(code)
        if provider is None:
            raise ServiceError({"provider": _l("No organisation with code %(code)s.", code=code[:40])})
        return provider
    assert user is not None
    if code and code.upper() != user.organisation.code:
        raise ServiceError({"provider": _l("You record events for your own organisation only.")})
    return user.organisation


def _build(
    user: User | None,
    item: Item,
    *,
    kind: object,
    provider: str | Organisation | None,
    values: Mapping[str, Any],
    today: date,
    original: Event | None = None,
) -> Event:
    """A new event (or revision of ``original``) from ``values``, once every rule holds."""
    errors = FieldErrors()
    event_kind = errors.run(rules.parse_kind, kind)
    event_result = errors.run(rules.parse_result, values.get("result"), event_kind) if event_kind else None
    performed_on = values.get("performed_on")
    if performed_on is None:
        errors.add("performed_on", _l("This field is required."))
    elif performed_on > today:
        errors.add("performed_on", _l("An event cannot be dated in the future."))
    text: dict[str, str] = {}
    for name, limit in (
        ("certificate_number", 80),
        ("record_number", 80),
        ("stamp_number", 80),
        ("verifier_card", 40),
        ("technician", 200),
        ("override_reason", 2000),
    ):
        text[name] = (
            errors.run(clean_text, values.get(name), field=name, max_length=limit, required=False) or ""
        )
    points = errors.run(clean_points, values.get("measurement_points"))
    if event_kind and event_result:
        rules.check_document(
            event_kind,
            event_result,
            text["certificate_number"],
            text["record_number"],
            text["stamp_number"],
            errors,
        )
        errors.run(rules.check_item, item, event_kind)
    organisation = errors.run(_provider, user, item, event_kind, provider) if event_kind else None
    errors.raise_if_any()
    assert event_kind is not None and event_result is not None and organisation is not None
    assert isinstance(performed_on, date)

    verifier = None
    if event_kind.by_the_owner:
        rules.check_owner_may_record(user, item)
    else:
        verifier = rules.check_provider_may_record(
            user, item, event_kind, organisation, performed_on, text["verifier_card"]
        )
    standards = _standards(values.get("standards_used") or ())
    rules.check_standards(standards, organisation, performed_on, text["override_reason"])
    _check_certificate_unused(organisation, text["certificate_number"], original)
    if original is not None and (original.performed_on, original.result, original.valid_until) == (
        performed_on,
        event_result,
        values.get("valid_until"),
    ):
        # An amendment of anything else keeps the validity issued, even if the item's interval or the
        # legal rule changed since.
        valid_until = values.get("valid_until")
    else:
        valid_until = rules.validity(item, event_kind, event_result, performed_on, values.get("valid_until"))
    return Event(
        item=item,
        provider=organisation,
        kind=event_kind.value,
        performed_on=performed_on,
        result=event_result.value,
        certificate_number=text["certificate_number"] or None,
        record_number=text["record_number"] or None,
        stamp_number=text["stamp_number"] or None,
        verifier=verifier,
        technician=text["technician"],
        valid_until=valid_until,
        standards_used=standards,
        measurement_points=points or [],
        outside_accredited_scope=rules.outside_accredited_scope(item, event_kind, organisation, performed_on),
        override_reason=text["override_reason"] or None,
        revision=_next_revision(organisation, text["certificate_number"], original),
        original_id=None if original is None else (original.original_id or original.id),
    )


def _check_certificate_unused(provider: Organisation, number: str, original: Event | None) -> None:
    """A certificate number names one live certificate of the provider: taken while an event carrying it
    is current (other than the one being amended). Once voided, the number may be issued again, as its
    next revision (the voided record stays)."""
    if not number:
        return
    stmt = select(Event.id).where(
        Event.provider_id == provider.id,
        Event.certificate_number == number,
        Event.state == EventState.CURRENT.value,
    )
    if original is not None:
        stmt = stmt.where(Event.id != original.id)
    if db.session.scalar(stmt.limit(1)):
        raise ServiceError(
            {
                "certificate_number": _l(
                    "%(code)s already issued certificate %(number)s.", code=provider.code, number=number
                )
            }
        )


def _next_revision(provider: Organisation, number: str, original: Event | None) -> int:
    """Certificate identity is (provider, number, revision): the revision after every earlier one."""
    latest = -1 if original is None else original.revision
    if number:
        used = db.session.scalar(
            select(func.max(Event.revision)).where(
                Event.provider_id == provider.id, Event.certificate_number == number
            )
        )
        latest = max(latest, -1 if used is None else used)
    return latest + 1


def _store(event: Event) -> None:
    """Insert ``event``; two labs' clerks racing for one certificate number get a field error, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
    except IntegrityError:
        raise ServiceError(
            {"certificate_number": _l("This certificate number was just used: check it and record again.")}
        ) from None


def _department_reason(
    user: User | None, reason: str | None, provider: Organisation, item: Item
) -> str | None:
    """The Department's admin acting on a lab's or an owner's behalf says why."""
    if user is not None and access.acts_for_department(user) and provider.id != user.organisation_id:
        return require_reason(reason)
    return clean_text(reason, field="reason", max_length=2000, required=False) or None


def record_event(
    user: User | None,
    item: Item,
    *,
    kind: object,
    performed_on: date | None,
    result: object,
    today: date,
    provider: str | Organisation | None = None,
    certificate_number: str | None = None,
    record_number: str | None = None,
    stamp_number: str | None = None,
    verifier_card: str | None = None,
    technician: str | None = None,
    valid_until: date | None = None,
    standards_used: Sequence[Item | int] = (),
    measurement_points: list[dict[str, Any]] | None = None,
    override_reason: str | None = None,
    reason: str | None = None,
) -> Event:
    """Record what a lab (or the owner, for in-house kinds) did to ``item`` and what it found; the item's
    validity follows in the same transaction."""
    access.require_record(user)
    values = {
        "performed_on": performed_on,
        "result": result,
        "certificate_number": certificate_number,
        "record_number": record_number,
        "stamp_number": stamp_number,
        "verifier_card": verifier_card,
        "technician": technician,
        "valid_until": valid_until,
        "standards_used": standards_used,
        "measurement_points": measurement_points,
        "override_reason": override_reason,
    }
    event = _build(user, item, kind=kind, provider=provider, values=values, today=today)
    why = _department_reason(user, reason, event.provider, item)
    set_reason(why)
    _store(event)
    refresh_item(item)
    set_reason(why)
    db.session.flush()
    return event


def values_of(event: Event) -> dict[str, Any]:
    """An event's recorded values under the names :func:`record_event` takes."""
    return {
        "performed_on": event.performed_on,
        "result": event.result,
        "certificate_number": event.certificate_number,
        "record_number": event.record_number,
        "stamp_number": event.stamp_number,
        "verifier_card": event.verifier.card_number if event.verifier else None,
        "technician": event.technician,
        "valid_until": event.valid_until,
        "standards_used": list(event.standards_used),
        "measurement_points": event.measurement_points,
        "override_reason": event.override_reason,
    }


def _differs(name: str, new: Any, old: Any) -> bool:
    """Whether an amendment's value differs from the recorded one, as it would be stored."""
    if name == "standards_used":
        try:
            return sorted(item.id for item in _standards(new or ())) != sorted(item.id for item in old)
        except ServiceError:
            return True  # refused with its message when the revision is built
    if name == "measurement_points":
        try:
            return clean_points(new) != old
        except ServiceError:
            return True
    if isinstance(new, str | None) and isinstance(old, str | None):
        return (new or "").strip() != (old or "")
    return bool(new != old)


def _check_current(event: Event) -> None:
    """Only the current revision of a live event is amended or voided."""
    if event.state == EventState.AMENDED:
        raise ServiceError({"_": _l("This revision was amended: amend or void the current one.")})
    if event.state == EventState.VOID:
        raise ServiceError({"_": _l("This event is void.")})


def amend_event(
    user: User | None,
    event: Event,
    changes: Mapping[str, Any],
    *,
    reason: str | None,
    version: int | None,
    today: date,
) -> Event:
    """A new revision of ``event`` with ``changes``: it keeps the certificate number with the next
    revision number and refers to the original; ``event`` is marked amended with the reason."""
    access.require_change(user, event)
    check_version(event, version)
    _check_current(event)
    unknown = sorted(set(changes) - set(AMENDABLE))
    if unknown:
        raise ServiceError({unknown[0]: _l("This cannot be amended.")})
    errors = FieldErrors()
    text = errors.run(require_reason, reason)
    current = values_of(event)
    changes = {name: value for name, value in changes.items() if _differs(name, value, current[name])}
    if not changes:
        errors.add("_", _l("Nothing was changed."))
    errors.raise_if_any()
    values = current | changes
    if "valid_until" not in changes and {"performed_on", "result"} & set(changes):
        values["valid_until"] = None  # computed again from the new date or result
    revision = _build(
        user,
        event.item,
        kind=event.kind,
        provider=event.provider,
        values=values,
        today=today,
        original=event,
    )
    event.state = EventState.AMENDED.value
    event.state_reason = text
    set_reason(text)
    db.session.flush()  # the old revision is marked before the new one takes the current place
    set_reason(text)
    _store(revision)
    refresh_item(event.item)
    set_reason(text)
    db.session.flush()
    return revision


def void_event(user: User | None, event: Event, *, reason: str | None, version: int | None) -> Event:
    """Void ``event``: it stays, marked void with its reason, and no longer counts for the item."""
    access.require_change(user, event)
    check_version(event, version)
    _check_current(event)
    text = require_reason(reason)
    event.state = EventState.VOID.value
    event.state_reason = text
    set_reason(text)
    refresh_item(event.item)
    db.session.flush()
    return event


def revisions(event: Event) -> list[Event]:
    """Every revision of ``event``'s certificate, the original first."""
    root = event.original_id or event.id
    stmt = select(Event).where(or_(Event.id == root, Event.original_id == root)).order_by(Event.revision)
    return list(db.session.scalars(stmt))
