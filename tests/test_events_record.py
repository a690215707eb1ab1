"""Recording events through the service: who may, the document each needs, the validity it gives, and
the item's status following in the same transaction."""

from __future__ import annotations

from datetime import date

import pytest

from registry.auth.models import Role
from registry.core.dates import today_is
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.events.recording import record_event
from registry.items.status import Status, status_of
from tests.factories import (
    DesignationFactory,
    InstrumentFactory,
    OrganisationFactory,
    RegistrationFactory,
    StandardFactory,
    VerifierFactory,
    user_with_role,
)

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _today():
    """The service's "today" (what is in the future) is TODAY."""
    with today_is(TODAY):
        yield


@pytest.fixture
def verification_lab():
    """A lab registered for verification and calibration (not testing, unlike ``lab``), designated for fuel
    dispensers, one verifier; no accreditation."""
    lab = OrganisationFactory(provider=True)
    RegistrationFactory(organisation=lab, issued_on=date(2020, 1, 1))
    DesignationFactory(organisation=lab, valid_from=date(2020, 1, 1))
    VerifierFactory(organisation=lab, card_number="KĐV-0001")
    return lab


@pytest.fixture
def verification_technician(verification_lab):
    """A technician of ``verification_lab``."""
    return user_with_role(Role.PROVIDER_TECHNICIAN, verification_lab)


def verify(user, item, **changes):
    values = {
        "kind": "verification_periodic",
        "performed_on": date(2026, 3, 10),
        "result": "pass",
        "certificate_number": "GCN-001",
        "stamp_number": "T-123",
        "verifier_card": "KĐV-0001",
    }
    # A lab names an item it has not served yet by its owner and serial number (as the form does).
    return record_event(
        user, {"owner": item.owner.code, "serial_number": item.serial_number, **values, **changes}
    )


def test_a_passed_group2_verification_gives_the_legal_cycle_and_a_valid_status(verification_technician):
    dispenser = InstrumentFactory()
    event = verify(verification_technician, dispenser)
    assert event.valid_until == date(2027, 3, 10)  # fuel dispensers: 12 months
    assert (dispenser.valid_until, dispenser.last_result) == (date(2027, 3, 10), "pass")
    assert status_of(dispenser, TODAY) == Status.VALID
    assert status_of(dispenser, date(2027, 2, 20)) == Status.DUE_SOON
    assert status_of(dispenser, date(2027, 3, 11)) == Status.OVERDUE


def test_a_failed_verification_needs_a_record_number_no_stamp_and_leaves_no_validity(verification_technician):
    dispenser = InstrumentFactory()
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, dispenser, result="fail", certificate_number=None, stamp_number="T-9")
    assert set(caught.value.fields) == {"record_number", "stamp_number"}
    event = verify(
        verification_technician,
        dispenser,
        result="fail",
        certificate_number=None,
        stamp_number=None,
        record_number="BB-7",
    )
    assert event.valid_until is None
    assert status_of(dispenser, TODAY) == Status.FAILED


def test_a_pass_needs_its_certificate_and_stamp_numbers(verification_technician):
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory(), certificate_number="", stamp_number="")
    assert set(caught.value.fields) == {"certificate_number", "stamp_number"}


def test_events_dated_in_the_future_are_refused(verification_technician):
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory(), performed_on=date(2026, 11, 25))
    assert "future" in str(caught.value.fields["performed_on"])


def test_without_a_registration_for_the_service_the_event_is_refused_naming_the_rule(verification_technician):
    with pytest.raises(ServiceError) as caught:
        verify(
            verification_technician,
            InstrumentFactory(),
            kind="test",
            certificate_number="TN-1",
            stamp_number=None,
        )
    assert "registration for testing" in str(caught.value.fields["provider"])
    assert "105/2016" in str(caught.value.fields["provider"])


def test_a_group2_verification_needs_a_designation_for_the_type(verification_technician):
    taximeter = InstrumentFactory(type_code="SCALE_VEHICLE")
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, taximeter)
    assert "not designated to verify SCALE_VEHICLE" in str(caught.value.fields["provider"])


def test_a_group2_verification_needs_a_verifier_card_valid_that_day(
    verification_technician, verification_lab
):
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory(), verifier_card="")
    assert "verifier" in caught.value.fields
    VerifierFactory(organisation=verification_lab, card_number="KĐV-OLD", valid_to=date(2025, 12, 31))
    with pytest.raises(ServiceError):
        verify(verification_technician, InstrumentFactory(), verifier_card="KĐV-OLD")


