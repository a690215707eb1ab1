"""Recording an event: who may record it, the document it needs, the validity it gives, and the item's
current validity kept in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth.models import DEPARTMENT_ROLES, PROVIDER_ROLES, Role, User
from registry.core.errors import FieldErrors, ForbiddenError, ServiceError
from registry.core.validation import clean_text
from registry.events.models import Event, EventKind
from registry.events.validity import calibration_valid_until, verification_valid_until
from registry.extensions import db
from registry.items.models import Instrument, Item, ItemKind, Result
from registry.items.status import Status, status_of
from registry.organisations.credentials import find_designation, find_registration, find_verifier
from registry.organisations.models import Organisation


def _service(kind: EventKind) -> str:
    if kind.is_verification:
        return "verification"
    return "testing" if kind == EventKind.TEST else "calibration"


def _kind(value: object) -> EventKind:
    try:
        return EventKind(str(value))
    except ValueError:
        raise ServiceError({"kind": _l("Unknown kind of event.")}) from None


def _result(value: object, kind: EventKind) -> Result:
    try:
        result = Result(str(value))
    except ValueError:
        raise ServiceError({"result": _l("The result is pass or fail.")}) from None
    if result == Result.NOT_STATED and not kind.is_calibration:
        raise ServiceError({"result": _l("Only a calibration may state no pass or fail.")})
    return result


def _check_document(
    kind: EventKind, result: Result, certificate: str, record: str, stamp: str, errors: FieldErrors
) -> None:
    if result == Result.FAIL and kind.is_verification:
        if not record:
            errors.add(
                "record_number", _l("A failed verification needs the number of its record (biên bản).")
            )
        if stamp:
            errors.add("stamp_number", _l("A failed verification gets no stamp."))
        return
    if kind != EventKind.INTERMEDIATE_CHECK and result != Result.FAIL and not certificate:
        errors.add("certificate_number", _l("Give the certificate number."))
    if kind.is_verification and result == Result.PASS and not stamp:
        errors.add("stamp_number", _l("A passed verification needs its stamp number."))


def _check_who(
    user: User, item: Item, kind: EventKind, provider: Organisation, on: date, verifier_card: str
) -> Any:
    """Refuse an event its recorder may not record; each refusal names its rule. Returns the verifier."""
    if kind.by_the_owner:
        if not (
            user.has_role(*DEPARTMENT_ROLES)
            or (user.has_role(Role.ENTERPRISE_MANAGER) and user.organisation_id == item.owner_id)
        ):
            raise ForbiddenError(message=_l("Only the owner records its internal calibrations and checks."))
        if isinstance(item, Instrument) and item.group2:
            raise ServiceError(
                {
                    "kind": _l(
                        "A Group 2 instrument in legal use is verified by a designated body, "
                        "not checked in-house."
                    )
                }
            )
        return None
    if not (
        user.has_role(*DEPARTMENT_ROLES)
        or (user.has_role(*PROVIDER_ROLES) and user.organisation_id == provider.id)
    ):
        raise ForbiddenError(
            message=_l("Only a service provider records verifications, calibrations and tests.")
        )
    service = _service(kind)
    if find_registration(provider, service, on) is None:
        raise ServiceError(
            {
                "provider": _l(
                    "%(code)s holds no confirmed registration for %(service)s on that date "
                    "(Decree 105/2016).",
                    code=provider.code,
                    service=service,
                )
            }
        )
    if kind.is_verification and isinstance(item, Instrument) and item.group2:
        assert item.instrument_type is not None
        code = item.instrument_type.code
        if find_designation(provider, code, on) is None:
            raise ServiceError(
                {
                    "provider": _l(
                        "%(code)s is not designated to verify %(type)s on that date.",
                        code=provider.code,
                        type=code,
                    )
                }
            )
        verifier = (
            find_verifier(provider, code, on, card_number=verifier_card or None) if verifier_card else None
        )
        if verifier is None:
            raise ServiceError(
                {
                    "verifier": _l(
                        "A Group 2 verification needs a verifier of %(code)s whose card is valid "
                        "for this type on that date.",
                        code=provider.code,
                    )
                }
            )
        return verifier
    return None


def _check_standards(standards: Sequence[Item], provider: Organisation, on: date, override: str) -> None:
    for standard in standards:
        if (
            standard.kind not in (ItemKind.STANDARD, ItemKind.REFERENCE_MATERIAL)
            or standard.owner_id != provider.id
        ):
            raise ServiceError(
                {"standards_used": _l("Use the provider's own standards and reference materials.")}
            )
        if status_of(standard, on) in (Status.OVERDUE, Status.FAILED, Status.NEVER) and not override:
            raise ServiceError(
                {
                    "standards_used": _l(
                        "%(name)s was overdue or failed on that date: give a reason to use it anyway.",
                        name=standard.name or standard.serial_number,
                    )
                }
            )


def _validity(item: Item, kind: EventKind, result: Result, on: date, stated: date | None) -> date | None:
    if result == Result.FAIL or kind in (EventKind.TEST, EventKind.INTERMEDIATE_CHECK):
        return None
    if kind.is_verification and isinstance(item, Instrument) and item.instrument_type is not None:
        return verification_valid_until(item.instrument_type, on, stated)
    return calibration_valid_until(item.interval_months, on, stated)


def _update_item(item: Item, event: Event) -> None:
    """The item's current validity follows its latest result (the same transaction as the event)."""
    kind = EventKind(event.kind)
    if kind in (EventKind.TEST, EventKind.INTERMEDIATE_CHECK):
        return
    if item.last_event_on is not None and event.performed_on < item.last_event_on:
        return  # an older result recorded late does not replace a newer one
    item.last_result = event.result
    item.last_event_on = event.performed_on
    item.valid_until = event.valid_until
    if kind == EventKind.VERIFICATION_AFTER_REPAIR and event.result == Result.PASS:
        item.needs_reverification = False


