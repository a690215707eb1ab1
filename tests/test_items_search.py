"""Searching and filtering item lists: diacritics, NFC and NFD alike, đ and d, the filters and the sort
whitelist; the same functions serve the web lists, their downloads and the API."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.items.models import ItemKind
from registry.items.search import ItemFilters, filter_conditions, like_pattern, sorted_items
from registry.items.services import MODELS
from tests.factories import InstrumentFactory, OrganisationFactory, StandardFactory, user_with_role
from tests.helpers import admin_unit


def found(user, *, kind=ItemKind.INSTRUMENT, sort="created", **filters) -> list[str]:
    conditions = filter_conditions(user, kind, ItemFilters(**filters), local_today())
    stmt = sorted_items(select(MODELS[kind]), kind, sort)
    return [item.serial_number for item in db.session.scalars(stmt.where(*conditions))]


@pytest.fixture
def registry_rows():
    dak_ha = OrganisationFactory(code="DH", name="Công ty TNHH Đắk Hà")
    city = OrganisationFactory(code="KT", name="Cửa hàng Xăng dầu Thành phố")
    InstrumentFactory(
        owner=dak_ha, serial_number="ĐH-01", manufacturer="Tatsuno", site_admin_unit=admin_unit("615")
    )
    InstrumentFactory(
        owner=dak_ha,
        serial_number="ĐH-02",
        manufacturer="Tokheim",
        site_admin_unit=admin_unit("615"),
        valid=True,
    )
    InstrumentFactory(
        owner=city,
        serial_number="KT-01",
        manufacturer="Gilbarco",
        model="Nước Việt",
        site_admin_unit=admin_unit("608"),
    )
    InstrumentFactory(owner=city, serial_number="KT-02", type_code="TAXIMETER", overdue=True)
    StandardFactory(owner=dak_ha, serial_number="CHUẨN-1")
    return {"DH": dak_ha, "KT": city}


@pytest.mark.parametrize(
    "query",
    [
        "đắk hà",
        "Đắk Hà",
        "dak ha",
        "DAK HA",
        unicodedata.normalize("NFD", "Đắk Hà"),
        unicodedata.normalize("NFC", "Đắk Hà"),
        "  đắk   hà ",
    ],
)
def test_owner_names_match_without_diacritics_in_either_normal_form(registry_rows, department_officer, query):
    assert found(department_officer, q=query) == ["ĐH-01", "ĐH-02"]


@pytest.mark.parametrize(
    "query, serials",
    [
        ("dh-0", ["ĐH-01", "ĐH-02"]),
        ("Đh-02", ["ĐH-02"]),
        ("tokheim", ["ĐH-02"]),
        ("nuoc viet", ["KT-01"]),
        (unicodedata.normalize("NFD", "nước"), ["KT-01"]),
        ("thanh pho", ["KT-01", "KT-02"]),
        ("xang dau", ["ĐH-01", "ĐH-02", "KT-01", "KT-02"]),  # the type's name, and KT's
        ("taximet", ["KT-02"]),
        ("%", []),
        ("_", []),
        ("\\", []),
        ("\x00", ["ĐH-01", "ĐH-02", "KT-01", "KT-02"]),
        ("", ["ĐH-01", "ĐH-02", "KT-01", "KT-02"]),
    ],
)
def test_serial_numbers_manufacturers_and_models_are_searched(
    registry_rows, department_officer, query, serials
):
    assert found(department_officer, q=query) == serials


def test_like_wildcards_in_a_query_are_literal():
    assert like_pattern("50%_x") == "%50\\%\\_x%"
    assert like_pattern(" \t ") is None


def test_the_filters(registry_rows, department_officer):
    assert found(department_officer, owner="dh") == ["ĐH-01", "ĐH-02"]
    assert found(department_officer, owner="NOBODY") == []
    assert found(department_officer, owner="bad code!") == []
    assert found(department_officer, type_code="taximeter") == ["KT-02"]
    assert found(department_officer, type_code="\x00") == []
    assert found(department_officer, status="never") == ["ĐH-01", "KT-01"]
    assert found(department_officer, status="overdue") == ["KT-02"]
    assert found(department_officer, admin_unit="615") == ["ĐH-01", "ĐH-02"]
    # A province takes in its districts.
    assert found(department_officer, admin_unit="62") == ["ĐH-01", "ĐH-02", "KT-01"]
    assert found(department_officer, due_before=local_today()) == ["KT-02"]
    # As the lists' query string and the API send it: text, ISO or dd/mm/yyyy.
    assert found(department_officer, due_before=local_today().isoformat()) == ["KT-02"]
    assert found(department_officer, due_before=local_today().strftime("%d/%m/%Y")) == ["KT-02"]
    assert found(department_officer, due_before="") == ["ĐH-01", "ĐH-02", "KT-01", "KT-02"]
    assert found(department_officer, due_before=local_today() + timedelta(days=365)) == ["ĐH-02", "KT-02"]
    assert found(department_officer, q="dak", status="valid") == ["ĐH-02"]
    assert found(department_officer, kind=ItemKind.STANDARD) == ["CHUẨN-1"]


def test_outside_the_department_only_your_own_items_are_found(registry_rows):
    manager = user_with_role(Role.ENTERPRISE_MANAGER, registry_rows["KT"])
    assert found(manager) == ["KT-01", "KT-02"]
    assert found(manager, owner="DH") == []
    assert found(manager, q="dak ha") == []


def test_sorting_follows_a_whitelist(registry_rows, department_officer):
    # (How "Đ" sorts against "K" is the database collation's business: compare within one owner.)
    assert found(department_officer, owner="KT", sort="serial_number") == ["KT-01", "KT-02"]
    assert found(department_officer, owner="KT", sort="-serial_number") == ["KT-02", "KT-01"]
    assert found(department_officer, owner="KT", sort="-created") == ["KT-02", "KT-01"]
    assert found(department_officer, sort="valid_until")[:2] == [
        "KT-02",
        "ĐH-02",
    ]  # soonest first, no date last
    assert found(department_officer, sort="owner")[:2] == ["ĐH-01", "ĐH-02"]  # "Công ty…" before "Cửa hàng…"
    assert found(department_officer, sort="type")[-1] == "KT-02"
    # Huyện Đắk Hà, Huyện Đắk Hà, Thành phố Kon Tum, then no site.
    assert found(department_officer, sort="site") == ["ĐH-01", "ĐH-02", "KT-01", "KT-02"]
    assert found(department_officer, sort="-site") == ["KT-01", "ĐH-02", "ĐH-01", "KT-02"]
    for bad in ("search_text", "id; drop table items", "-", "name"):
        with pytest.raises(ServiceError) as error:
            found(department_officer, sort=bad)
        assert set(error.value.fields) == {"sort"}


@pytest.mark.parametrize(
    "filters, field",
    [({"status": "lost"}, "status"), ({"q": "x" * 201}, "q"), ({"due_before": "tomorrow"}, "due_before")],
)
def test_bad_filters_name_the_field(department_officer, filters, field):
    with pytest.raises(ServiceError) as error:
        filter_conditions(department_officer, ItemKind.INSTRUMENT, ItemFilters(**filters), local_today())
    assert set(error.value.fields) == {field}