def test_a_verifier_may_shorten_the_validity_never_lengthen_it(verification_technician):
    dispenser = InstrumentFactory()
    assert verify(verification_technician, dispenser, valid_until=date(2026, 12, 31)).valid_until == date(
        2026, 12, 31
    )
    with pytest.raises(ServiceError) as caught:
        verify(
            verification_technician,
            InstrumentFactory(),
            certificate_number="GCN-2",
            valid_until=date(2027, 3, 11),
        )
    assert "10/03/2027" in str(caught.value.fields["valid_until"])


def test_a_calibration_uses_the_owners_interval(verification_technician):
    balance = InstrumentFactory(internal=True, interval_months=6)
    event = record_event(
        verification_technician,
        {
            "owner": balance.owner.code,
            "serial_number": balance.serial_number,
            "kind": "calibration",
            "performed_on": date(2026, 2, 28),
            "result": "not_stated",
            "certificate_number": "HC-1",
        },
    )
    assert event.valid_until == date(2026, 8, 28)


def test_only_a_calibration_may_state_no_result(verification_technician):
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory(), result="not_stated")
    assert "result" in caught.value.fields


def test_an_enterprise_checks_its_own_group1_items_only(verification_lab):
    owner = OrganisationFactory()
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=owner)
    balance = InstrumentFactory(owner=owner, internal=True)
    check = {"kind": "intermediate_check", "performed_on": date(2026, 5, 1), "result": "pass"}
    event = record_event(
        manager,
        {
            "item": balance,
            "kind": "internal_calibration",
            "performed_on": date(2026, 5, 1),
            "result": "pass",
            "certificate_number": "NB-1",
        },
    )
    assert event.provider == owner and balance.valid_until == date(2027, 5, 1)
    # Named by its id, as the API does, or by owner and serial number, as the form does.
    assert record_event(manager, {"item": balance.id, **check}).item == balance
    assert record_event(manager, {"owner": owner.code, "serial_number": balance.serial_number, **check})
    with pytest.raises(ServiceError) as caught:  # a Group 2 instrument in legal use
        record_event(manager, {"item": InstrumentFactory(owner=owner), **check})
    assert "Group 2" in str(caught.value.fields["kind"])
    # Someone else's item: not found by its id (never "forbidden", which would tell that it exists) …
    theirs = InstrumentFactory(internal=True)
    for item in (theirs, theirs.id):
        with pytest.raises(NotFoundError):
            record_event(manager, {"item": item, **check})
    # … and refused before its owner's code is even looked up.
    with pytest.raises(ServiceError) as caught:
        record_event(manager, {"owner": theirs.owner.code, "serial_number": theirs.serial_number, **check})
    assert set(caught.value.fields) == {"owner"}
    assert "own organisation" in str(caught.value.fields["owner"])
    # A viewer of the owner sees the item but records nothing.
    viewer = user_with_role(Role.ENTERPRISE_VIEWER, organisation=owner)
    with pytest.raises(ForbiddenError):
        record_event(viewer, {"item": balance, **check})
    assert balance.last_event_on == date(2026, 5, 1)


def test_an_overdue_standard_is_refused_unless_a_reason_is_given(verification_technician, verification_lab):
    standard = StandardFactory(owner=verification_lab)  # never calibrated
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory(), standards_used=[standard])
    assert "give a reason" in str(caught.value.fields["standards_used"])
    event = verify(
        verification_technician,
        InstrumentFactory(),
        standards_used=[standard],
        override_reason="Chuẩn dự phòng đang hiệu chuẩn lại",
    )
    assert event.standards_used == [standard] and event.override_reason


def test_a_certificate_number_is_issued_once_per_provider(verification_technician):
    verify(verification_technician, InstrumentFactory())
    with pytest.raises(ServiceError) as caught:
        verify(verification_technician, InstrumentFactory())
    assert "already issued certificate GCN-001" in str(caught.value.fields["certificate_number"])


def test_a_late_older_result_does_not_replace_a_newer_one(verification_technician):
    dispenser = InstrumentFactory()
    verify(verification_technician, dispenser, performed_on=date(2026, 6, 1), certificate_number="NEW")
    verify(verification_technician, dispenser, performed_on=date(2025, 6, 1), certificate_number="OLD")
    assert dispenser.valid_until == date(2027, 6, 1)