def record_event(
    user: User,
    item: Item,
    *,
    kind: object,
    performed_on: date | None,
    result: object,
    today: date,
    certificate_number: str | None = None,
    record_number: str | None = None,
    stamp_number: str | None = None,
    verifier_card: str | None = None,
    technician: str | None = None,
    valid_until: date | None = None,
    standards_used: Sequence[Item] = (),
    measurement_points: list[dict[str, Any]] | None = None,
    override_reason: str | None = None,
) -> Event:
    errors = FieldErrors()
    event_kind = errors.run(_kind, kind)
    event_result = errors.run(_result, result, event_kind) if event_kind else None
    if performed_on is None:
        errors.add("performed_on", _l("This field is required."))
    elif performed_on > today:
        errors.add("performed_on", _l("An event cannot be dated in the future."))
    certificate = errors.run(
        clean_text, certificate_number, field="certificate_number", max_length=80, required=False
    )
    record = errors.run(clean_text, record_number, field="record_number", max_length=80, required=False)
    stamp = errors.run(clean_text, stamp_number, field="stamp_number", max_length=80, required=False)
    who = errors.run(clean_text, technician, field="technician", max_length=200, required=False)
    override = errors.run(
        clean_text, override_reason, field="override_reason", max_length=2000, required=False
    )
    if event_kind and event_result:
        _check_document(event_kind, event_result, certificate or "", record or "", stamp or "", errors)
    errors.raise_if_any()
    assert event_kind is not None and event_result is not None and performed_on is not None
    provider = item.owner if event_kind.by_the_owner else user.organisation
    verifier = _check_who(user, item, event_kind, provider, performed_on, (verifier_card or "").strip())
    _check_standards(standards_used, provider, performed_on, override or "")
    if certificate and db.session.scalar(
        select(Event.id).where(Event.provider_id == provider.id, Event.certificate_number == certificate)
    ):
        raise ServiceError(
            {
                "certificate_number": _l(
                    "%(code)s already issued certificate %(number)s.", code=provider.code, number=certificate
                )
            }
        )
    event = Event(
        item=item,
        provider=provider,
        kind=event_kind.value,
        performed_on=performed_on,
        result=event_result.value,
        certificate_number=certificate or None,
        record_number=record or None,
        stamp_number=stamp or None,
        verifier=verifier,
        technician=who or "",
        valid_until=_validity(item, event_kind, event_result, performed_on, valid_until),
        standards_used=list(standards_used),
        measurement_points=measurement_points or [],
        override_reason=override or None,
    )
    db.session.add(event)
    _update_item(item, event)
    db.session.flush()
    return event
