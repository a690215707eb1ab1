"""/api/v1/events: recording by id or by owner + serial number, the fields of DESIGN §5, lists by item,
amend and void with their reasons, field errors in the caller's language, 404 for other tenants."""

from __future__ import annotations

from datetime import timedelta

from registry.auth.models import Role
from registry.core.dates import local_today
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import assert_error


def field_error(response, status, field):
    """The error answers ``status`` and names ``field``."""
    error = assert_error(response, status)
    assert field in error["fields"], error
    return error


EVENTS = "/api/v1/events"
EVENT_FIELDS = {
    "id", "item", "provider", "kind", "performed_on", "result", "certificate_number", "record_number",
    "stamp_number", "revision", "original", "valid_until", "standards_used", "verifier", "technician",
    "measurement_points", "outside_accredited_scope", "override_reason", "suspect", "state", "state_reason",
    "computed_valid_until", "signatures", "as_found_out_of_tolerance", "decision_rule", "result_reason",
    "tur", "below_cmc",
}  # fmt: skip


def verification_body(**changes):
    day = (local_today() - timedelta(days=10)).isoformat()
    body = {
        "kind": "verification_periodic",
        "performed_on": day,
        "result": "pass",
        "certificate_number": "GCN-API-1",
        "stamp_number": "T-77",
        "verifier": "KĐV-TTKT-TEST",
    }
    return body | changes


def test_a_lab_records_a_verification_by_owner_and_serial_and_the_instrument_becomes_valid(
    api, lab_technician
):
    owner = OrganisationFactory(code="XANG-01")
    dispenser = InstrumentFactory(owner=owner, serial_number="CD-0001")
    client = api(lab_technician)
    standard = StandardFactory(owner=lab_technician.organisation, valid=True)
    response = client.post(
        EVENTS,
        json=verification_body(
            owner="xang-01",
            serial_number="CD-0001",
            standards_used=[standard.id],
            measurement_points=[{"nominal": 20, "as_found": "20,01", "mpe": "0.1", "unit": "L"}],
        ),
    )
    assert response.status_code == 201, response.json
    event = response.json
    assert set(event) == EVENT_FIELDS
    assert (event["item"], event["provider"], event["revision"], event["state"]) == (
        dispenser.id, "TTKT-TEST", 0, "current"
    )  # fmt: skip
    assert event["verifier"] == "KĐV-TTKT-TEST" and event["standards_used"] == [standard.id]
    assert event["measurement_points"] == [{"nominal": "20", "as_found": "20.01", "mpe": "0.1", "unit": "L"}]
    assert (event["decision_rule"], event["tur"], event["below_cmc"]) == ("simple_acceptance", None, None)
    assert (
        event["valid_until"]
        == (local_today() - timedelta(days=10)).replace(year=local_today().year + 1).isoformat()
        or event["valid_until"]
    )
    instrument = client.get(f"/api/v1/instruments/{dispenser.id}").json  # served: now visible to the lab
    assert (instrument["status"], instrument["valid_until"]) == ("valid", event["valid_until"])
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=owner)
    assert api(manager).get(f"/api/v1/instruments/{dispenser.id}").json["status"] == "valid"
    listed = api(manager).get(EVENTS, query_string={"item": dispenser.id}).json
    assert [row["id"] for row in listed["items"]] == [event["id"]]


def test_recording_refusals_name_their_field_in_the_callers_language(api, lab_technician):
    InstrumentFactory(owner=OrganisationFactory(code="XANG-02"), serial_number="CD-9")
    client = api(lab_technician)
    future = (local_today() + timedelta(days=1)).isoformat()
    response = client.post(
        EVENTS, json=verification_body(owner="XANG-02", serial_number="CD-9", performed_on=future)
    )
    field_error(response, 422, "performed_on")
    assert "tương lai" in response.json["error"]["fields"]["performed_on"]
    response = client.post(
        EVENTS,
        json=verification_body(owner="XANG-02", serial_number="CD-9", result="fail", certificate_number=None),
        headers={"Accept-Language": "en"},
    )
    assert set(response.json["error"]["fields"]) == {"record_number", "stamp_number"}
    # Naming no item at all: the owner and serial number that name it without its id are asked for.
    error = assert_error(
        client.post(EVENTS, json=verification_body(), headers={"Accept-Language": "en"}), 422
    )
    assert error["fields"] == {
        "owner": "This field is required.",
        "serial_number": "This field is required.",
    }
    field_error(
        client.post(EVENTS, json=verification_body(owner="XANG-02", serial_number="NOPE")),
        422,
        "serial_number",
    )
    field_error(client.post(EVENTS, json=verification_body(item="1")), 422, "item")
    field_error(
        client.post(EVENTS, json=verification_body(owner="XANG-02", serial_number="CD-9", colour="red")),
        422,
        "colour",
    )
    response = client.post(
        EVENTS,
        json=verification_body(owner="XANG-02", serial_number="CD-9", measurement_points=[{"nominal": "x"}]),
    )
    field_error(response, 422, "measurement_points.1.nominal")
    response = client.post(
        EVENTS, json=verification_body(owner="XANG-02", serial_number="CD-9", verifier="KĐV-NONE")
    )
    field_error(response, 422, "verifier")


