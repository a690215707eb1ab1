"""The decision rule (ISO/IEC 17025 §7.8.6, ILAC-G8:2019): measurement points are judged by simple or
guarded acceptance, the rule and the test uncertainty ratio are recorded and shown, and a stated result
the points contradict needs the lab's reason — through the service, the form and the API alike."""

from __future__ import annotations

import pytest

from registry.core.errors import ServiceError
from registry.events.revisions import amend_event
from registry.extensions import db
from tests.factories import InstrumentFactory, record_verification
from tests.helpers import assert_error, days_ago, logged_in, post_form

# |error| 0.3 ≤ MPE 0.5 (simple acceptance passes) but 0.3 + U 0.25 > 0.5 (guarded acceptance fails);
# TUR = 0.5 / 0.25 = 2.
CLOSE_TO_THE_LIMIT = [
    {"nominal": "1000", "as_left": "1000.3", "mpe": "0.5", "uncertainty": "0.25", "unit": "g"}
]
# Comfortably inside: 0.1 + 0.1 ≤ 0.5 either way; TUR 5 at the worst point.
WELL_INSIDE = [
    {"nominal": "1000", "as_left": "1000.1", "mpe": "0.5", "uncertainty": "0.1", "unit": "g"},
    {"nominal": "500", "error": "-0.05", "mpe": "1", "uncertainty": "0.05", "unit": "g"},
]
# As found 1000.9 (out), adjusted: as left 1000.8, still out by 0.3.
STILL_OUT = [{"nominal": "1000", "as_found": "1000.9", "as_left": "1000.8", "mpe": "0.5", "unit": "g"}]


def verify(user, **values):
    return record_verification(user, InstrumentFactory(), **values)


def test_points_are_judged_by_simple_acceptance_unless_the_rule_says_otherwise(lab_technician):
    event = verify(lab_technician, measurement_points=CLOSE_TO_THE_LIMIT)
    assert (event.decision_rule, event.tur) == ("simple_acceptance", 2)
    assert verify(lab_technician).decision_rule is None  # no points: nothing judged

    with pytest.raises(ServiceError) as refused:
        verify(lab_technician, measurement_points=CLOSE_TO_THE_LIMIT, decision_rule="guarded_acceptance")
    assert "ILAC-G8" in str(refused.value.fields["result_reason"])

    guarded = verify(
        lab_technician,
        measurement_points=WELL_INSIDE,
        decision_rule="guarded_acceptance",
    )
    assert (guarded.decision_rule, str(guarded.tur)) == ("guarded_acceptance", "5.00")


def test_a_stated_result_the_points_contradict_needs_a_reason(lab_technician):
    with pytest.raises(ServiceError) as refused:
        verify(lab_technician, measurement_points=STILL_OUT)
    assert set(refused.value.fields) == {"result_reason"}

    stated = verify(
        lab_technician,
        measurement_points=STILL_OUT,
        result_reason="Khách hàng chấp nhận sai số theo hợp đồng",
    )
    assert stated.result == "pass" and stated.result_reason.startswith("Khách hàng")

    failed = verify(
        lab_technician,
        measurement_points=STILL_OUT,
        result="fail",
        record_number="BB-1",
        stamp_number="",
        certificate_number="",
    )
    assert failed.result == "fail" and failed.result_reason is None
    with pytest.raises(ServiceError) as wrong_fail:
        verify(
            lab_technician,
            measurement_points=WELL_INSIDE,
            result="fail",
            record_number="BB-2",
            stamp_number="",
            certificate_number="",
        )
    assert "result_reason" in wrong_fail.value.fields


