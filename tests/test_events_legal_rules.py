"""The legal rules of issue 10, through the service and where they show, the pages and the API: only a
verification gives a Group 2 instrument its validity; Group 2 on a day follows the rule in force that day;
the event kind must be one the rule requires; an initial-verification-only type is valid for life; a
verifier card has a start; a repair is its own status; the printed date is kept beside the computed one."""

from __future__ import annotations

from datetime import date

import pytest

from registry.auth.models import Role
from registry.core.dates import today_is
from registry.core.errors import ServiceError
from registry.events.item_validity import report_repair
from registry.events.recording import record_event
from registry.extensions import db
from registry.items.status import Status, describe, status_of
from tests.factories import (
    DesignationFactory,
    InstrumentFactory,
    OrganisationFactory,
    ReferenceMaterialFactory,
    RegistrationFactory,
    VerifierFactory,
    user_with_role,
)
from tests.helpers import assert_error, logged_in, post_form

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2026, 11, 24)
TYPES = [
    "FUEL_DISPENSER",
    "TAPE_MEASURE",
    "THERMOMETER_GLASS",
    "THERMOMETER_CLINICAL_GLASS",
    "ENERGY_METER_1P_IND",
    "EV_CHARGER_AC_CAR",
]


@pytest.fixture(autouse=True)
def _today():
    with today_is(TODAY):
        yield


@pytest.fixture
def legal_lab():
    """A lab registered for verification and calibration since 2020, designated for every type above,
    with one verifier whose card (KĐV-L) covers them from 2020."""
    lab = OrganisationFactory(provider=True, code="LEGAL-LAB")
    RegistrationFactory(organisation=lab, issued_on=date(2020, 1, 1))
    DesignationFactory(
        organisation=lab, valid_from=date(2020, 1, 1), scope=[{"type_code": code} for code in TYPES]
    )
    VerifierFactory(organisation=lab, card_number="KĐV-L", type_codes=TYPES, valid_from=date(2020, 1, 1))
    return lab


@pytest.fixture
def technician(legal_lab):
    user = user_with_role(Role.PROVIDER_TECHNICIAN, legal_lab)
    db.session.commit()
    return user


_numbers = iter(range(1, 10_000))


def record(user, item, kind="verification_periodic", performed_on=date(2026, 3, 10), **changes):
    number = next(_numbers)
    values = {
        "item": item,
        "kind": kind,
        "performed_on": performed_on,
        "result": "pass",
        "certificate_number": f"GCN-L-{number}",
        "stamp_number": f"T-{number}" if kind.startswith("verification_") else None,
        "verifier_card": "KĐV-L" if kind.startswith("verification_") else None,
    }
    return record_event(user, values | changes)


# --- Only a verification gives a Group 2 instrument its validity (Law on Metrology, Art. 16) -------------


def test_a_calibration_never_sets_nor_extends_a_group2_instruments_validity(technician):
    dispenser = InstrumentFactory(interval_months=6)  # an interval set, as some owners do
    verification = record(technician, dispenser, performed_on=date(2025, 3, 10))  # valid to 10/03/2026
    calibration = record(technician, dispenser, kind="calibration", performed_on=date(2026, 2, 1))
    assert calibration.valid_until is None  # stored and shown, no validity
    assert (dispenser.valid_until, dispenser.last_event_on) == (date(2026, 3, 10), date(2025, 3, 10))
    assert status_of(dispenser, TODAY) == Status.OVERDUE
    assert verification.valid_until == date(2026, 3, 10)
    later = record(technician, dispenser, performed_on=date(2026, 3, 5))
    assert dispenser.valid_until == later.valid_until == date(2027, 3, 5)  # the latest verification


def test_a_calibration_alone_leaves_a_group2_instrument_without_validity(technician):
    dispenser = InstrumentFactory()  # no interval: none needed to record a calibration of it
    record(technician, dispenser, kind="calibration")
    assert dispenser.valid_until is None and status_of(dispenser, TODAY) == Status.NEVER
    with pytest.raises(ServiceError) as caught:
        record(technician, dispenser, kind="calibration", valid_until=date(2026, 9, 10))
    assert "Art. 16" in str(caught.value.fields["valid_until"])