def test_another_organisations_item_and_events_answer_404(api, lab_technician):
    stranger_item = InstrumentFactory()
    client = api(lab_technician)
    assert_error(client.post(EVENTS, json=verification_body(item=stranger_item.id)), 404)
    other_lab = lab_with_credentials()
    event = record_verification(user_with_role(Role.PROVIDER_MANAGER, organisation=other_lab), stranger_item)
    assert_error(client.get(f"{EVENTS}/{event.id}"), 404)
    assert_error(client.post(f"{EVENTS}/{event.id}/void", json={"reason": "x"}), 404)
    assert client.get(EVENTS, query_string={"item": stranger_item.id}).json["items"] == []
    assert_error(client.get(f"{EVENTS}/{2**40}"), 404)
    field_error(client.get(EVENTS, query_string={"item": 2**40}), 422, "item")
    assert_error(client.post(EVENTS, json=verification_body(item=2**40)), 404)


def test_amend_answers_the_new_revision_and_void_keeps_the_event(api, lab_technician):
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    client = api(lab_technician)
    field_error(client.post(f"{EVENTS}/{event.id}/amend", json={"stamp_number": "T-2"}), 422, "reason")
    response = client.post(
        f"{EVENTS}/{event.id}/amend",
        json={"stamp_number": "T-2", "reason": "Số tem sai", "version": event.version},
    )
    assert response.status_code == 201, response.json
    revision = response.json
    assert (revision["revision"], revision["original"], revision["stamp_number"]) == (1, event.id, "T-2")
    assert revision["certificate_number"] == event.certificate_number
    old = client.get(f"{EVENTS}/{event.id}").json
    assert (old["state"], old["state_reason"]) == ("amended", "Số tem sai")
    field_error(
        client.post(f"{EVENTS}/{event.id}/amend", json={"stamp_number": "T-3", "reason": "x"}), 422, "_"
    )
    field_error(
        client.post(f"{EVENTS}/{revision['id']}/void", json={"reason": "x", "version": 99}), 409, "version"
    )
    voided = client.post(f"{EVENTS}/{revision['id']}/void", json={"reason": "Thiết bị khác"})
    assert voided.status_code == 200 and voided.json["state"] == "void"
    assert client.get(f"/api/v1/instruments/{dispenser.id}").json["status"] == "never"
    listed = client.get(EVENTS, query_string={"item": dispenser.id}).json["items"]
    assert [row["state"] for row in listed] == ["amended", "void"]


def test_an_enterprise_records_an_internal_calibration_of_its_own_group1_instrument(api):
    owner = OrganisationFactory()
    balance = InstrumentFactory(owner=owner, type_code="BALANCE_PRECISION", internal=True)
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=owner)
    body = {
        "item": balance.id,
        "kind": "internal_calibration",
        "performed_on": local_today().isoformat(),
        "result": "pass",
        "certificate_number": "NB-01",
    }
    response = api(manager).post(EVENTS, json=body)
    assert response.status_code == 201, response.json
    assert response.json["provider"] == owner.code
    assert_error(
        api(manager).post(EVENTS, json=body | {"kind": "calibration", "certificate_number": "X"}), 403
    )
    viewer = user_with_role(Role.ENTERPRISE_VIEWER, organisation=owner)
    assert_error(api(viewer).post(EVENTS, json=body), 403)


def test_a_calibration_outside_the_accredited_scope_is_answered_marked(api, lab_technician):
    pressure = InstrumentFactory(type_code="PRESSURE_GAUGE", internal=True)
    balance = InstrumentFactory(type_code="BALANCE_PRECISION", internal=True)
    body = {"kind": "calibration", "performed_on": local_today().isoformat(), "result": "not_stated"}
    client = api(lab_technician)
    outside = client.post(EVENTS, json=body | {"item": pressure.id, "certificate_number": "HC-P"})
    assert outside.status_code == 404  # not served yet: named by owner and serial number instead
    outside = client.post(
        EVENTS,
        json=body
        | {
            "owner": pressure.owner.code,
            "serial_number": pressure.serial_number,
            "certificate_number": "HC-P",
        },
    )
    inside = client.post(
        EVENTS,
        json=body
        | {"owner": balance.owner.code, "serial_number": balance.serial_number, "certificate_number": "HC-B"},
    )
    assert (outside.json["outside_accredited_scope"], inside.json["outside_accredited_scope"]) == (
        True,
        False,
    )


def test_an_overdue_standard_needs_a_reason_in_the_api_too(api, lab_technician):
    overdue = StandardFactory(owner=lab_technician.organisation, overdue=True)
    dispenser = InstrumentFactory()
    body = verification_body(
        owner=dispenser.owner.code,
        serial_number=dispenser.serial_number,
        standards_used=[overdue.id],
        performed_on=local_today().isoformat(),
    )
    response = api(lab_technician).post(EVENTS, json=body, headers={"Accept-Language": "en"})
    assert "give a reason" in field_error(response, 422, "standards_used")["fields"]["standards_used"]
    response = api(lab_technician).post(
        EVENTS, json=body | {"override_reason": "Chuẩn dự phòng đang hiệu chuẩn"}
    )
    assert response.status_code == 201 and response.json["override_reason"]


def test_an_unknown_and_another_labs_standard_get_the_same_answer(api, lab_technician):
    dispenser = InstrumentFactory()
    other = StandardFactory(valid=True)
    answers = []
    for standard_id in (other.id, other.id + 10_000):
        body = verification_body(
            owner=dispenser.owner.code, serial_number=dispenser.serial_number, standards_used=[standard_id]
        )
        answers.append(
            field_error(api(lab_technician).post(EVENTS, json=body), 422, "standards_used")["fields"]
        )
    assert answers[0] == answers[1]
