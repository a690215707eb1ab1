"""Suspects as users meet them: the report (page, CSV, XLSX and API), the banners the owner sees on the item
and the event, closing a suspect by form and API, and the events' ``suspect`` filter and
``as_found_out_of_tolerance`` field."""

from __future__ import annotations

import io
import itertools

import pytest
from openpyxl import load_workbook

from registry.auth.models import Role
from registry.events.recording import record_event
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM, assert_error, days_ago, logged_in, post_form

_numbers = itertools.count(1)


@pytest.fixture
def suspect(lab_technician, enterprise):
    """A fuel dispenser of ``enterprise`` verified by the lab with a standard that a later calibration found
    out of tolerance as found (it passed as left, after adjustment)."""
    lab_with_credentials(code="QT3-WEB")
    standard = StandardFactory(
        owner=lab_technician.organisation, name="Bộ quả cân F1 số 9", interval_months=24
    )
    calibrate = {"item": standard, "provider": "QT3-WEB", "kind": "calibration", "result": "pass"}
    record_event(SYSTEM, calibrate | {"performed_on": days_ago(500), "certificate_number": "HC-W-1"})
    dispenser = InstrumentFactory(owner=enterprise, serial_number="CD-SUS-1")
    event = record_verification(
        lab_technician, dispenser, performed_on=days_ago(200), standards_used=[standard]
    )
    record_event(
        SYSTEM,
        calibrate
        | {
            "performed_on": days_ago(30),
            "certificate_number": "HC-W-2",
            "measurement_points": [{"nominal": "20", "as_found": "20.4", "as_left": "20.01", "mpe": "0.1"}],
        },
    )
    db.session.commit()
    db.session.expire_all()
    assert event.suspect
    return event


def test_the_owner_sees_the_suspect_banner_on_the_item_and_the_event(
    client, auth, enterprise_manager, suspect
):
    client = logged_in(client, auth, enterprise_manager)
    item_page = client.get(f"/instruments/{suspect.item_id}").get_data(as_text=True)
    assert 'data-testid="suspect-banner"' in item_page and "Suspect results" in item_page
    event_page = client.get(f"/events/{suspect.id}").get_data(as_text=True)
    assert "This result is suspect" in event_page
    assert "Standard found out of tolerance as found: Bộ quả cân F1 số 9" in event_page
    assert "Assess the impact" not in event_page  # the lab assesses, not the owner


def test_the_report_lists_the_standard_the_window_and_each_affected_item_and_owner(
    client, auth, lab_technician, suspect
):
    client = logged_in(client, auth, lab_technician)
    page = client.get("/suspects/").get_data(as_text=True)
    assert "Bộ quả cân F1 số 9" in page and "CD-SUS-1" in page and "Công ty Xăng dầu Kon Tum" in page
    assert "Window: after" in page

    csv = client.get("/suspects/?format=csv")
    assert csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "Standard,Standard's owner,Why" in text.splitlines()[0]
    assert "CD-SUS-1" in text and "XD-KT" in text and days_ago(30).isoformat() in text

    xlsx = client.get("/suspects/?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Standard" and len(rows) == 2 and rows[1][11] == "XD-KT"


def test_another_lab_sees_nothing_of_it(client, auth, suspect):
    other = user_with_role(Role.PROVIDER_MANAGER, OrganisationFactory(provider=True))
    client = logged_in(client, auth, other)
    assert "CD-SUS-1" not in client.get("/suspects/").get_data(as_text=True)
    assert client.get(f"/events/{suspect.id}/assess").status_code == 404


def test_the_lab_closes_the_suspect_with_its_assessment_and_the_history_shows_it(
    client, auth, lab_technician, suspect
):
    client = logged_in(client, auth, lab_technician)
    path = f"/events/{suspect.id}/assess"
    refused = post_form(client, path, {"decision": "", "reason": ""})
    assert refused.status_code == 422

    done = post_form(client, path, {"decision": "recall", "reason": "Kiểm định lại cột đo CD-SUS-1"})
    assert done.status_code == 302
    page = client.get(f"/events/{suspect.id}").get_data(as_text=True)
    assert "This result was suspect; the lab assessed it." in page
    assert "Recall and re-verify: Kiểm định lại cột đo CD-SUS-1" in page
    assert "CD-SUS-1" not in client.get("/suspects/").get_data(as_text=True)
    assert "CD-SUS-1" in client.get("/suspects/?all=1").get_data(as_text=True)


def test_the_events_list_filters_suspects(client, auth, lab_technician, suspect):
    other = record_verification(
        lab_technician, InstrumentFactory(serial_number="CD-FINE"), performed_on=days_ago(3)
    )
    db.session.commit()
    client = logged_in(client, auth, lab_technician)
    page = client.get("/events/?suspect=1").get_data(as_text=True)
    assert f'data-event="{suspect.id}"' in page and f'data-event="{other.id}"' not in page


def test_the_api_reports_filters_and_closes_suspects(api, lab_technician, enterprise_manager, suspect):
    client = api(lab_technician)
    listed = client.get("/api/v1/events?suspect=true").get_json()["items"]
    assert [event["id"] for event in listed] == [suspect.id]
    assert client.get("/api/v1/events?suspect=yes").status_code == 422

    (row,) = client.get("/api/v1/suspects?open=true").get_json()["items"]
    assert (row["event"], row["owner"], row["rule"], row["depth"], row["open"]) == (
        suspect.id,
        "XD-KT",
        "out_of_tolerance",
        0,
        True,
    )
    assert (row["window_from"], row["window_to"]) == (days_ago(500).isoformat(), days_ago(30).isoformat())

    forbidden = api(enterprise_manager).post(
        f"/api/v1/events/{suspect.id}/assess", json={"decision": "no_effect", "reason": "x"}
    )
    assert_error(forbidden, 403)
    missing = client.post(f"/api/v1/events/{suspect.id}/assess", json={"decision": "no_effect"})
    assert "reason" in assert_error(missing, 422)["fields"]
    done = client.post(
        f"/api/v1/events/{suspect.id}/assess",
        json={"decision": "customer_informed", "reason": "Đã gửi công văn cho khách hàng"},
    )
    assert done.status_code == 201 and done.get_json()["decision"] == "customer_informed"
    assert client.get(f"/api/v1/events/{suspect.id}").get_json()["suspect"] is False
    assert client.get("/api/v1/suspects?open=true").get_json()["items"] == []
    (closed,) = client.get("/api/v1/suspects?open=false").get_json()["items"]
    assert closed["assessment"]["reason"] == "Đã gửi công văn cho khách hàng"


def test_the_lab_states_out_of_tolerance_as_found_through_the_api(api, lab_technician):
    client = api(lab_technician)
    standard = StandardFactory(owner=lab_technician.organisation, valid=True)
    response = client.post(
        "/api/v1/events",
        json={
            "item": standard.id,
            "kind": "internal_calibration",
            "performed_on": days_ago(1).isoformat(),
            "result": "pass",
            "certificate_number": "NB-OOT-1",
            "as_found_out_of_tolerance": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["as_found_out_of_tolerance"] is True
    wrong = client.post("/api/v1/events", json={"as_found_out_of_tolerance": "yes", "kind": "calibration"})
    assert "as_found_out_of_tolerance" in assert_error(wrong, 422)["fields"]
