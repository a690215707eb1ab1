"""/api/v1/instruments, /standards and /reference-materials: the fields of DESIGN §5, filters, cursor
pages, field errors, 404 for other tenants, reasons and versions on PATCH."""

from __future__ import annotations

import base64
import json
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.services import history
from registry.auth.models import Role
from registry.catalogue.models import AdminUnit
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
from tests.helpers import assert_error

INSTRUMENTS = "/api/v1/instruments"
INSTRUMENT_FIELDS = {
    "id",
    "owner",
    "type_code",
    "serial_number",
    "manufacturer",
    "model",
    "measuring_range",
    "accuracy_class",
    "site_address",
    "site_admin_unit",
    "use",
    "interval_months",
    "state",
    "funding",
    "purpose",
    "acquired_on",
    "status",
    "valid_until",
    "version",
}


@pytest.fixture
def ngoc_hoi_water():
    """An enterprise whose seat (Plei Kần, administrative unit 611) its new instruments take as their site."""
    unit = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "611"))
    return OrganisationFactory(
        code="NH", name="Công ty Nước Ngọc Hồi", address="Thị trấn Plei Kần", admin_unit=unit
    )


@pytest.fixture
def ngoc_hoi_manager_api(api, ngoc_hoi_water):
    return api(user_with_role(Role.ENTERPRISE_MANAGER, ngoc_hoi_water))


@pytest.fixture
def department_officer_api(api, department_officer):
    return api(department_officer)


def count_items() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Item.id))) or 0


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- Creating ---------------------------------------------------------------------------------------------


def test_registering_an_instrument_answers_201_with_the_design_fields(ngoc_hoi_manager_api):
    response = ngoc_hoi_manager_api.post(
        INSTRUMENTS,
        json={
            "type_code": "water_meter_mech",
            "serial_number": unicodedata.normalize("NFD", "ĐH-0001"),
            "manufacturer": "Itron",
            "acquired_on": "2024-06-01",
            "interval_months": 36,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == INSTRUMENT_FIELDS
    assert body | {"id": 0} == {
        "id": 0,
        "owner": "NH",
        "type_code": "WATER_METER_MECH",
        "serial_number": "ĐH-0001",
        "manufacturer": "Itron",
        "model": "",
        "measuring_range": "",
        "accuracy_class": "",
        "site_address": "Thị trấn Plei Kần",
        "site_admin_unit": "611",
        "use": "legal",
        "interval_months": 36,
        "state": "in_service",
        "funding": "own",
        "purpose": "other",
        "acquired_on": "2024-06-01",
        "status": "never",
        "valid_until": None,
        "version": 1,
    }
    assert ngoc_hoi_manager_api.get(f"{INSTRUMENTS}/{body['id']}").get_json() == body


@pytest.mark.parametrize(
    "body, field",
    [
        ({"serial_number": "X"}, "type_code"),
        ({"type_code": "FUEL_DISPENSER"}, "serial_number"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": ""}, "serial_number"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X" * 81}, "serial_number"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": 12}, "serial_number"),
        ({"type_code": "NOPE", "serial_number": "X"}, "type_code"),
        ({"type_code": "TAXIMETER", "serial_number": "X", "interval_months": 19}, "interval_months"),
        ({"type_code": "TAXIMETER", "serial_number": "X", "use": "internal"}, "interval_months"),
        ({"type_code": "TAXIMETER", "serial_number": "X", "interval_months": "12"}, "interval_months"),
        ({"type_code": "TAXIMETER", "serial_number": "X", "interval_months": 1.5}, "interval_months"),
        ({"type_code": "TAXIMETER", "serial_number": "X", "interval_months": 0}, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "use": "trade"}, "use"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "acquired_on": "2024-02-30"}, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "acquired_on": "32/01/2024"}, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "acquired_on": "1 Feb 2024"}, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "acquired_on": 20240201}, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "acquired_on": "2999-01-01"}, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "site_admin_unit": "000"}, "site_admin_unit"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "owner": "ELSEWHERE"}, "owner"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "status": "valid"}, "status"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "version": 3}, "version"),
        ({"type_code": "FUEL_DISPENSER", "serial_number": "X", "colour": "red"}, "colour"),
    ],
)
def test_invalid_instruments_are_refused_field_by_field(ngoc_hoi_manager_api, body, field):
    before = count_items()
    error = assert_error(ngoc_hoi_manager_api.post(INSTRUMENTS, json=body), 422, "validation_error")
    assert set(error["fields"]) == {field}, error
    assert count_items() == before