def test_the_same_type_in_internal_use_is_group1_and_its_calibration_gives_the_owners_interval(technician):
    dispenser = InstrumentFactory(internal=True)  # 12 months
    event = record(technician, dispenser, kind="calibration")
    assert event.valid_until == dispenser.valid_until == date(2027, 3, 10)


def test_the_item_page_and_the_api_show_the_calibration_but_the_verifications_validity(
    client, auth, api, technician
):
    dispenser = InstrumentFactory(interval_months=6)
    record(technician, dispenser, performed_on=date(2025, 3, 10))
    calibration = record(technician, dispenser, kind="calibration", performed_on=date(2026, 2, 1))
    db.session.commit()
    page = logged_in(client, auth, technician).get(f"/instruments/{dispenser.id}").get_data(as_text=True)
    assert f'data-event="{calibration.id}"' in page
    assert 'data-status="overdue"' in page and "10/03/2026" in page
    detail = client.get(f"/events/{calibration.id}").get_data(as_text=True)
    assert "a calibration gives a Group 2 instrument in legal use no validity" in detail
    body = api(technician).get(f"/api/v1/instruments/{dispenser.id}").get_json()
    assert (body["status"], body["valid_until"]) == ("overdue", "2026-03-10")


# --- Group 2 on a day follows the rule in force that day ------------------------------------------------


def test_a_type_that_left_the_list_is_group1_afterwards_never_valid_for_ever(technician):
    meter = InstrumentFactory(type_code="ENERGY_METER_1P_IND")  # left the list on 2024-10-15
    before = record(technician, meter, performed_on=date(2024, 10, 14))
    assert before.valid_until == date(2029, 10, 14)  # the rule then: 60 months
    with pytest.raises(ServiceError) as caught:
        record(technician, meter, performed_on=date(2024, 10, 15))
    assert "Group 1" in str(caught.value.fields["interval_months"])
    other = InstrumentFactory(type_code="ENERGY_METER_1P_IND", interval_months=24)
    # Group 1 that day: the owner's interval applies, and no designation nor verifier card is asked.
    after = record(technician, other, performed_on=date(2025, 1, 10), verifier_card=None)
    assert after.valid_until == other.valid_until == date(2027, 1, 10)
    assert after.verifier is None


def test_a_type_that_joined_the_list_is_group2_from_that_day(technician, legal_lab):
    charger = InstrumentFactory(type_code="EV_CHARGER_AC_CAR", interval_months=12)  # joined 2024-10-15
    owner = user_with_role(Role.ENTERPRISE_MANAGER, charger.owner)
    internal = record(owner, charger, kind="internal_calibration", performed_on=date(2024, 6, 1))
    assert internal.valid_until == date(2025, 6, 1)  # Group 1 then: the owner's own calibration counts
    with pytest.raises(ServiceError) as caught:
        record(owner, charger, kind="internal_calibration", performed_on=date(2024, 11, 1))
    assert "Group 2" in str(caught.value.fields["kind"])
    with pytest.raises(ServiceError) as caught:
        record(technician, charger, performed_on=date(2024, 11, 1), verifier_card="")
    assert "verifier" in caught.value.fields  # a Group 2 verification from that day
    verified = record(technician, charger, performed_on=date(2024, 11, 1))
    assert verified.valid_until == charger.valid_until == date(2027, 11, 1)  # the rule's 36 months


# --- The event kind must be one the rule requires (Circular 23/2013) -----------------------------------


def test_an_initial_verification_only_type_refuses_a_periodic_one_naming_the_rule(technician):
    tape = InstrumentFactory(type_code="TAPE_MEASURE")
    with pytest.raises(ServiceError) as caught:
        record(technician, tape)
    message = str(caught.value.fields["kind"])
    assert "TT 23/2013 amended by TT 07/2019" in message and "no periodic verification" in message
    event = record(technician, tape, kind="verification_initial")
    assert event.valid_until is None and tape.last_result == "pass"
    assert status_of(tape, date(2060, 1, 1)) == Status.VALID  # valid for the instrument's life
    assert describe(tape, TODAY).text == "Valid (initial verification only)"
    with pytest.raises(ServiceError) as caught:
        record(technician, tape, kind="verification_initial", valid_until=date(2027, 1, 1))
    assert "valid_until" in caught.value.fields


