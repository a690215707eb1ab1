"""Recording an event, as one pipeline whose steps each live in one place and run once (DESIGN §2):

    the item (naming.resolve_item) → what was found (clean_outcome) → who performed it (rules.provider_of)
    → who may record it, the standards, the certificate number, the validity (_build_event)
    → store it, and the item's validity (issue)

The web form and the API hand the same values to :func:`record_event`; an amendment
(:mod:`.revisions`) runs the same steps from "what was found" on. Every broken rule of the input is
reported at once, field by field, before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, ServiceError
from registry.core.services import MAX_REASON_LENGTH, require_reason
from registry.core.validation import clean_identifier, clean_text
from registry.events import rules
from registry.events.cmc import below_cmc
from registry.events.decision import DecisionRule, check_stated_result, parse_rule, rule_for
from registry.events.fields import IDENTIFIERS, TEXT_LIMITS
from registry.events.item_validity import refresh_item
from registry.events.labels import KIND_LABELS
from registry.events.models import Event, EventKind, EventState
from registry.events.naming import resolve_item
from registry.events.points import clean_points
from registry.events.suspects.flagging import flag_suspects
from registry.events.suspects.tolerance import clean_flag, out_of_tolerance_as_found
from registry.extensions import db
from registry.i18n import format_day
from registry.items.models import Item, ItemKind, ItemState, Result
from registry.organisations.models import Organisation


def _text(value: object, field: str, limit: int, *, required: bool = True) -> str:
    return clean_text(value, field=field, max_length=limit, required=required)


def _identifier(value: object, field: str, limit: int, *, required: bool = True) -> str:
    return clean_identifier(value, field=field, max_length=limit, required=required)


# --- What was found -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What was found and the document issued, cleaned: the fields of :data:`.fields.OUTCOME_FIELDS`."""

    kind: EventKind
    result: Result
    performed_on: date
    stated_valid_until: date | None
    texts: dict[str, str]
    standards_used: list[object]
    measurement_points: list[dict[str, str]]
    # Stated by the lab, or read from the measurement points (suspects.tolerance).
    as_found_out_of_tolerance: bool = False
    decision_rule: DecisionRule | None = None


def clean_outcome(item: Item, kind: EventKind | None, values: Mapping[str, Any]) -> Outcome | None:
    """The values as given, checked: types, lengths, the date, the measurement points, the document a
    result must carry (a pass its certificate, a failed verification its record and no stamp) and, for a
    Group 2 instrument, a kind its legal rule requires that day. None when only the kind, refused by the
    caller, is missing."""
    errors = FieldErrors()
    result = errors.run(rules.parse_result, values.get("result"), kind) if kind else None
    performed_on = errors.run(clean_date, values.get("performed_on"), field="performed_on", past=True)
    valid_until = errors.run(clean_date, values.get("valid_until"), field="valid_until", required=False)
    texts = {
        name: errors.run(
            _identifier if name in IDENTIFIERS else _text, values.get(name), name, limit, required=False
        )
        or ""
        for name, limit in TEXT_LIMITS.items()
    }
    points = errors.run(clean_points, values.get("measurement_points"))
    stated = errors.run(clean_flag, values.get("as_found_out_of_tolerance"), "as_found_out_of_tolerance")
    rule = rule_for(points or [], errors.run(parse_rule, values.get("decision_rule")))
    if result and points and "decision_rule" not in errors.fields:
        errors.run(check_stated_result, result, points, rule, texts["result_reason"])
    standards = values.get("standards_used") or []
    if not isinstance(standards, list | tuple):
        errors.add("standards_used", _l("Send a list."))
    if kind and result:
        rules.check_document(
            kind, result, texts["certificate_number"], texts["record_number"], texts["stamp_number"], errors
        )
        errors.run(rules.check_item, item, kind)
    if kind and performed_on and "kind" not in errors.fields:
        errors.run(rules.check_controls, item, kind, performed_on)
    errors.raise_if_any()
    if kind is None:
        return None
    assert result is not None and performed_on is not None
    return Outcome(
        kind,
        result,
        performed_on,
        valid_until,
        texts,
        list(standards),
        points or [],
        as_found_out_of_tolerance=bool(stated) or out_of_tolerance_as_found(points or []),
        decision_rule=rule,
    )


