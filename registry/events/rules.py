"""The rules an event must meet before it is stored (DESIGN §2 "Event"): the document it carries, who
may record it, the standards it used, the validity it gives and whether it lies in the accredited scope.
Each refusal names its rule, in the caller's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth.models import PROVIDER_ROLES, User
from registry.core.errors import FieldErrors, ForbiddenError, ServiceError
from registry.events.access import OWNER_ROLES, acts_for_department
from registry.events.models import VALIDITY_KINDS, Event, EventKind, EventState
from registry.events.validity import calibration_valid_until, verification_valid_until
from registry.extensions import db
from registry.items.models import Instrument, Item, ItemKind, ReferenceMaterial, Result
from registry.items.status import Status, status_of
from registry.organisations.credentials.state import (
    find_accreditation,
    find_designation,
    find_registration,
    find_verifier,
)
from registry.organisations.models import Organisation, Verifier

NOT_OWN_STANDARD = _l("Use the provider's own standards and reference materials.")
SERVICE_LABELS = {
    "verification": _l("verification"),
    "calibration": _l("calibration"),
    "testing": _l("testing"),
}


def service_of(kind: EventKind) -> str:
    if kind.is_verification:
        return "verification"
    return "testing" if kind == EventKind.TEST else "calibration"


def parse_kind(value: object) -> EventKind:
    try:
        return EventKind(str(value))
    except ValueError:
        raise ServiceError({"kind": _l("Unknown kind of event.")}) from None


def parse_result(value: object, kind: EventKind) -> Result:
    try:
        result = Result(str(value))
    except ValueError:
        raise ServiceError({"result": _l("The result is pass or fail.")}) from None
    if result == Result.NOT_STATED and not kind.is_calibration:
        raise ServiceError({"result": _l("Only a calibration may state no pass or fail.")})
    return result


def check_document(
    kind: EventKind, result: Result, certificate: str, record: str, stamp: str, errors: FieldErrors
) -> None:
    """A pass carries a certificate number (and a stamp, for a verification); a failed verification a
    record number (biên bản) and no stamp."""
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


def check_item(item: Item, kind: EventKind) -> None:
    if kind.is_verification and item.kind != ItemKind.INSTRUMENT:
        raise ServiceError({"kind": _l("Only measuring instruments are verified; standards are calibrated.")})


def check_owner_may_record(user: User | None, item: Item) -> None:
    """Internal calibrations and intermediate checks: the owner, on its own Group 1 items."""
    if not (
        acts_for_department(user)
        or (user is not None and user.has_role(*OWNER_ROLES) and user.organisation_id == item.owner_id)
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


def check_provider_may_record(
    user: User | None, item: Item, kind: EventKind, provider: Organisation, on: date, verifier_card: str
) -> Verifier | None:
    """Verifications, calibrations and tests: a registration for the service on the day (Decree
    105/2016); for a Group 2 verification also a designation for the type and a verifier whose card is
    valid for it that day. Returns the verifier."""
    if not (
        acts_for_department(user)
        or (user is not None and user.has_role(*PROVIDER_ROLES) and user.organisation_id == provider.id)
    ):
        raise ForbiddenError(
            message=_l("Only a service provider records verifications, calibrations and tests.")
        )
    service = service_of(kind)
    if find_registration(provider, service, on) is None:
        raise ServiceError(
            {
                "provider": _l(
                    "%(code)s holds no confirmed registration for %(service)s on that date "
                    "(Decree 105/2016).",
                    code=provider.code,
                    service=SERVICE_LABELS[service],
                )
            }
        )
    if not (kind.is_verification and isinstance(item, Instrument) and item.group2):
        return None
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
    verifier = find_verifier(provider, code, on, card_number=verifier_card) if verifier_card else None
    if verifier is None:
        raise ServiceError(
            {
                "verifier": _l(
                    "A Group 2 verification needs a verifier of %(code)s whose card is valid for this type "
                    "on that date.",
                    code=provider.code,
                )
            }
        )
    return verifier


def check_standards(standards: Sequence[Item], provider: Organisation, on: date, override: str) -> None:
    """The provider's own standards and reference materials; one overdue, failed or never calibrated on
    the day only with a reason."""
    for standard in standards:
        if (
            standard.kind not in (ItemKind.STANDARD, ItemKind.REFERENCE_MATERIAL)
            or standard.owner_id != provider.id
        ):
            raise ServiceError({"standards_used": NOT_OWN_STANDARD})
        if status_on(standard, on) in (Status.OVERDUE, Status.FAILED, Status.NEVER) and not override:
            raise ServiceError(
                {
                    "standards_used": _l(
                        "%(name)s was overdue or failed on that date: give a reason to use it anyway.",
                        name=standard.name or standard.serial_number,
                    )
                }
            )


def latest_result(item: Item, on: date | None = None) -> Event | None:
    """The item's latest current validity-giving event (by date, then recording order), on or before
    ``on`` when given: the result its validity stands on."""
    stmt = select(Event).where(
        Event.item_id == item.id,
        Event.state == EventState.CURRENT.value,
        Event.kind.in_(VALIDITY_KINDS),
    )
    if on is not None:
        stmt = stmt.where(Event.performed_on <= on)
    return db.session.scalars(stmt.order_by(Event.performed_on.desc(), Event.id.desc()).limit(1)).first()


def status_on(standard: Item, on: date) -> Status:
    """A standard's status on a past day, from its results up to that day (a back-dated event is judged
    by the standard's validity then, not now); from its current columns when the registry holds none of
    its results (validity imported with it), and a reference material by its expiry date."""
    if isinstance(standard, ReferenceMaterial) or standard.kind == ItemKind.REFERENCE_MATERIAL:
        return status_of(standard, on)
    latest = latest_result(standard, on)
    if latest is None:
        has_results = db.session.scalar(select(Event.id).where(Event.item_id == standard.id).limit(1))
        return Status.NEVER if has_results else status_of(standard, on)
    if latest.result == Result.FAIL:
        return Status.FAILED
    if latest.valid_until is not None and latest.valid_until < on:
        return Status.OVERDUE
    return Status.VALID


def outside_accredited_scope(item: Item, kind: EventKind, provider: Organisation, on: date) -> bool:
    """A calibration whose quantity no ISO/IEC 17025 accreditation of the provider covers that day: stored,
    but marked (it may not carry the accreditation mark)."""
    if kind != EventKind.CALIBRATION:
        return False
    quantity = (
        item.instrument_type.quantity
        if isinstance(item, Instrument) and item.instrument_type
        else item.quantity
    )
    return find_accreditation(provider, quantity or "", on) is None


def validity(item: Item, kind: EventKind, result: Result, on: date, stated: date | None) -> date | None:
    """The day the event's result is valid to: the legal rule in force on ``on`` for a verification, the
    owner's interval for a calibration; never later than the rule allows. A fail, a test and an
    intermediate check give none."""
    if result == Result.FAIL or kind in (EventKind.TEST, EventKind.INTERMEDIATE_CHECK):
        return None
    if kind.is_verification and isinstance(item, Instrument) and item.instrument_type is not None:
        return verification_valid_until(item.instrument_type, on, stated)
    return calibration_valid_until(item.interval_months, on, stated)