def test_a_type_without_after_repair_verification_is_restored_by_a_new_initial_one(technician):
    thermometer = InstrumentFactory(type_code="THERMOMETER_GLASS")  # IV+PV, 24 months, no RV
    manager = user_with_role(Role.ENTERPRISE_MANAGER, thermometer.owner)
    record(technician, thermometer, performed_on=date(2026, 1, 5))
    report_repair(manager, thermometer, repaired_on=date(2026, 2, 1), reason="Thay bầu", version=None)
    assert status_of(thermometer, TODAY) == Status.AWAITING_REVERIFICATION
    with pytest.raises(ServiceError) as caught:
        record(technician, thermometer, kind="verification_after_repair", performed_on=date(2026, 2, 3))
    message = str(caught.value.fields["kind"])
    assert "no verification after repair" in message and "new initial verification" in message
    record(technician, thermometer, performed_on=date(2026, 2, 3))  # periodic: not after a repair
    assert thermometer.needs_reverification
    record(technician, thermometer, kind="verification_initial", performed_on=date(2026, 2, 4))
    assert not thermometer.needs_reverification and status_of(thermometer, TODAY) == Status.VALID


def test_a_type_with_after_repair_verification_still_needs_it(technician):
    dispenser = InstrumentFactory()
    manager = user_with_role(Role.ENTERPRISE_MANAGER, dispenser.owner)
    record(technician, dispenser, performed_on=date(2026, 1, 5))
    report_repair(manager, dispenser, repaired_on=date(2026, 2, 1), reason="Thay bo mạch", version=None)
    record(technician, dispenser, kind="verification_initial", performed_on=date(2026, 2, 3))
    assert dispenser.needs_reverification
    record(technician, dispenser, kind="verification_after_repair", performed_on=date(2026, 2, 4))
    assert not dispenser.needs_reverification


def test_the_form_and_the_api_refuse_a_kind_the_rule_does_not_require(client, auth, api, technician):
    tape = InstrumentFactory(type_code="TAPE_MEASURE", serial_number="TM-1")
    db.session.commit()
    logged_in(client, auth, technician)
    form = {
        "owner": tape.owner.code,
        "serial_number": "TM-1",
        "type_code": "",
        "kind": "verification_periodic",
        "performed_on": "10/03/2026",
        "result": "pass",
        "certificate_number": "GCN-TM-1",
        "stamp_number": "T-TM-1",
        "verifier_card": "KĐV-L",
    }
    response = post_form(client, "/events/new", form)
    assert response.status_code == 422
    assert "has no periodic verification" in response.get_data(as_text=True)
    body = {
        "owner": tape.owner.code,
        "serial_number": "TM-1",
        "kind": "verification_periodic",
        "performed_on": "2026-03-10",
        "result": "pass",
        "certificate_number": "GCN-TM-2",
        "stamp_number": "T-TM-2",
        "verifier": "KĐV-L",
    }
    error = assert_error(api(technician).post("/api/v1/events", json=body), 422)
    assert "TT 23/2013" in error["fields"]["kind"]
    response = api(technician).post("/api/v1/events", json=body | {"kind": "verification_initial"})
    assert response.status_code == 201, response.get_json()
    detail = client.get(f"/events/{response.get_json()['id']}").get_data(as_text=True)
    assert "For the instrument's life (initial verification only)" in detail
    item = api(technician).get(f"/api/v1/instruments/{tape.id}").get_json()
    assert (item["status"], item["valid_until"]) == ("valid", None)


# --- Verifier cards have a start --------------------------------------------------------------------------