def test_a_date_is_read_as_iso_or_as_dd_mm_yyyy_and_a_wrong_one_is_named(ngoc_hoi_manager_api):
    body = {"type_code": "FUEL_DISPENSER", "serial_number": "D-1", "acquired_on": "01/02/2024"}
    response = ngoc_hoi_manager_api.post(INSTRUMENTS, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["acquired_on"] == "2024-02-01"
    wrong = ngoc_hoi_manager_api.post(
        INSTRUMENTS, json={**body, "serial_number": "D-2", "acquired_on": "2024-13-01"}
    )
    assert assert_error(wrong, 422, "validation_error")["fields"] == {
        "acquired_on": "Hãy nhập ngày theo dạng dd/mm/yyyy hoặc YYYY-MM-DD."
    }


def test_messages_follow_accept_language(ngoc_hoi_manager_api):
    body = {"type_code": "FUEL_DISPENSER"}
    assert assert_error(ngoc_hoi_manager_api.post(INSTRUMENTS, json=body), 422)["fields"] == {
        "serial_number": "Trường này là bắt buộc."
    }
    english = ngoc_hoi_manager_api.post(
        INSTRUMENTS, json={"type_code": "NOPE", "serial_number": "1"}, headers={"Accept-Language": "en"}
    )
    assert assert_error(english, 422)["fields"] == {"type_code": "Unknown instrument type NOPE."}


def test_a_duplicate_is_a_field_error_not_a_crash(ngoc_hoi_manager_api, ngoc_hoi_water):
    InstrumentFactory(owner=ngoc_hoi_water, serial_number="DUP")
    db.session.commit()
    error = assert_error(
        ngoc_hoi_manager_api.post(INSTRUMENTS, json={"type_code": "FUEL_DISPENSER", "serial_number": "DUP"}),
        422,
    )
    assert set(error["fields"]) == {"serial_number"}


def test_a_lab_registers_for_an_enterprise_and_finds_it_again(api, ngoc_hoi_water):
    technician = api(user_with_role(Role.PROVIDER_TECHNICIAN))
    response = technician.post(
        INSTRUMENTS, json={"owner": "nh", "type_code": "FUEL_DISPENSER", "serial_number": "L-1"}
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["owner"] == "NH"
    assert_error(technician.get(f"{INSTRUMENTS}/{created['id']}"), 404)
    found = technician.get(f"{INSTRUMENTS}/lookup", query_string={"owner": "NH", "serial_number": "L-1"})
    assert found.status_code == 200
    assert found.get_json() == {"items": [created]}
    assert technician.get(
        f"{INSTRUMENTS}/lookup", query_string={"owner": "NH", "serial_number": "L"}
    ).get_json() == {"items": []}
    error = assert_error(technician.get(f"{INSTRUMENTS}/lookup", query_string={"owner": "NH"}), 422)
    assert set(error["fields"]) == {"serial_number"}
    assert_error(technician.post("/api/v1/standards", json={"name": "X"}), 403, "forbidden")


# --- Reading ----------------------------------------------------------------------------------------------


def test_other_organisations_instruments_are_not_found(ngoc_hoi_manager_api, ngoc_hoi_water):
    theirs = InstrumentFactory()
    standard = StandardFactory(owner=ngoc_hoi_water)
    db.session.commit()
    missing = ngoc_hoi_manager_api.get(f"{INSTRUMENTS}/999999999").get_json()
    assert ngoc_hoi_manager_api.get(f"{INSTRUMENTS}/{theirs.id}").get_json() == missing
    assert_error(ngoc_hoi_manager_api.get(f"{INSTRUMENTS}/{standard.id}"), 404)
    for too_big in (2**31, 2**80):  # beyond PostgreSQL's INTEGER: not found, never a database error
        assert_error(ngoc_hoi_manager_api.get(f"{INSTRUMENTS}/{too_big}"), 404)
    cursor = base64.urlsafe_b64encode(json.dumps({"after": 2**31}).encode()).decode().rstrip("=")
    assert set(
        assert_error(ngoc_hoi_manager_api.get(INSTRUMENTS, query_string={"cursor": cursor}), 422)["fields"]
    ) == {"cursor"}
    patch = ngoc_hoi_manager_api.patch(f"{INSTRUMENTS}/{theirs.id}", json={"reason": "Thử", "model": "X"})
    assert patch.get_json() == missing
    assert ids(ngoc_hoi_manager_api.get(INSTRUMENTS)) == []


def test_filters_and_cursor_pages(department_officer_api):
    owner = OrganisationFactory(code="F1", name="Trạm xăng Đắk Tô")
    site = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "612"))
    fuel = [InstrumentFactory(owner=owner, site_admin_unit=site) for _ in range(5)]
    taxi = InstrumentFactory(owner=owner, type_code="TAXIMETER", overdue=True, manufacturer="Đồng hồ Việt")
    InstrumentFactory(manufacturer="Ở nơi khác")
    db.session.commit()
    assert ids(
        department_officer_api.get(INSTRUMENTS, query_string={"owner": "f1", "type_code": "FUEL_DISPENSER"})
    ) == [item.id for item in fuel]
    assert ids(department_officer_api.get(INSTRUMENTS, query_string={"status": "overdue"})) == [taxi.id]
    assert ids(
        department_officer_api.get(INSTRUMENTS, query_string={"due_before": local_today().isoformat()})
    ) == [taxi.id]
    assert ids(department_officer_api.get(INSTRUMENTS, query_string={"admin_unit": "612"})) == [
        item.id for item in fuel
    ]
    for query in ("dong ho", "ĐỒNG HỒ", unicodedata.normalize("NFD", "đồng hồ")):
        assert ids(department_officer_api.get(INSTRUMENTS, query_string={"q": query})) == [taxi.id]
    assert len(ids(department_officer_api.get(INSTRUMENTS, query_string={"q": "dak to"}))) == 6
    seen, cursor = [], None
    while True:
        page = department_officer_api.get(
            INSTRUMENTS, query_string={"owner": "F1", "limit": 4, **({"cursor": cursor} if cursor else {})}
        )
        seen += ids(page)
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [item.id for item in [*fuel, taxi]]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "lost"}, "status"),
        ({"due_before": "tomorrow"}, "due_before"),
        ({"q": "x" * 201}, "q"),
        ({"limit": "0"}, "limit"),
        ({"sort": "serial_number"}, "sort"),
    ],
)
def test_bad_list_arguments_are_named(department_officer_api, query, field):
    error = assert_error(department_officer_api.get(INSTRUMENTS, query_string=query), 422)
    assert set(error["fields"]) == {field}