def test_guarded_acceptance_needs_each_judged_points_uncertainty(lab_technician):
    without_u = [{"nominal": "10", "as_left": "10.1", "mpe": "0.5"}, {"nominal": "20"}]
    with pytest.raises(ServiceError) as refused:
        verify(lab_technician, measurement_points=without_u, decision_rule="guarded_acceptance")
    assert set(refused.value.fields) == {"measurement_points.1.uncertainty"}
    with pytest.raises(ServiceError) as unknown:
        verify(lab_technician, measurement_points=without_u, decision_rule="shared_risk")
    assert set(unknown.value.fields) == {"decision_rule"}


def test_an_amendment_is_judged_again_and_keeps_the_rule(lab_technician):
    event = verify(lab_technician, measurement_points=WELL_INSIDE, decision_rule="guarded_acceptance")
    db.session.flush()
    with pytest.raises(ServiceError) as refused:
        amend_event(
            lab_technician,
            event,
            {"measurement_points": [{**STILL_OUT[0], "uncertainty": "0.1"}]},
            reason="Nhập lại điểm đo",
            version=event.version,
        )
    assert "result_reason" in refused.value.fields
    renamed = amend_event(
        lab_technician, event, {"stamp_number": "T-2"}, reason="Sửa số tem", version=event.version
    )
    assert renamed.decision_rule == "guarded_acceptance" and renamed.tur == 5


def test_the_api_records_and_answers_the_rule_and_the_tur(api, lab_technician):
    client = api(lab_technician)
    instrument = InstrumentFactory(serial_number="DR-API-1")
    body = {
        "owner": instrument.owner.code,
        "serial_number": "DR-API-1",
        "kind": "verification_periodic",
        "performed_on": days_ago(3).isoformat(),
        "result": "pass",
        "certificate_number": "GCN-DR-1",
        "stamp_number": "T-DR",
        "verifier": f"KĐV-{lab_technician.organisation.code}",
        "measurement_points": CLOSE_TO_THE_LIMIT,
        "decision_rule": "guarded_acceptance",
    }
    refused = assert_error(client.post("/api/v1/events", json=body), 422)
    assert "result_reason" in refused["fields"]
    created = client.post("/api/v1/events", json=body | {"result_reason": "Theo thỏa thuận với khách hàng"})
    assert created.status_code == 201, created.get_json()
    shown = client.get(f"/api/v1/events/{created.get_json()['id']}").get_json()
    assert (shown["decision_rule"], shown["tur"]) == ("guarded_acceptance", 2.0)
    assert shown["result_reason"] == "Theo thỏa thuận với khách hàng"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Simple acceptance", "The measurement points give: Pass.", "2.00 : 1", "below 4 : 1"]),
        ("vi", ["Chấp nhận đơn giản", "2,00 : 1"]),
    ],
)
def test_the_event_page_says_the_rule_and_the_tur_in_words(client, auth, lab_technician, language, words):
    event = verify(lab_technician, measurement_points=CLOSE_TO_THE_LIMIT)
    page = logged_in(client, auth, lab_technician, language).get(f"/events/{event.id}").get_data(as_text=True)
    for text in words:
        assert text in page


def test_the_form_asks_for_the_reason_in_the_users_language(client, auth, lab_technician):
    instrument = InstrumentFactory(serial_number="DR-WEB-1")
    logged_in(client, auth, lab_technician, "vi")
    values = {
        "owner": instrument.owner.code,
        "serial_number": "DR-WEB-1",
        "kind": "verification_periodic",
        "performed_on": days_ago(3).isoformat(),
        "result": "pass",
        "certificate_number": "GCN-DR-W",
        "stamp_number": "T-DRW",
        "verifier_card": f"KĐV-{lab_technician.organisation.code}",
        "decision_rule": "simple_acceptance",
        **{f"points-0-{name}": value for name, value in STILL_OUT[0].items()},
    }
    page = post_form(client, "/events/new", values)
    assert page.status_code == 422
    assert 'data-field="result_reason"' in page.get_data(as_text=True)
    done = post_form(client, "/events/new", values | {"result_reason": "Khách hàng chấp nhận"})
    assert done.status_code == 302
