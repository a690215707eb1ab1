"""Event pages: a lab records a verification by owner and serial number (or registers the instrument
first), an enterprise its internal calibration, the event page shows every revision and what changed,
amend and void keep what the user typed on a refusal, a repair takes an instrument out of validity."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.events.models import Event
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    RegistrationFactory,
    StandardFactory,
    record_verification,
    user_with_role,
)
from tests.helpers import field_errors, logged_in, page_link, post_form


def count_events() -> int:
    return db.session.scalar(select(func.count(Event.id))) or 0


def verification_form(**changes):
    values = {
        "owner": "XANG-WEB",
        "serial_number": "CD-01",
        "type_code": "",
        "kind": "verification_periodic",
        "performed_on": (local_today() - timedelta(days=3)).strftime("%d/%m/%Y"),
        "result": "pass",
        "certificate_number": "GCN-WEB-1",
        "stamp_number": "T-5",
        "verifier_card": "KĐV-TTKT-TEST",
        "points-0-nominal": "20",
        "points-0-as_found": "20,02",
        "points-0-mpe": "0,1",
        "points-0-unit": "L",
    }
    return values | changes


def test_a_lab_records_a_verification_and_the_owner_sees_the_instrument_valid(client, auth, lab_technician):
    owner = OrganisationFactory(code="XANG-WEB")
    dispenser = InstrumentFactory(owner=owner, serial_number="CD-01")
    logged_in(client, auth, lab_technician)
    page = client.get("/events/new?owner=XANG-WEB&serial_number=CD-01").get_data(as_text=True)
    assert 'value="XANG-WEB"' in page and 'value="CD-01"' in page
    response = post_form(client, "/events/new", verification_form())
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    event = db.session.scalars(select(Event)).one()
    assert response.headers["Location"] == f"/events/{event.id}"
    assert event.measurement_points == [{"nominal": "20", "as_found": "20.02", "mpe": "0.1", "unit": "L"}]
    detail = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "GCN-WEB-1" in detail and "20.02" in detail
    db.session.expire_all()
    assert dispenser.valid_until == event.valid_until
    auth.logout()
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=owner)
    page = logged_in(client, auth, manager).get(f"/instruments/{dispenser.id}").get_data(as_text=True)
    assert 'data-status="valid"' in page and f'data-event="{event.id}"' in page


def test_a_refused_event_names_its_fields_keeps_the_input_and_stores_nothing(client, auth, lab_technician):
    InstrumentFactory(owner=OrganisationFactory(code="XANG-WEB"), serial_number="CD-01")
    logged_in(client, auth, lab_technician)
    future = (local_today() + timedelta(days=2)).strftime("%d/%m/%Y")
    response = post_form(
        client,
        "/events/new",
        verification_form(performed_on=future, stamp_number="", **{"points-1-nominal": "hai mươi"}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert {"performed_on", "stamp_number"} <= field_errors(html)
    assert 'value="GCN-WEB-1"' in html and 'value="hai mươi"' in html
    assert count_events() == 0
    response = post_form(client, "/events/new", verification_form(serial_number="KHÔNG-CÓ"))
    assert response.status_code == 422 and "serial_number" in field_errors(response.get_data(as_text=True))
    response = post_form(client, "/events/new", verification_form(**{"points-1-nominal": "hai mươi"}))
    assert response.status_code == 422 and "points-1-nominal" in field_errors(response.get_data(as_text=True))
    assert count_events() == 0


def test_an_unregistered_instrument_is_registered_on_the_spot_then_recorded(client, auth, lab_technician):
    OrganisationFactory(code="XANG-NEW")
    logged_in(client, auth, lab_technician)
    lookup = client.get("/instruments/lookup?owner=XANG-NEW&serial_number=CD-77").get_data(as_text=True)
    assert "/instruments/new?owner=XANG-NEW&amp;serial_number=CD-77" in lookup
    form = client.get("/instruments/new?owner=XANG-NEW&serial_number=CD-77").get_data(as_text=True)
    assert 'value="CD-77"' in form
    response = post_form(
        client,
        "/instruments/new",
        {"owner": "XANG-NEW", "type_code": "FUEL_DISPENSER", "serial_number": "CD-77", "use": "legal",
         "state": "in_service", "funding": "own", "purpose": "service"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/events/new?owner=XANG-NEW&serial_number=CD-77")
    response = post_form(
        client,
        "/events/new",
        verification_form(owner="XANG-NEW", serial_number="CD-77", type_code="FUEL_DISPENSER"),
    )
    assert response.status_code == 302


def test_an_enterprise_records_an_internal_calibration_from_its_items_page(client, auth):
    owner = OrganisationFactory(code="CAFE-WEB")
    balance = InstrumentFactory(
        owner=owner, type_code="BALANCE_PRECISION", internal=True, serial_number="CAN-1"
    )
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=owner)
    logged_in(client, auth, manager)
    page = client.get(f"/instruments/{balance.id}").get_data(as_text=True)
    assert "/events/new?owner=CAFE-WEB&amp;serial_number=CAN-1" in page
    form = client.get("/events/new").get_data(as_text=True)
    assert 'value="internal_calibration"' in form and 'value="verification_periodic"' not in form
    response = post_form(
        client,
        "/events/new",
        {"owner": "CAFE-WEB", "serial_number": "CAN-1", "kind": "internal_calibration",
         "performed_on": local_today().isoformat(), "result": "pass", "certificate_number": "NB-1"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert balance.valid_until is not None


def amend_stamp_number(client, event):
    """The lab corrects the stamp number of ``event`` on the amendment form."""
    return post_form(
        client,
        f"/events/{event.id}/amend",
        {"performed_on": event.performed_on.isoformat(), "result": "pass",
         "certificate_number": event.certificate_number, "stamp_number": "T-99",
         "verifier_card": event.verifier.card_number, "reason": "Số tem ghi sai",
         "version": str(event.version)},
    )  # fmt: skip


def test_the_event_page_shows_every_revision_and_what_changed(client, auth, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    logged_in(client, auth, lab_technician)
    page = client.get(f"/events/{event.id}/amend").get_data(as_text=True)
    assert f'value="{event.certificate_number}"' in page
    response = amend_stamp_number(client, event)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    revision = db.session.scalars(select(Event).where(Event.original_id == event.id)).one()
    page = client.get(f"/events/{revision.id}").get_data(as_text=True)
    assert "Stamp number: T-1 → T-99" in page and "Số tem ghi sai" in page
    old = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Amended" in old and f"/events/{event.id}/amend" not in old


def test_an_amendment_without_a_reason_or_with_a_stale_version_keeps_the_input(client, auth, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    logged_in(client, auth, lab_technician)
    body = {"performed_on": event.performed_on.isoformat(), "result": "pass",
            "certificate_number": event.certificate_number, "stamp_number": "T-42",
            "verifier_card": event.verifier.card_number, "reason": "",
            "version": str(event.version)}  # fmt: skip
    response = post_form(client, f"/events/{event.id}/amend", body)
    assert response.status_code == 422 and "reason" in field_errors(response.get_data(as_text=True))
    response = post_form(client, f"/events/{event.id}/amend", body | {"reason": "x", "version": "99"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 or 'data-testid="conflict"' in html
    assert 'value="T-42"' in html
    assert count_events() == 1


def test_voiding_keeps_the_event_with_its_reason(client, auth, lab_technician):
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    logged_in(client, auth, lab_technician)
    response = post_form(
        client, f"/events/{event.id}/void", {"reason": "Nhầm thiết bị", "version": str(event.version)}
    )
    assert response.status_code == 302
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Void" in page and "Nhầm thiết bị" in page
    db.session.expire_all()
    assert dispenser.valid_until is None and count_events() == 1


def test_the_void_page_tells_its_two_buttons_apart_in_vietnamese(client, auth, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    logged_in(client, auth, lab_technician, language="vi")
    page = client.get(f"/events/{event.id}/void").get_data(as_text=True)
    submit = re.search(r'<button type="submit" class="btn btn-primary">\s*([^<]+?)\s*</button>', page)
    back = re.search(r'<a class="btn btn-link"[^>]*>\s*([^<]+?)\s*</a>', page)
    assert submit and back
    assert (submit.group(1), back.group(1)) == ("Hủy kết quả", "Quay lại")


def test_revisions_read_as_the_original_issue_and_numbered_amendments(client, auth, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    logged_in(client, auth, lab_technician, language="vi")
    response = amend_stamp_number(client, event)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    amended = db.session.scalars(select(Event).where(Event.original_id == event.id)).one()
    page = client.get(f"/events/{amended.id}").get_data(as_text=True)
    assert "bản gốc" in page and "bản sửa đổi lần 1" in page and "lần ban hành" not in page


def test_a_repair_reported_by_the_owner_takes_the_instrument_out_of_validity(client, auth, lab_technician):
    dispenser = InstrumentFactory()
    record_verification(lab_technician, dispenser)
    manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=dispenser.owner)
    logged_in(client, auth, manager)
    response = post_form(
        client,
        f"/items/{dispenser.id}/repair",
        {
            "repaired_on": local_today().isoformat(),
            "reason": "Thay bộ đếm",
            "version": str(dispenser.version),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/instruments/{dispenser.id}").get_data(as_text=True)
    assert 'data-status="awaiting_reverification"' in page
    assert "Awaiting verification after repair" in page
    assert f">repaired on {local_today():%d/%m/%Y}</span>" in page


def test_standards_offered_are_the_labs_own(client, auth, lab_technician, lab):
    own = StandardFactory(owner=lab, name="Bình chuẩn 20 L của phòng")
    StandardFactory(name="Chuẩn của phòng khác")
    logged_in(client, auth, lab_technician)
    page = client.get("/events/new").get_data(as_text=True)
    assert own.name in page and "Chuẩn của phòng khác" not in page


def test_a_lab_without_a_designation_is_refused_naming_the_rule(client, auth):
    lab = OrganisationFactory(provider=True)
    RegistrationFactory(organisation=lab)
    InstrumentFactory(owner=OrganisationFactory(code="XANG-WEB"), serial_number="CD-01")
    logged_in(client, auth, user_with_role(Role.PROVIDER_MANAGER, organisation=lab), language=None)
    response = post_form(client, "/events/new", verification_form())
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "provider" in field_errors(html)  # above the form
    assert f"{lab.code} không được chỉ định kiểm định FUEL_DISPENSER" in html
    assert count_events() == 0


def test_a_lab_sees_a_served_instrument_but_not_its_owners_history(client, auth, lab_technician):
    dispenser = InstrumentFactory()
    record_verification(lab_technician, dispenser)
    page = logged_in(client, auth, lab_technician).get(f"/instruments/{dispenser.id}").get_data(as_text=True)
    assert 'data-testid="events"' in page and 'data-testid="history"' not in page
    # Seen, so its owner's pages answer "forbidden" rather than "not found"; an unserved one is not found.
    unserved = InstrumentFactory(owner=dispenser.owner)
    db.session.commit()
    for action in ("/instruments/{id}/edit", "/instruments/{id}/relocate", "/items/{id}/transfer",
                   "/items/{id}/retire", "/items/{id}/repair"):  # fmt: skip
        assert client.get(action.format(id=dispenser.id)).status_code == 403, action
        assert client.get(action.format(id=unserved.id)).status_code == 404, action
    assert client.get(f"/instruments/{unserved.id}").status_code == 404


@pytest.mark.parametrize("served", [False, True], ids=["not-yet-served", "served"])
def test_a_refusal_without_a_field_is_shown_above_the_form(client, auth, lab_technician, served):
    """The lab names the instrument by owner and serial number (found, as the lookup finds it, whether
    or not the lab has served it yet): the rule it breaks is said, not "no such resource"."""
    dispenser = InstrumentFactory(owner=OrganisationFactory(code="XANG-WEB"), serial_number="CD-01")
    if served:
        record_verification(lab_technician, dispenser, certificate_number="GCN-EARLIER")
    before = count_events()
    logged_in(client, auth, lab_technician)
    response = post_form(client, "/events/new", verification_form(kind="internal_calibration"))
    assert response.status_code == 422
    assert "Only the owner records its internal calibrations and checks." in response.get_data(as_text=True)
    assert count_events() == before


def test_the_event_list_pages(client, auth, lab_technician, monkeypatch):
    from registry.events import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    first, second = (record_verification(lab_technician, InstrumentFactory()) for _ in range(2))
    logged_in(client, auth, lab_technician)
    page = client.get("/events/").get_data(as_text=True)
    assert f'data-event="{second.id}"' in page and f'data-event="{first.id}"' not in page
    second_page = client.get(page_link(page, "next-page")).get_data(as_text=True)
    assert f'data-event="{first.id}"' in second_page and f'data-event="{second.id}"' not in second_page
    assert f'data-event="{second.id}"' in client.get(page_link(second_page, "previous-page")).text


def test_the_suspect_filter_stays_on_the_next_page(client, auth, lab_technician, monkeypatch):
    from registry.events import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    events = [record_verification(lab_technician, InstrumentFactory()) for _ in range(3)]
    db.session.execute(update(Event).where(Event.id.in_([e.id for e in events[:2]])).values(suspect=True))
    logged_in(client, auth, lab_technician)
    page = client.get("/events/?suspect=1").get_data(as_text=True)
    following = page_link(page, "next-page")
    assert following and "suspect=1" in following
    second_page = client.get(following).get_data(as_text=True)
    assert f'data-event="{events[0].id}"' in second_page
    assert page_link(second_page, "next-page") is None, "the unflagged event is not listed"


def test_an_items_earlier_results_read_superseded_and_its_standing_one_current(client, auth, lab_technician):
    dispenser = InstrumentFactory()
    first = record_verification(lab_technician, dispenser, performed_on=local_today() - timedelta(days=400))
    latest = record_verification(
        lab_technician,
        dispenser,
        performed_on=local_today() - timedelta(days=10),
        kind="verification_periodic",
    )
    logged_in(
        client, auth, user_with_role(Role.ENTERPRISE_MANAGER, organisation=dispenser.owner), language="vi"
    )
    page = client.get(f"/instruments/{dispenser.id}").text
    rows = dict(re.findall(r'<tr data-event="(\d+)">(.*?)</tr>', page, re.S))
    assert 'data-state="superseded"' in rows[str(first.id)] and "Đã có kết quả mới hơn" in rows[str(first.id)]
    assert 'data-state="superseded"' not in rows[str(latest.id)] and "Hiện hành" in rows[str(latest.id)]
