"""Amending and voiding events (DESIGN §2 "Immutable"): nothing is edited in place nor deleted. An
amendment is a new revision (same certificate number, next revision, referring to the original) and the
old one is marked amended; a void keeps the row and its reason. Both bring the item's validity up to date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.models import MAX_ID
from registry.core.services import check_version, require_reason
from registry.core.validation import clean_identifier, clean_text
from registry.events import rules
from registry.events.decision import DecisionRule, parse_rule
from registry.events.fields import IDENTIFIERS, OUTCOME_NAMES, TEXT_LIMITS
from registry.events.item_validity import refresh_item
from registry.events.models import Event, EventKind, EventState
from registry.events.points import clean_points
from registry.events.recording import clean_outcome, events_visible, issue
from registry.events.suspects.flagging import flag_suspects
from registry.extensions import db

NOT_THE_RECORDER = _l("Only the organisation that recorded this event may amend or void it.")


def get_event(actor: Actor, event_id: int, permission: Permission = Permission.VIEW) -> Event:
    """The event (any revision) if ``actor`` may see it (otherwise not found) and holds ``permission``
    on it (otherwise forbidden)."""
    event = (
        db.session.scalars(events_visible(actor).where(Event.id == event_id)).first()
        if 0 < event_id <= MAX_ID
        else None
    )
    if event is None:
        raise NotFoundError({"id": _l("No such event.")})
    refusal = NOT_THE_RECORDER if permission is Permission.CHANGE else None  # the policy's own otherwise
    policy.require(actor, event, permission, refusal, seen=True)
    return event


def revisions(event: Event) -> list[Event]:
    """Every revision of ``event``'s certificate, the original first."""
    root = event.original_id or event.id
    stmt = select(Event).where(or_(Event.id == root, Event.original_id == root)).order_by(Event.revision)
    return list(db.session.scalars(stmt))


def values_of(event: Event) -> dict[str, Any]:
    """An event's recorded values under the names of :data:`.fields.OUTCOME_FIELDS`."""
    values = {name: getattr(event, name) for name in OUTCOME_NAMES if name != "verifier_card"}
    values["verifier_card"] = event.verifier.card_number if event.verifier else None
    values["standards_used"] = list(event.standards_used)
    return values


def _differs(name: str, new: Any, old: Any) -> bool:
    """Whether an amendment's value differs from the recorded one, as it would be stored."""
    try:
        if name == "standards_used":
            return sorted(item.id for item in rules.standards_used(new or ())) != sorted(
                item.id for item in old
            )
        if name == "measurement_points":
            return clean_points(new) != old
        if name == "decision_rule":
            # Points with no rule named are judged by simple acceptance: naming it changes nothing.
            return (parse_rule(new) or DecisionRule.SIMPLE) != (parse_rule(old) or DecisionRule.SIMPLE)
        if name in ("performed_on", "valid_until"):
            return clean_date(new, field=name, required=False) != old
        if name in TEXT_LIMITS:
            # Cleaned as it would be stored: "T-1\x1c" is not "T-1" with a space trimmed, it is refused.
            clean = clean_identifier if name in IDENTIFIERS else clean_text
            return clean(new, field=name, max_length=TEXT_LIMITS[name], required=False) != (old or "")
    except ServiceError:
        return True  # refused with its message when the revision is built
    if isinstance(new, str | None) and isinstance(old, str | None):
        return (new or "").strip() != (old or "")
    return bool(new != old)


def _check_changeable(actor: Actor, event: Event, version: int | None) -> None:
    """The organisation that recorded the event (or the Department's admin) amends or voids its current
    revision, as last read. The row is locked and read again first, so that of two amendments or voids at
    the same moment the later one sees the earlier's new version and answers 409, instead of checking
    against what the earlier one already changed (its new revision holds the certificate number)."""
    policy.require(actor, event, Permission.CHANGE, NOT_THE_RECORDER)
    _lock(event)
    check_version(event, version)
    _check_current(event)


def _lock(event: Event) -> None:
    """``SELECT … FOR UPDATE`` on PostgreSQL (waiting for a concurrent change to commit); on SQLite the
    write transaction holds the database's write lock already."""
    stmt = select(Event).where(Event.id == event.id).with_for_update(of=Event)
    db.session.scalars(stmt.execution_options(populate_existing=True)).one()


def _check_current(event: Event) -> None:
    """Only the current revision of a live event is amended or voided."""
    if event.state == EventState.AMENDED:
        raise ServiceError({"_": _l("This revision was amended: amend or void the current one.")})
    if event.state == EventState.VOID:
        raise ServiceError({"_": _l("This event is void.")})


def amend_event(
    actor: Actor, event: Event, changes: Mapping[str, Any], *, reason: object, version: int | None
) -> Event:
    """A new revision of ``event`` with ``changes``: it keeps the certificate number with the next
    revision number and refers to the original; ``event`` is marked amended with the reason."""
    _check_changeable(actor, event, version)
    unknown = sorted(set(changes) - set(OUTCOME_NAMES))
    if unknown:
        raise ServiceError({unknown[0]: _l("This cannot be amended.")})
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    current = values_of(event)
    changed = {name: value for name, value in changes.items() if _differs(name, value, current[name])}
    if not changed:
        errors.add("_", _l("Nothing was changed."))
    errors.raise_if_any()
    values = current | changed
    if "valid_until" not in changed and {"performed_on", "result"} & set(changed):
        values["valid_until"] = None  # computed again from the new date or result
    outcome = clean_outcome(event.item, EventKind(event.kind), values)
    assert outcome is not None
    return issue(actor, event.item, outcome, event.provider, reason=why, original=event)


def void_event(actor: Actor, event: Event, *, reason: object, version: int | None) -> Event:
    """Void ``event``: it stays, marked void with its reason, and no longer counts for the item."""
    _check_changeable(actor, event, version)
    why = require_reason(reason)
    with audit.reason(why):
        event.state = EventState.VOID.value
        event.state_reason = why
        refresh_item(event.item)
        flag_suspects(actor, event)
    return event