# --- From who may record it to the new row --------------------------------------------------------------


def _build_event(
    actor: Actor,
    item: Item,
    outcome: Outcome,
    provider: Organisation,
    *,
    original: Event | None = None,
) -> Event:
    """The event (or new revision of ``original``) once every rule holds: who may record it, the
    standards used, the certificate number and the validity."""
    verifier = None
    if outcome.kind.by_the_owner:
        rules.check_owner_may_record(actor, item, outcome.performed_on)
    else:
        verifier = rules.check_provider_may_record(
            actor, item, outcome.kind, provider, outcome.performed_on, outcome.texts["verifier_card"]
        )
    standards = rules.standards_used(outcome.standards_used)
    rules.check_standards(standards, provider, outcome.performed_on, outcome.texts["override_reason"])
    number = outcome.texts["certificate_number"]
    _check_certificate_unused(provider, number, original)
    if original is not None and (original.performed_on, original.result, original.valid_until) == (
        outcome.performed_on,
        outcome.result,
        outcome.stated_valid_until,
    ):
        # An amendment of anything else keeps the validity issued, even if the item's interval or the
        # legal rule changed since.
        validity = rules.Validity(outcome.stated_valid_until, original.computed_valid_until)
    else:
        validity = rules.validity(
            item, outcome.kind, outcome.result, outcome.performed_on, outcome.stated_valid_until
        )
    return Event(
        item=item,
        provider=provider,
        kind=outcome.kind.value,
        performed_on=outcome.performed_on,
        result=outcome.result.value,
        certificate_number=number or None,
        record_number=outcome.texts["record_number"] or None,
        stamp_number=outcome.texts["stamp_number"] or None,
        verifier=verifier,
        technician=outcome.texts["technician"],
        valid_until=validity.until,
        computed_valid_until=validity.computed,
        standards_used=standards,
        measurement_points=outcome.measurement_points,
        outside_accredited_scope=rules.outside_accredited_scope(
            item, outcome.kind, provider, outcome.performed_on
        ),
        below_cmc=below_cmc(item, outcome.kind, provider, outcome.performed_on, outcome.measurement_points),
        override_reason=outcome.texts["override_reason"] or None,
        as_found_out_of_tolerance=outcome.as_found_out_of_tolerance,
        decision_rule=None if outcome.decision_rule is None else outcome.decision_rule.value,
        result_reason=outcome.texts["result_reason"] or None,
        revision=_next_revision(provider, number, original),
        original_id=None if original is None else (original.original_id or original.id),
    )


def _current_with_number(provider: Organisation, number: str) -> Select[Any]:
    return select(Event.id).where(
        Event.provider_id == provider.id,
        Event.certificate_number == number,
        Event.state == EventState.CURRENT.value,
    )


def _check_certificate_unused(provider: Organisation, number: str, original: Event | None) -> None:
    """A certificate number names one live certificate of the provider: taken while an event carrying it
    is current (other than the one being amended). Once voided, the number may be issued again, as its
    next revision (the voided record stays)."""
    if not number:
        return
    stmt = _current_with_number(provider, number)
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


def issue(
    actor: Actor,
    item: Item,
    outcome: Outcome,
    provider: Organisation,
    *,
    reason: object,
    original: Event | None = None,
) -> Event:
    """Build the event (or the new revision of ``original``, which is marked amended first), store it
    and bring its item's validity up to date, every change audited with ``reason``. Two labs' clerks
    racing for one certificate number get a field error, not a 500."""
    event = _build_event(actor, item, outcome, provider, original=original)
    with audit.reason(reason) as why:
        if original is not None:
            original.state = EventState.AMENDED.value
            original.state_reason = why
            db.session.flush()  # the old revision leaves the current place before the new one takes it
        try:
            with db.session.begin_nested():
                db.session.add(event)
                db.session.flush()
        except IntegrityError:
            raise ServiceError(
                {
                    "certificate_number": _l(
                        "This certificate number was just used: check it and record again."
                    )
                }
            ) from None
        refresh_item(item)
        flag_suspects(actor, event)
    return event


