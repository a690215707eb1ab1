"""Item pages: lists with filters and pages, the item page with its status and history, and the forms
(field errors in place, nothing half-stored, stale edits kept)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.audit.services import history
from registry.auth.models import Role
from registry.core.dates import local_today
from registry.extensions import db
from registry.items.models import Instrument, Item
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    ReferenceMaterialFactory,
    StandardFactory,
    user_with_role,
)
from tests.helpers import csrf_token_from, field_errors, logged_in, page_link, post_form


@pytest.fixture
def water_utility():
    return OrganisationFactory(code="CTN", name="Công ty Cấp thoát nước")


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-item="(\d+)"', html)


def count_items() -> int:
    return db.session.scalar(select(func.count(Item.id))) or 0


# --- Lists ------------------------------------------------------------------------------------------------


def test_an_enterprise_lists_its_own_instruments_with_their_status(client, auth, water_utility):
    mine = [
        InstrumentFactory(owner=water_utility, serial_number="N-1", valid=True),
        InstrumentFactory(owner=water_utility, serial_number="N-2", overdue=True),
    ]
    InstrumentFactory(serial_number="THEIRS")
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_VIEWER, water_utility))
    html = client.get("/instruments/").get_data(as_text=True)
    assert sorted(rows(html)) == sorted(str(item.id) for item in mine)
    assert "THEIRS" not in html
    assert 'data-status="overdue"' in html and 'data-status="valid"' in html
    assert f">until {mine[0].valid_until:%d/%m/%Y}</span>" in html
    assert 'data-count="overdue">1<' in html and 'data-count="valid">1<' in html
    # A viewer sees no way to register.
    assert "/instruments/new" not in html


@pytest.mark.parametrize(
    "query", ["Phú Thịnh", unicodedata.normalize("NFD", "phú thịnh"), "phu thinh", "PHU", "đồng hồ"]
)
def test_the_search_box_ignores_diacritics(client, auth, water_utility, query):
    hit = InstrumentFactory(owner=water_utility, manufacturer="Đồng hồ Phú Thịnh", model="PT-15")
    InstrumentFactory(owner=water_utility, manufacturer="Itron", model="Multimag")
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    html = client.get("/instruments/", query_string={"q": query}).get_data(as_text=True)
    assert rows(html) == [str(hit.id)]


def test_filters_and_pages(client, auth):
    owner = OrganisationFactory()
    for n in range(53):
        InstrumentFactory(owner=owner, serial_number=f"P-{n:02d}")
    InstrumentFactory(owner=owner, serial_number="T-1", type_code="TAXIMETER", due_soon=True)
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    first = client.get("/instruments/", query_string={"owner": owner.code, "sort": "serial_number"})
    html = first.get_data(as_text=True)
    assert len(rows(html)) == 50
    assert 'data-testid="total">54 item(s)' in html
    next_link = page_link(html, "next-page")
    assert f"owner={owner.code}" in next_link and "sort=serial_number" in next_link
    second = client.get(next_link)
    assert len(rows(second.get_data(as_text=True))) == 4
    assert page_link(second.text, "next-page") is None
    assert "T-1" in second.get_data(as_text=True)
    taxi = client.get("/instruments/", query_string={"type_code": "TAXIMETER", "status": "due_soon"})
    assert "T-1" in taxi.get_data(as_text=True) and len(rows(taxi.get_data(as_text=True))) == 1
    due = client.get(
        "/instruments/", query_string={"due_before": f"{local_today() + timedelta(days=30):%d/%m/%Y}"}
    )
    assert len(rows(due.get_data(as_text=True))) == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"due_before": "31/02/2025"}, "due_before"),
        ({"due_before": "tomorrow"}, "due_before"),
        ({"status": "lost"}, "status"),
        ({"sort": "search_text"}, "sort"),
        ({"start": "31/02/2025"}, "start"),
        ({"start": "01/02/2025", "sort": "serial_number"}, "start"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_named(client, auth, query, field):
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    response = client.get("/instruments/", query_string=query)
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))


def test_standards_and_reference_materials_have_their_lists(client, auth):
    lab = OrganisationFactory(provider=True)
    standard = StandardFactory(owner=lab, name="Bình chuẩn 20 L")
    material = ReferenceMaterialFactory(owner=lab, name="Khí chuẩn CO")
    logged_in(client, auth, user_with_role(Role.PROVIDER_TECHNICIAN, lab))
    assert rows(client.get("/standards/").text) == [str(standard.id)]
    assert rows(client.get("/reference-materials/").text) == [str(material.id)]
    assert rows(client.get("/reference-materials/", query_string={"q": "khi chuan"}).text) == [
        str(material.id)
    ]
    assert rows(client.get("/instruments/").text) == []


# --- The item page ----------------------------------------------------------------------------------------


def test_the_item_page_shows_status_fields_rule_and_history(client, auth, water_utility):
    instrument = InstrumentFactory(
        owner=water_utility,
        type_code="TAXIMETER",
        valid_until=date(2025, 2, 28),
        last_result="pass",
        acquired_on=date(2020, 5, 4),
    )
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    logged_in(client, auth, officer)
    response = post_form(
        client,
        f"/items/{instrument.id}/transfer",
        {
            "owner": OrganisationFactory(code="MOI", name="Hợp tác xã Taxi Mới").code,
            "reason": "Bán xe",
            "version": "1",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/instruments/{instrument.id}").get_data(as_text=True)
    assert 'data-status="overdue">Overdue</span>' in html and ">valid until 28/02/2025</span>" in html
    assert "04/05/2020" in html
    assert "Periodic verification every 18 months" in html
    history = html.split('data-testid="history"')[1]
    assert "Bán xe" in history
    # Names a reader knows, not internal codes or raw values.
    assert f"<del>{water_utility.name} (CTN)</del> → Hợp tác xã Taxi Mới (MOI)" in history
    assert "TAXIMETER" not in history and "False" not in history and "True" not in history


@pytest.mark.parametrize("owner", ["NOBODY", "CTN", ""])
def test_a_refused_transfer_names_the_owner_field(client, auth, water_utility, owner):
    """No such organisation, the item's own owner, or none: the form again with the owner's error."""
    instrument = InstrumentFactory(owner=water_utility)
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    response = post_form(
        client, f"/items/{instrument.id}/transfer", {"owner": owner, "reason": "Bán", "version": "1"}
    )
    assert response.status_code == 422
    assert field_errors(response.text) == {"owner"}
    db.session.refresh(instrument)
    assert instrument.owner == water_utility


def test_another_organisations_item_is_not_found(client, auth, water_utility):
    theirs = InstrumentFactory()
    standard = StandardFactory(owner=water_utility)
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    for path in (
        f"/instruments/{theirs.id}",
        f"/instruments/{theirs.id}/edit",
        f"/items/{theirs.id}/retire",
        f"/instruments/{standard.id}",  # a standard is not an instrument
        "/instruments/999999999",
    ):
        assert client.get(path).status_code == 404, path


# --- Forms ------------------------------------------------------------------------------------------------


def test_registering_an_instrument_stores_nfc_and_goes_to_its_page(client, auth, water_utility):
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    response = post_form(
        client,
        "/instruments/new",
        {
            "type_code": "WATER_METER_MECH",
            "serial_number": "ĐH-2025-01",
            "manufacturer": unicodedata.normalize("NFD", "Đồng hồ Phú Thịnh"),
            "use": "legal",
            "state": "in_service",
            "funding": "own",
            "purpose": "other",
            "acquired_on": "15/01/2025",
            "site_admin_unit": "615",
        },
    )
    assert response.status_code == 302, field_errors(response.text)
    instrument = db.session.scalar(select(Instrument).where(Instrument.serial_number == "ĐH-2025-01"))
    assert response.headers["Location"] == f"/instruments/{instrument.id}"
    assert instrument.manufacturer == "Đồng hồ Phú Thịnh"
    assert (instrument.acquired_on, instrument.site_admin_unit.code) == (date(2025, 1, 15), "615")


@pytest.mark.parametrize(
    "data, fields",
    [
        ({}, {"serial_number", "type_code"}),
        ({"serial_number": "X", "type_code": "NOPE"}, {"type_code"}),
        ({"serial_number": "X" * 81, "type_code": "FUEL_DISPENSER"}, {"serial_number"}),
        ({"serial_number": "X", "type_code": "TAXIMETER", "interval_months": "24"}, {"interval_months"}),
        ({"serial_number": "X", "type_code": "TAXIMETER", "interval_months": "1,5"}, {"interval_months"}),
        ({"serial_number": "X", "type_code": "TAXIMETER", "use": "internal"}, {"interval_months"}),
        ({"serial_number": "X", "type_code": "FUEL_DISPENSER", "acquired_on": "2999-01-01"}, {"acquired_on"}),
        ({"serial_number": "X", "type_code": "FUEL_DISPENSER", "acquired_on": "30/02/2024"}, {"acquired_on"}),
        ({"serial_number": "X", "type_code": "FUEL_DISPENSER", "owner": "SOMEONE"}, {"owner"}),
        ({"serial_number": "X", "type_code": "FUEL_DISPENSER", "state": "lost"}, {"state"}),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(client, auth, water_utility, data, fields):
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    before = count_items()
    base = {"use": "legal", "state": "in_service", "funding": "own", "purpose": "other"}
    response = post_form(client, "/instruments/new", {**base, **data})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == fields
    assert count_items() == before


def test_a_duplicate_serial_number_is_a_field_error(client, auth, water_utility):
    InstrumentFactory(owner=water_utility, serial_number="DUP-1")
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    data = {"type_code": "FUEL_DISPENSER", "serial_number": "DUP-1", "use": "legal", "state": "in_service"}
    response = post_form(client, "/instruments/new", {**data, "funding": "own", "purpose": "other"})
    assert response.status_code == 422
    assert field_errors(response.text) == {"serial_number"}
    assert "DUP-1" in response.text


def test_a_technician_registers_for_an_enterprise_then_records_and_finds_it(client, auth, water_utility):
    logged_in(client, auth, user_with_role(Role.PROVIDER_TECHNICIAN))
    data = {"owner": "ctn", "type_code": "FUEL_DISPENSER", "serial_number": "HỘ-7", "use": "legal"}
    response = post_form(
        client, "/instruments/new", {**data, "state": "in_service", "funding": "own", "purpose": "other"}
    )
    assert response.status_code == 302
    # On to recording what the lab did to it, the instrument named by owner, serial number and type.
    assert response.headers["Location"].startswith("/events/new?owner=CTN&serial_number=H")
    page = client.get("/instruments/lookup", query_string={"owner": "CTN", "serial_number": "HỘ-7"}).text
    assert len(rows(page)) == 1 and "HỘ-7" in page
    assert client.get(f"/instruments/{rows(page)[0]}").status_code == 404
    assert (
        "No instrument"
        in client.get("/instruments/lookup", query_string={"owner": "CTN", "serial_number": "HỘ"}).text
    )
    missing = client.get("/instruments/lookup", query_string={"owner": "", "serial_number": ""})
    assert missing.status_code == 422 and field_errors(missing.text) == {"owner", "serial_number"}


def test_a_stale_edit_is_refused_and_keeps_the_input(client, auth, water_utility):
    instrument = InstrumentFactory(owner=water_utility, manufacturer="Ban đầu")
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    page = client.get(f"/instruments/{instrument.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    with audit.reason("test set-up"):
        instrument.manufacturer = "Người khác sửa"
    db.session.commit()
    response = client.post(
        f"/instruments/{instrument.id}/edit",
        data={
            "csrf_token": csrf_token_from(page),
            "manufacturer": "Tôi sửa",
            "reason": "Sửa",
            "version": "1",
        },
    )
    assert response.status_code == 422
    assert 'data-testid="conflict"' in response.text
    assert 'value="Tôi sửa"' in response.text
    db.session.refresh(instrument)
    assert instrument.manufacturer == "Người khác sửa"


def test_edit_needs_a_reason_then_saves_with_it(client, auth, water_utility):
    instrument = InstrumentFactory(owner=water_utility)
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    path = f"/instruments/{instrument.id}/edit"
    refused = post_form(client, path, {"model": "M2", "reason": "", "version": "1"})
    assert refused.status_code == 422 and field_errors(refused.text) == {"reason"}
    # Browsers send a text area's line breaks as CR LF.
    data = {"model": "M2", "reason": "Đổi mẫu\r\ntheo nhãn", "notes": "a\r\nb", "version": "1"}
    saved = post_form(client, path, {**data, "interval_months": "6"})
    assert saved.status_code == 302, field_errors(saved.text)
    db.session.refresh(instrument)
    assert (instrument.model, instrument.interval_months, instrument.version) == ("M2", 6, 2)
    assert instrument.notes == "a\nb"
    assert history("items", instrument.id)[-1].reason == "Đổi mẫu\ntheo nhãn"


def test_relocate_and_retire_from_their_pages(client, auth, water_utility):
    instrument = InstrumentFactory(owner=water_utility)
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    moved = post_form(
        client,
        f"/instruments/{instrument.id}/relocate",
        {"site_address": "Trạm bơm số 2", "site_admin_unit": "612", "reason": "Chuyển trạm", "version": "1"},
    )
    assert moved.status_code == 302
    bad = post_form(client, f"/items/{instrument.id}/retire", {"reason": "", "version": "2"})
    assert bad.status_code == 422 and field_errors(bad.text) == {"reason"}
    retired = post_form(client, f"/items/{instrument.id}/retire", {"reason": "Hỏng", "version": "2"})
    assert retired.status_code == 302
    db.session.refresh(instrument)
    assert (instrument.site_admin_unit.code, instrument.state) == ("612", "retired")
    page = client.get(f"/instruments/{instrument.id}").text
    assert 'data-status="retired"' in page and "Trạm bơm số 2" in page
    again = post_form(client, f"/items/{instrument.id}/retire", {"reason": "Lần nữa", "version": "3"})
    assert again.status_code == 422 and "already retired" in again.text


def test_a_lab_registers_its_standards_and_reference_materials(client, auth):
    lab = OrganisationFactory(provider=True)
    logged_in(client, auth, user_with_role(Role.PROVIDER_MANAGER, lab))
    common = {"state": "in_service", "funding": "own", "purpose": "service"}
    missing = post_form(
        client, "/standards/new", {**common, "name": "Bình chuẩn", "level": "working", "quantity": ""}
    )
    assert missing.status_code == 422 and field_errors(missing.text) == {"quantity", "interval_months"}
    standard = post_form(
        client,
        "/standards/new",
        {
            **common,
            "name": "Bình chuẩn",
            "level": "working",
            "quantity": "volume",
            "interval_months": "12",
            "range": "20 L",
        },
    )
    assert standard.status_code == 302 and standard.headers["Location"].startswith("/standards/")
    material = post_form(
        client,
        "/reference-materials/new",
        {**common, "name": "pH 7", "lot": "A1", "expiry_date": "2099-01-31", "producer_iso17034": "y"},
    )
    assert material.status_code == 302
    page = client.get(material.headers["Location"]).text
    assert ">until 31/01/2099</span>" in page and "ISO 17034" in page


def test_a_refused_field_is_marked_invalid_for_screen_readers_and_selects_look_like_selects(
    client, auth, water_utility
):
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    base = {"use": "legal", "state": "in_service", "funding": "own", "purpose": "other"}
    page = post_form(client, "/instruments/new", {**base, "type_code": "FUEL_DISPENSER"}).text
    serial = re.search(r'<input[^>]*name="serial_number"[^>]*>', page)
    assert serial and 'aria-invalid="true"' in serial.group(0)
    assert 'aria-describedby="serial_number-errors"' in serial.group(0)
    assert 'id="serial_number-errors"' in page
    state = re.search(r'<select[^>]*name="state"[^>]*>', page)
    assert state and "form-select" in state.group(0) and "aria-invalid" not in state.group(0)


def test_a_status_cell_says_its_status_once(client, auth, water_utility):
    InstrumentFactory(owner=water_utility, serial_number="N-2", overdue=True)
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_VIEWER, water_utility), language="vi")
    html = client.get("/instruments/?status=overdue").text
    badge_then_detail = r'<span class="badge[^"]*" data-status="overdue">.*?</span>\s*<span[^>]*>(.*?)</span>'
    cell = re.search(badge_then_detail, html)
    assert cell and cell.group(1).startswith("hiệu lực đến ") and "Quá hạn" not in cell.group(1)


def test_dates_are_typed_and_shown_as_dd_mm_yyyy_whatever_the_browsers_language(client, auth, water_utility):
    instrument = InstrumentFactory(owner=water_utility, acquired_on=date(2024, 3, 9))
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, water_utility))
    page = client.get(f"/instruments/{instrument.id}/edit").text
    acquired = re.search(r'<input[^>]*name="acquired_on"[^>]*>', page)
    assert acquired and 'type="text"' in acquired.group(0) and 'placeholder="dd/mm/yyyy"' in acquired.group(0)
    assert 'value="09/03/2024"' in acquired.group(0)
    # Typed wrong, it comes back as typed, with its error.
    base = {"use": "legal", "state": "in_service", "funding": "own", "purpose": "other"}
    refused = post_form(
        client,
        "/instruments/new",
        {**base, "type_code": "FUEL_DISPENSER", "serial_number": "D-1", "acquired_on": "31/02/2024"},
    ).text
    assert 'value="31/02/2024"' in refused and "acquired_on" in field_errors(refused)
