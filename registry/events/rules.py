"""The rules an event must meet before it is stored (DESIGN §2 "Event"): who may record it, the document
it carries, the standards it used, the validity it gives and whether it lies in the accredited scope.
Each refusal names its rule, in the caller's language; :mod:`.recording` calls each once, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.errors import FieldErrors, ForbiddenError, ServiceError
from registry.core.models import MAX_ID
from registry.core.validation import clean_identifier, clean_whole_number, code_or_none
from registry.events import controls
from registry.events.cmc import quantity_of
from registry.events.item_validity import status_on
from registry.events.models import EventKind
from registry.events.validity import calibration_valid_until, limited, verification_valid_until
from registry.extensions import db
from registry.i18n import format_day
from registry.items.models import Instrument, Item, ItemKind, Result
from registry.items.status import Status
from registry.organisations.credentials.state import (
    find_accreditation,
    find_designation,
    find_registration,
    find_verifier,
)
from registry.organisations.models import Organisation, Verifier
from registry.organisations.services import find_by_code

# A standard in one of these states on the day is used only with a reason.
UNFIT = (Status.OVERDUE, Status.FAILED, Status.NEVER, Status.AWAITING_REVERIFICATION)
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
    if value is None or value == "":
        raise ServiceError({"kind": _l("This field is required.")})
    try:
        return EventKind(str(value))
    except ValueError:
        raise ServiceError({"kind": _l("Unknown kind of event.")}) from None


def parse_result(value: object, kind: EventKind) -> Result:
    if value is None or value == "":
        raise ServiceError({"result": _l("This field is required.")})
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


def check_controls(item: Item, kind: EventKind, on: date) -> None:
    """A verification of a Group 2 instrument must be one its type's rule in force that day requires
    (Circular 23/2013 and its Appendix, the list, as amended): no periodic verification of an
    initial-verification-only type, no verification after repair of a type without one (a repaired
    instrument of such a type gets a new initial verification). The refusal names the rule."""
    rule = controls.rule_of(item, on)
    if rule is None or not kind.is_verification or kind in controls.allowed_kinds(rule):
        return
    assert isinstance(item, Instrument) and item.instrument_type is not None
    names = {
        "type": item.instrument_type.code,
        "basis": rule.basis_in_words,
        "start": format_day(rule.effective_from),
        "controls": rule.controls,
    }
    if kind == EventKind.VERIFICATION_PERIODIC:
        message = _l(
            "Under %(basis)s (in force from %(start)s), %(type)s has no periodic verification (required: "
            "%(controls)s): a passed initial verification is valid for the instrument's life.",
            **names,
        )
    elif kind == EventKind.VERIFICATION_AFTER_REPAIR:
        message = _l(
            "Under %(basis)s (in force from %(start)s), %(type)s has no verification after repair "
            "(required: %(controls)s): a repaired instrument needs a new initial verification.",
            **names,
        )
    else:
        message = _l(
            "Under %(basis)s (in force from %(start)s), %(type)s has no initial verification (required: "
            "%(controls)s).",
            **names,
        )
    raise ServiceError({"kind": message})


def provider_of(actor: Actor, item: Item, kind: EventKind, named: object) -> Organisation:
    """Who performed the event: the owner for in-house kinds; otherwise the recording lab, or, when the
    Department's admin records on a lab's behalf, the organisation it names. A lab naming another gets
    the same answer whether that one exists or not."""
    if kind.by_the_owner:
        return item.owner
    code = clean_identifier(named, field="provider", max_length=None, required=False) if named else ""
    if policy.acts_for_anyone(actor):
        if not code:
            raise ServiceError({"provider": _l("Name the provider that performed it.")})
        provider = find_by_code(code)
        if provider is None:
            raise ServiceError({"provider": _l("No organisation with code %(code)s.", code=code[:40])})
        return provider
    assert isinstance(actor, User)  # only the system acts for anyone without being a person
    if code and code_or_none(code) != actor.organisation.code:
        raise ServiceError({"provider": _l("You record events for your own organisation only.")})
    return actor.organisation


def check_owner_may_record(actor: Actor, item: Item, on: date) -> None:
    """Internal calibrations and intermediate checks: the owner, on its own Group 1 items (Group 1 on
    ``on``: a type with no legal rule in force that day, or an instrument in internal use)."""
    # The item was found already (a lab may name any owner's): a refusal says why, it does not hide it.
    if not policy.permits(actor, item, Permission.RECORD_IN_HOUSE):
        raise ForbiddenError(message=_l("Only the owner records its internal calibrations and checks."))
    if controls.rule_of(item, on) is not None:
        raise ServiceError(
            {
                "kind": _l(
                    "A Group 2 instrument in legal use is verified by a designated body, "
                    "not checked in-house."
                )
            }
        )


def check_provider_may_record(
    actor: Actor, item: Item, kind: EventKind, provider: Organisation, on: date, verifier_card: str
) -> Verifier | None:
    """Verifications, calibrations and tests: a registration for the service on the day (Decree
    105/2016); for a Group 2 verification also a designation for the type and a verifier whose card is
    valid for it that day. Returns the verifier."""
    if not policy.permits(actor, provider, Permission.RECORD_AS):
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
    if not (kind.is_verification and controls.rule_of(item, on) is not None):
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


def standards_used(values: Sequence[object]) -> list[Item]:
    """The standards and reference materials named by id (a number, or its digits as a form sends them;
    or given as rows); an id naming nothing is refused like another organisation's, so the answer never
    tells which rows exist."""
    items: list[Item] = []
    for value in values:
        item = value if isinstance(value, Item) else None
        try:
            number = None if item is not None else clean_whole_number(value, field="standards_used")
        except ServiceError:
            number = None
        if number is not None and 0 < number <= MAX_ID:
            item = db.session.get(Item, number)
        if item is None:
            raise ServiceError({"standards_used": NOT_OWN_STANDARD})
        if item not in items:
            items.append(item)
    return items


def check_standards(standards: Sequence[Item], provider: Organisation, on: date, override: str) -> None:
    """The provider's own standards and reference materials; one overdue, failed or never calibrated on
    the day only with a reason."""
    for standard in standards:
        if (
            standard.kind not in (ItemKind.STANDARD, ItemKind.REFERENCE_MATERIAL)
            or standard.owner_id != provider.id
        ):
            raise ServiceError({"standards_used": NOT_OWN_STANDARD})
        if status_on(standard, on) in UNFIT and not override:
            raise ServiceError(
                {
                    "standards_used": _l(
                        "%(name)s was overdue or failed on that date: give a reason to use it anyway.",
                        name=standard.name or standard.serial_number,
                    )
                }
            )


def outside_accredited_scope(item: Item, kind: EventKind, provider: Organisation, on: date) -> bool:
    """A calibration whose quantity no ISO/IEC 17025 accreditation of the provider covers that day: stored,
    but marked (it may not carry the accreditation mark)."""
    if kind != EventKind.CALIBRATION:
        return False
    return find_accreditation(provider, quantity_of(item), on) is None


@dataclass(frozen=True)
class Validity:
    """The day a result is valid to (``until``: the date printed on the certificate when the lab gives
    one, else the computed one) and the latest day its rule allows (``computed``)."""

    until: date | None
    computed: date | None


NO_VALIDITY = Validity(None, None)


def validity(item: Item, kind: EventKind, result: Result, on: date, stated: date | None) -> Validity:
    """The day the event's result is valid to: the legal rule in force on ``on`` for a verification of a
    Group 2 instrument that day, the owner's interval for anything else (a Group 1 instrument, a standard,
    a calibration); never later than the rule allows (the computed date is the upper limit; a lab that
    prints a day less — "Hiệu lực đến ngày …" — is stored as printed). A fail, a test, an intermediate
    check and a calibration of a Group 2 instrument (Law on Metrology, Art. 16) give none."""
    if result == Result.FAIL or kind in (EventKind.TEST, EventKind.INTERMEDIATE_CHECK):
        return NO_VALIDITY
    rule = controls.rule_of(item, on)
    if rule is not None and kind.is_calibration:
        if stated is not None:
            raise ServiceError(
                {
                    "valid_until": _l(
                        "A calibration gives a Group 2 instrument in legal use no validity (Law on "
                        "Metrology, Art. 16): only a verification does. Give no validity date."
                    )
                }
            )
        return NO_VALIDITY
    if rule is not None:
        assert isinstance(item, Instrument) and item.instrument_type is not None
        computed = verification_valid_until(item.instrument_type, on)
        return Validity(limited(computed, stated, on), computed)
    if kind.is_verification and isinstance(item, Instrument) and item.interval_months is None:
        assert item.instrument_type is not None
        raise ServiceError(
            {
                "interval_months": _l(
                    "%(type)s in this use has no legal rule in force on that date, so it is a Group 1 "
                    "instrument and the owner's interval applies: set the item's interval first.",
                    type=item.instrument_type.code,
                )
            }
        )
    computed = calibration_valid_until(item.interval_months, on)
    return Validity(limited(computed, stated, on), computed)