def test_a_back_dated_event_cannot_cite_a_card_issued_later(technician, legal_lab):
    VerifierFactory(
        organisation=legal_lab,
        card_number="KĐV-NEW",
        type_codes=["FUEL_DISPENSER"],
        valid_from=date(2026, 1, 1),
    )
    with pytest.raises(ServiceError) as caught:
        record(technician, InstrumentFactory(), performed_on=date(2025, 12, 31), verifier_card="KĐV-NEW")
    assert "verifier" in caught.value.fields
    event = record(technician, InstrumentFactory(), performed_on=date(2026, 1, 1), verifier_card="KĐV-NEW")
    assert event.verifier.card_number == "KĐV-NEW"


# --- A repair is its own status ---------------------------------------------------------------------------


def test_awaiting_reverification_is_its_own_status_in_lists_counts_and_the_api(client, auth, api, technician):
    dispenser = InstrumentFactory(serial_number="REP-1")
    overdue = InstrumentFactory(owner=dispenser.owner, serial_number="OLD-1")
    manager = user_with_role(Role.ENTERPRISE_MANAGER, dispenser.owner)
    record(technician, dispenser, performed_on=date(2026, 11, 1))
    record(technician, overdue, performed_on=date(2024, 1, 10))
    report_repair(manager, dispenser, repaired_on=date(2026, 11, 10), reason="Vỡ niêm phong", version=None)
    db.session.commit()
    page = logged_in(client, auth, manager).get("/instruments/").get_data(as_text=True)
    assert 'data-count="awaiting_reverification">1<' in page and 'data-count="overdue">1<' in page
    filtered = client.get("/instruments/?status=awaiting_reverification").get_data(as_text=True)
    assert "REP-1" in filtered and "OLD-1" not in filtered
    assert ">repaired on 10/11/2026</span>" in filtered
    listed = api(manager).get("/api/v1/instruments", query_string={"status": "awaiting_reverification"})
    assert [row["serial_number"] for row in listed.get_json()["items"]] == ["REP-1"]
    assert listed.get_json()["items"][0]["status"] == "awaiting_reverification"


# --- Reference materials ----------------------------------------------------------------------------------


def test_an_expired_reference_material_reads_expired_replace(client, auth, technician, legal_lab):
    ReferenceMaterialFactory(
        owner=legal_lab,
        name="Dung dịch hết hạn",
        expiry_date=date(2026, 1, 31),
        valid_until=date(2026, 1, 31),
    )
    ReferenceMaterialFactory(
        owner=legal_lab, name="Kim loại tinh khiết", expiry_date=None, valid_until=None, last_result=None
    )
    db.session.commit()
    page = logged_in(client, auth, technician).get("/reference-materials/").get_data(as_text=True)
    assert "Expired — replace" in page and ">expired on 31/01/2026</span>" in page
    assert ">no expiry date</span>" in page and "No valid verification or calibration yet" not in page


# --- The printed date beside the computed one ------------------------------------------------------------


def test_the_printed_date_is_kept_and_both_are_shown_when_they_differ(client, auth, api, technician):
    dispenser = InstrumentFactory()
    # "Hiệu lực đến ngày 09/03/2027": one day less than the 12 months the rule allows.
    printed = record(technician, dispenser, performed_on=date(2026, 3, 10), valid_until=date(2027, 3, 9))
    assert (printed.valid_until, printed.computed_valid_until) == (date(2027, 3, 9), date(2027, 3, 10))
    assert dispenser.valid_until == date(2027, 3, 9)  # the certificate's date rules the item
    plain = record(technician, InstrumentFactory(), performed_on=date(2026, 3, 10))
    assert plain.valid_until == plain.computed_valid_until == date(2027, 3, 10)
    db.session.commit()
    page = logged_in(client, auth, technician).get(f"/events/{printed.id}").get_data(as_text=True)
    assert "09/03/2027" in page and "the rule allows until 10/03/2027" in page
    other = client.get(f"/events/{plain.id}").get_data(as_text=True)
    assert 'data-testid="computed-valid-until"' not in other
    body = api(technician).get(f"/api/v1/events/{printed.id}").get_json()
    assert (body["valid_until"], body["computed_valid_until"]) == ("2027-03-09", "2027-03-10")