# --- Changing ---------------------------------------------------------------------------------------------


@pytest.fixture
def meter(ngoc_hoi_water):
    instrument = InstrumentFactory(owner=ngoc_hoi_water, serial_number="M-1", manufacturer="Cũ")
    db.session.commit()
    return instrument


def test_patch_needs_a_reason_and_refuses_a_stale_version(ngoc_hoi_manager_api, meter):
    path = f"{INSTRUMENTS}/{meter.id}"
    error = assert_error(ngoc_hoi_manager_api.patch(path, json={"manufacturer": "Mới"}), 422)
    assert set(error["fields"]) == {"reason"}
    response = ngoc_hoi_manager_api.patch(
        path, json={"manufacturer": "Mới", "reason": "Theo nhãn", "version": 1}
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["manufacturer"], response.get_json()["version"]) == ("Mới", 2)
    error = assert_error(
        ngoc_hoi_manager_api.patch(path, json={"manufacturer": "Lại", "reason": "Sửa", "version": 1}),
        409,
        "conflict",
    )
    assert set(error["fields"]) == {"version"}
    db.session.expire_all()
    assert db.session.get(Instrument, meter.id).manufacturer == "Mới"
    assert history("items", meter.id)[-1].reason == "Theo nhãn"


def test_patch_relocates_and_the_department_transfers(ngoc_hoi_manager_api, department_officer_api, meter):
    path = f"{INSTRUMENTS}/{meter.id}"
    moved = ngoc_hoi_manager_api.patch(
        path, json={"site_address": "Trạm 2", "site_admin_unit": "612", "reason": "Chuyển trạm"}
    )
    assert (moved.get_json()["site_address"], moved.get_json()["site_admin_unit"]) == ("Trạm 2", "612")
    buyer = OrganisationFactory(code="MUA")
    db.session.commit()
    assert_error(ngoc_hoi_manager_api.patch(path, json={"owner": "MUA", "reason": "Bán"}), 403, "forbidden")
    moved = department_officer_api.patch(
        path, json={"owner": "mua", "reason": "Bán cho công ty khác", "version": 2}
    )
    assert moved.status_code == 200 and moved.get_json()["owner"] == "MUA"
    assert_error(ngoc_hoi_manager_api.get(path), 404)
    event = history("items", meter.id)[-1]
    assert (event.new_values["owner_id"], event.reason) == (buyer.id, "Bán cho công ty khác")


@pytest.mark.parametrize("owner", ["NOBODY", "", "nh"])
def test_a_transfer_to_an_unknown_or_the_same_owner_is_a_field_error(department_officer_api, meter, owner):
    """An owner code naming no organisation (or none, or the current owner) is refused on ``owner``, and
    the instrument stays where it is."""
    path = f"{INSTRUMENTS}/{meter.id}"
    error = assert_error(department_officer_api.patch(path, json={"owner": owner, "reason": "Bán"}), 422)
    assert set(error["fields"]) == {"owner"}
    db.session.expire_all()
    instrument = db.session.get(Instrument, meter.id)
    assert (instrument.owner.code, instrument.version) == ("NH", 1)