# --- Recording ------------------------------------------------------------------------------------------


def check_may_record(actor: Actor) -> None:
    """Refuse (403) an actor who may record no event at all."""
    policy.require(actor, Event, Permission.RECORD, _l("You may not record events."))


def record_event(actor: Actor, values: Mapping[str, Any]) -> Event:
    """Record what a lab (or the owner, for in-house kinds) did to an item and what it found; the item's
    validity follows in the same transaction. ``values``: the item (see :func:`resolve_item`), ``kind``,
    ``provider`` (the lab's code, for the Department's admin), ``reason`` (the admin's, on a lab's behalf)
    and the fields of :data:`.fields.OUTCOME_FIELDS`."""
    check_may_record(actor)
    item = resolve_item(actor, values)
    errors = FieldErrors()
    kind = errors.run(rules.parse_kind, values.get("kind"))
    outcome = errors.run(clean_outcome, item, kind, values)
    provider = errors.run(rules.provider_of, actor, item, kind, values.get("provider")) if kind else None
    given = errors.run(_given_reason, actor, values.get("reason"), provider) if provider else None
    errors.raise_if_any()
    assert outcome is not None and provider is not None
    recorded = _l(
        "Recorded: %(kind)s of %(day)s by %(provider)s",
        kind=KIND_LABELS[outcome.kind],
        day=format_day(outcome.performed_on),
        provider=provider.code,
    )
    return issue(actor, item, outcome, provider, reason=given or recorded)


def _given_reason(actor: Actor, given: object, provider: Organisation) -> str:
    """Why it is recorded: required of a person of the Department recording on another organisation's
    behalf; otherwise optional (what was recorded says why)."""
    if policy.acts_on_behalf(actor, provider.id):
        return require_reason(given)
    return clean_text(given, field="reason", max_length=MAX_REASON_LENGTH, required=False)


def events_visible(actor: Actor) -> Select[Any]:
    """The events ``actor`` may see: the Department all, a lab those it recorded, an owner those on its
    items."""
    condition = policy.visible(actor, Event)
    return select(Event) if condition is None else select(Event).where(condition)


def events_of(actor: Actor, item: Item) -> list[Event]:
    """The events of ``item`` that ``actor`` may see, newest first."""
    stmt = events_visible(actor).where(Event.item_id == item.id)
    return list(db.session.scalars(stmt.order_by(Event.performed_on.desc(), Event.id.desc())))


def kinds_offered(actor: Actor) -> list[EventKind]:
    """The kinds the actor may record: every kind for a lab and the Department's admin, an enterprise's
    in-house kinds otherwise."""
    if policy.acts_for_anyone(actor) or policy.is_lab_staff(actor):
        return list(EventKind)
    return [kind for kind in EventKind if kind.by_the_owner]


def standards_offered(actor: Actor, provider: Organisation | None = None) -> list[Item]:
    """The standards and reference materials the actor's lab may pick from when recording (for
    ``provider`` only when the actor belongs to it: the Department's admin picks none of a lab's)."""
    if not isinstance(actor, User) or (provider is not None and not policy.belongs_to(actor, provider.id)):
        return []
    stmt = (
        select(Item)
        .where(
            Item.owner_id == actor.organisation_id,
            Item.kind.in_((ItemKind.STANDARD.value, ItemKind.REFERENCE_MATERIAL.value)),
            Item.state != ItemState.RETIRED.value,
        )
        .order_by(Item.name)
    )
    return list(db.session.scalars(stmt))
