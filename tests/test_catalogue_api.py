"""GET /api/v1/instrument-types: the catalogue for any token holder, paginated, searchable."""

from __future__ import annotations

import unicodedata

import pytest

from registry.auth.models import Role
from registry.extensions import db
from tests.factories import user_with_role
from tests.helpers import assert_error

TYPES = "/api/v1/instrument-types"


@pytest.fixture
def enterprise_viewer_api(api, enterprise_viewer):
    return api(enterprise_viewer)


def test_any_token_reads_the_whole_catalogue_page_by_page(enterprise_viewer_api):
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 40} if cursor is None else {"limit": 40, "cursor": cursor}
        response = enterprise_viewer_api.get(TYPES, query_string=query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 89


def test_a_type_has_its_rules_by_period(enterprise_viewer_api):
    response = enterprise_viewer_api.get(f"{TYPES}/taximeter")
    assert response.status_code == 200
    assert response.get_json() == {
        "code": "TAXIMETER",
        "name_vi": "Taximet",
        "name_en": "Taximeter",
        "quantity": "distance/time",
        "group2": True,
        "needs_verification": True,
        "rules": [
            {
                "controls": ["PA", "IV", "PV", "RV"],
                "cycle_months": 12,
                "legal_basis": "TT 23/2013",
                "effective_from": "2013-11-15",
                "effective_to": "2019-12-31",
                "confidence": "verify",
                "note": "2013 value from a secondary source",
            },
            {
                "controls": ["PA", "IV", "PV", "RV"],
                "cycle_months": 18,
                "legal_basis": "TT 23/2013 amended by TT 07/2019",
                "effective_from": "2020-01-01",
                "effective_to": None,
                "confidence": "source",
                "note": "",
            },
        ],
        "version": 1,
    }


def test_rules_without_periodic_verification_or_confirmed_controls(enterprise_viewer_api):
    tape = enterprise_viewer_api.get(f"{TYPES}/TAPE_MEASURE").get_json()
    assert tape["needs_verification"] is False
    assert [(r["controls"], r["cycle_months"]) for r in tape["rules"]] == [(["IV"], None)]
    charger = enterprise_viewer_api.get(f"{TYPES}/EV_CHARGER_AC_CAR").get_json()
    assert [(r["controls"], r["cycle_months"], r["confidence"]) for r in charger["rules"]] == [
        ([], 36, "verify")
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "công tơ điện 3 pha"}, ["ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"]),
        (
            {"q": unicodedata.normalize("NFD", "CÔNG TƠ ĐIỆN 3 pha")},
            ["ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"],
        ),
        ({"q": "cong to dien 3 pha"}, ["ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"]),
        ({"q": "taximeter"}, ["TAXIMETER"]),
        ({"quantity": "density"}, ["HYDROMETER"]),
        ({"quantity": "mass", "q": "can o to"}, ["SCALE_VEHICLE", "SCALE_VEHICLE_LOAD_CONTROL"]),
        ({"quantity": "no such quantity"}, []),
        ({"q": "không có"}, []),
    ],
)
def test_filters(enterprise_viewer_api, query, expected):
    response = enterprise_viewer_api.get(TYPES, query_string=query)
    assert response.status_code == 200
    assert sorted(item["code"] for item in response.get_json()["items"]) == expected


def test_a_filtered_list_pages_too(enterprise_viewer_api):
    first = enterprise_viewer_api.get(TYPES, query_string={"quantity": "mass", "limit": 10}).get_json()
    assert len(first["items"]) == 10 and first["next_cursor"]
    second = enterprise_viewer_api.get(
        TYPES, query_string={"quantity": "mass", "limit": 10, "cursor": first["next_cursor"]}
    )
    assert len(second.get_json()["items"]) == 3 and second.get_json()["next_cursor"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"quantity": "m\x00ass"}, "quantity"),
        ({"quantity": "x" * 61}, "quantity"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "zzz"}, "cursor"),
        ({"code": "TAXIMETER"}, "code"),
    ],
)
def test_bad_query_parameters_are_refused_by_name(enterprise_viewer_api, query, field):
    error = assert_error(enterprise_viewer_api.get(TYPES, query_string=query), 422, "validation_error")
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize(
    "query, field, vietnamese, english",
    [
        ({"q": "x" * 201}, "q", "Dùng tối đa 200 ký tự.", "Use at most 200 characters."),
        ({"quantity": "x" * 61}, "quantity", "Dùng tối đa 60 ký tự.", "Use at most 60 characters."),
    ],
    ids=["q", "quantity"],
)
def test_a_too_long_query_is_refused_in_the_callers_language(
    enterprise_viewer_api, query, field, vietnamese, english
):
    """The same message as the service's (and the item lists'), Vietnamese by default."""
    error = assert_error(enterprise_viewer_api.get(TYPES, query_string=query), 422, "validation_error")
    assert error["fields"] == {field: vietnamese}
    error = assert_error(
        enterprise_viewer_api.get(TYPES, query_string=query, headers={"Accept-Language": "en"}), 422
    )
    assert error["fields"] == {field: english}


@pytest.mark.parametrize("code", ["NO-SUCH", "%00", "a%00b", "%F0%9F%98%80", "x" * 300])
def test_unknown_codes_answer_404(enterprise_viewer_api, code):
    assert_error(enterprise_viewer_api.get(f"{TYPES}/{code}"), 404, "not_found")


def test_a_query_parameter_on_one_type_is_refused(enterprise_viewer_api):
    error = assert_error(
        enterprise_viewer_api.get(f"{TYPES}/TAXIMETER", query_string={"fields": "code"}), 422
    )
    assert set(error["fields"]) == {"fields"}


def test_the_catalogue_is_read_only(enterprise_viewer_api, api):
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    db.session.commit()
    for client in (enterprise_viewer_api, api(admin)):
        assert_error(client.post(TYPES, json={"code": "X"}), 405)
        assert_error(client.patch(f"{TYPES}/TAXIMETER", json={"reason": "x"}), 405)


def test_without_a_token_the_catalogue_is_401(client):
    assert_error(client.get(TYPES), 401)
    assert_error(client.get(f"{TYPES}/TAXIMETER"), 401)


def test_the_openapi_document_describes_the_catalogue(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/instrument-types", "/api/v1/instrument-types/{code}"} <= set(spec["paths"])
    rule = spec["components"]["schemas"]["LegalRule"]["properties"]
    assert rule["controls"]["items"]["enum"] == ["PA", "IV", "PV", "RV"]
    parameters = {p["name"] for p in spec["paths"]["/api/v1/instrument-types"]["get"]["parameters"]}
    assert parameters >= {"q", "quantity", "limit", "cursor"}