def test_viewers_may_not_patch(api, ngoc_hoi_water, meter):
    viewer = api(user_with_role(Role.ENTERPRISE_VIEWER, ngoc_hoi_water))
    assert_error(viewer.patch(f"{INSTRUMENTS}/{meter.id}", json={"model": "X", "reason": "Thử"}), 403)
    assert_error(viewer.post(INSTRUMENTS, json={"type_code": "FUEL_DISPENSER", "serial_number": "V"}), 403)


# --- Standards and reference materials --------------------------------------------------------------------


def test_standards(api):
    lab = OrganisationFactory(provider=True, code="LAB")
    StandardFactory(name="Của người khác")
    client = api(user_with_role(Role.PROVIDER_MANAGER, lab))
    body = {
        "name": "Quả cân chuẩn 1 kg",
        "level": "working",
        "quantity": "mass",
        "interval_months": 12,
        "range": "1 kg",
    }
    response = client.post(
        "/api/v1/standards", json={**body, "serial_number": "QC-1", "uncertainty": "0,5 mg"}
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert set(created) == {
        *("id", "owner", "name", "level", "quantity", "serial_number", "range", "uncertainty"),
        *("interval_months", "traceable_to", "funding", "purpose", "acquired_on", "status", "valid_until"),
        "version",
    }
    assert (created["owner"], created["range"], created["status"]) == ("LAB", "1 kg", "never")
    assert ids(client.get("/api/v1/standards")) == [created["id"]]
    error = assert_error(client.post("/api/v1/standards", json={**body, "serial_number": "QC-1"}), 422)
    assert set(error["fields"]) == {"serial_number"}
    error = assert_error(client.post("/api/v1/standards", json={**body, "level": "gold"}), 422)
    assert set(error["fields"]) == {"level"}


def test_every_wrong_field_of_a_standard_is_named_at_once(api):
    """A wrong value and missing fields are named in one answer, as the web form names them."""
    lab = OrganisationFactory(provider=True, code="LAB")
    client = api(user_with_role(Role.PROVIDER_MANAGER, lab))
    error = assert_error(client.post("/api/v1/standards", json={"name": "X", "level": "gold"}), 422)
    assert set(error["fields"]) == {"level", "quantity", "interval_months"}


def test_reference_materials(api):
    lab = OrganisationFactory(provider=True, code="LAB2")
    ReferenceMaterialFactory(owner=lab, overdue=True, name="Hết hạn")
    client = api(user_with_role(Role.PROVIDER_MANAGER, lab))
    expiry = local_today() + timedelta(days=10)
    response = client.post(
        "/api/v1/reference-materials",
        json={
            "name": "Dung dịch pH 7",
            "producer": "Merck",
            "producer_iso17034": True,
            "lot": "HC123",
            "certified_value": "7.00",
            "uncertainty": "0.01",
            "unit": "pH",
            "expiry_date": expiry.isoformat(),
        },
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["valid_until"], created["status"], created["expiry_date"]) == (
        expiry.isoformat(),
        "due_soon",
        expiry.isoformat(),
    )
    assert ids(client.get("/api/v1/reference-materials", query_string={"status": "due_soon"})) == [
        created["id"]
    ]
    assert len(ids(client.get("/api/v1/reference-materials", query_string={"q": "ph"}))) == 1
    for body, field in (
        ({"name": "X"}, "expiry_date"),
        ({"name": "X", "expiry_date": "2030-01-01", "producer_iso17034": "yes"}, "producer_iso17034"),
        ({"name": "X", "expiry_date": "2030-01-01", "interval_months": 12}, "interval_months"),
    ):
        error = assert_error(client.post("/api/v1/reference-materials", json=body), 422)
        assert set(error["fields"]) == {field}


def test_the_openapi_document_lists_the_item_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {
        ("/api/v1/instruments", "get"),
        ("/api/v1/instruments", "post"),
        ("/api/v1/instruments/{item_id}", "get"),
        ("/api/v1/instruments/{item_id}", "patch"),
        ("/api/v1/instruments/lookup", "get"),
        ("/api/v1/standards", "get"),
        ("/api/v1/standards", "post"),
        ("/api/v1/reference-materials", "get"),
        ("/api/v1/reference-materials", "post"),
    } <= {(path, method) for path, item in spec["paths"].items() for method in item}
    instrument = spec["components"]["schemas"]["Instrument"]
    assert set(instrument["properties"]) == INSTRUMENT_FIELDS
