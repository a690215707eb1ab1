"""/api/v1/organisations: tax codes, places, capital, sectors, the derived ownership class; who may change
which field."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import assert_error

ORGS = "/api/v1/organisations"
FULL = {
    "code": "XD-DH",
    "name": "Cửa hàng Xăng dầu Đắk Hà",
    "kinds": ["enterprise"],
    "tax_code": "6100123454001",
    "address": "Thôn 3, thị trấn Đắk Hà",
    "admin_unit": "615",
    "state_capital_pct": 51,
    "foreign_capital_pct": 12.5,
    "public_unit": False,
    "sectors": ["xăng dầu", "khí hoá lỏng"],
}


def _count():
    return db.session.scalar(select(func.count(Organisation.id)))


def test_every_field_round_trips(department_admin_api):
    response = department_admin_api.post(ORGS, json=FULL)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        **FULL,
        "tax_code": "6100123454-001",
        "state_capital_pct": 51.0,
        "ownership_class": "state_capital",
        "version": 1,
    }
    assert department_admin_api.get(f"{ORGS}/XD-DH").get_json() == response.get_json()


def test_a_patch_changes_only_what_it_sends_and_the_class_follows(department_admin_api):
    department_admin_api.post(ORGS, json=FULL)
    response = department_admin_api.patch(
        f"{ORGS}/XD-DH",
        json={"reason": "Thoái vốn nhà nước", "state_capital_pct": 0, "admin_unit": None, "tax_code": None},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state_capital_pct"], body["foreign_capital_pct"], body["ownership_class"]) == (
        0.0,
        12.5,
        "fdi",
    )
    assert (body["admin_unit"], body["tax_code"], body["sectors"]) == (None, None, FULL["sectors"])
    assert body["version"] == 2


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"tax_code": "6100123455"}, "tax_code"),
        ({"tax_code": 6100123454}, "tax_code"),
        ({"tax_code": "0100109106-000"}, "tax_code"),
        ({"admin_unit": "999"}, "admin_unit"),
        ({"admin_unit": 615}, "admin_unit"),
        ({"state_capital_pct": "51"}, "state_capital_pct"),
        ({"state_capital_pct": True}, "state_capital_pct"),
        ({"state_capital_pct": -1}, "state_capital_pct"),
        ({"state_capital_pct": 100.5}, "state_capital_pct"),
        ({"state_capital_pct": 12.345}, "state_capital_pct"),
        ({"state_capital_pct": None}, "state_capital_pct"),
        ({"foreign_capital_pct": 49.01}, "foreign_capital_pct"),  # 51 + 49.01 > 100
        ({"public_unit": 1}, "public_unit"),
        ({"public_unit": "true"}, "public_unit"),
        ({"sectors": "xăng dầu"}, "sectors"),
        ({"sectors": ["x" * 81]}, "sectors"),
        ({"sectors": [str(n) for n in range(21)]}, "sectors"),
        ({"address": "x" * 501}, "address"),
        ({"ownership_class": "fdi"}, "ownership_class"),
    ],
)
def test_bad_details_are_refused_by_field(department_admin_api, changes, field):
    before = _count()
    error = assert_error(department_admin_api.post(ORGS, json={**FULL, **changes}), 422, "validation_error")
    assert {key.split(".")[0] for key in error["fields"]} == {field}, error
    assert _count() == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(department_admin_api, literal):
    body = json.dumps(FULL).replace('"state_capital_pct": 51', f'"state_capital_pct": {literal}')
    error = assert_error(department_admin_api.post(ORGS, data=body, content_type="application/json"), 422)
    assert set(error["fields"]) == {"state_capital_pct"}


def test_text_is_stored_composed(department_admin_api):
    nfd = unicodedata.normalize("NFD", "Thôn Kon Klor, Đắk Hà")
    response = department_admin_api.post(
        ORGS, json={**FULL, "address": nfd, "sectors": [unicodedata.normalize("NFD", "Y tế")]}
    )
    assert response.get_json()["address"] == "Thôn Kon Klor, Đắk Hà"
    assert response.get_json()["sectors"] == ["Y tế"]


@pytest.mark.parametrize("role", [Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER])
def test_a_manager_patches_its_own_contact_details_only(api, role):
    manager = user_with_role(role)
    other = OrganisationFactory()
    db.session.commit()
    http = api(manager)
    own = f"{ORGS}/{manager.organisation.code}"
    response = http.patch(
        own, json={"reason": "Chuyển", "address": "Số 9", "admin_unit": "611", "sectors": ["điện"]}
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["address"], response.get_json()["admin_unit"]) == ("Số 9", "611")
    for field, value in (
        ("name", "Khác"),
        ("public_unit", True),
        ("foreign_capital_pct", 10),
        ("tax_code", None),
        ("kinds", ["provider"]),
    ):
        assert_error(
            http.patch(own, json={"reason": "Thử", "address": "Số 10", field: value}), 403, "forbidden"
        )
    assert_error(http.patch(f"{ORGS}/{other.code}", json={"reason": "Thử", "address": "Số 1"}), 404)
    db.session.expire_all()
    assert db.session.get(Organisation, manager.organisation_id).address == "Số 9"


@pytest.mark.parametrize("role", [Role.ENTERPRISE_VIEWER, Role.PROVIDER_TECHNICIAN])
def test_viewers_and_technicians_patch_nothing(api, role):
    user = user_with_role(role)
    db.session.commit()
    response = api(user).patch(f"{ORGS}/{user.organisation.code}", json={"reason": "Thử", "address": "Số 1"})
    assert_error(response, 403, "forbidden")


def test_the_openapi_document_describes_the_new_fields(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    properties = spec["components"]["schemas"]["Organisation"]["properties"]
    # The shape only: the range is the service's rule, which the description states.
    assert properties["state_capital_pct"]["type"] == "number"
    assert "0–100" in properties["state_capital_pct"]["description"]
    assert "100" in properties["foreign_capital_pct"]["description"]
    assert properties["public_unit"]["type"] == "boolean"
    assert properties["ownership_class"]["readOnly"] is True
    assert properties["ownership_class"]["enum"] == ["public_unit", "state_capital", "fdi", "private"]
