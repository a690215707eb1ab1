"""/api/v1/registrations, /accreditations, /designations, /verifiers."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.extensions import db
from registry.organisations.models import Accreditation, Designation, Registration, Verifier
from tests.factories import (
    AccreditationFactory,
    DesignationFactory,
    OrganisationFactory,
    RegistrationFactory,
    VerifierFactory,
    user_with_role,
)
from tests.helpers import assert_error

API = "/api/v1"
BODIES = {
    "registrations": {
        "certificate_number": "ĐK-12/2024",
        "services": ["verification", "calibration"],
        "fields": "Khối lượng",
        "issued_on": "2024-01-10",
    },
    "accreditations": {
        "scheme": "ISO/IEC 17025",
        "body": "BoA",
        "number": "VILAS 216",
        "scope": [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"}, {"quantity": "pressure"}],
        "valid_from": "2024-01-01",
        "valid_to": "2099-01-01",
    },
    "designations": {
        "decision_number": "12/QĐ-TĐC",
        "type_codes": ["TAXIMETER", "FUEL_DISPENSER"],
        "scope": [{"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}],
        "valid_from": "2024-01-01",
        "valid_to": "2099-01-01",
    },
    "verifiers": {
        "name": "Nguyễn Văn Kiểm",
        "card_number": "KĐV-12",
        "type_codes": ["TAXIMETER"],
        "valid_from": "2024-01-01",
        "valid_to": "2099-01-01",
    },
}
MODELS = {
    "registrations": Registration,
    "accreditations": Accreditation,
    "designations": Designation,
    "verifiers": Verifier,
}
FACTORIES = {
    "registrations": RegistrationFactory,
    "accreditations": AccreditationFactory,
    "designations": DesignationFactory,
    "verifiers": VerifierFactory,
}
COMMON = {"id", "organisation", "state", "confirmation", "confirmed_at", "version"}
FIELDS = {
    "registrations": COMMON | {"certificate_number", "services", "fields", "issued_on", "revoked_on"},
    "accreditations": COMMON | {"scheme", "body", "number", "scope", "valid_from", "valid_to", "suspension"},
    "designations": COMMON | {"decision_number", "type_codes", "scope", "valid_from", "valid_to"},
    "verifiers": COMMON | {"name", "card_number", "type_codes", "valid_from", "valid_to"},
}


def _count(path):
    return db.session.scalar(select(func.count(MODELS[path].id)))


@pytest.mark.parametrize("path", list(BODIES))
def test_a_provider_manager_enters_its_own_credential_pending(api, new_lab_manager, path):
    response = api(new_lab_manager).post(f"{API}/{path}", json=BODIES[path])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == FIELDS[path]
    assert body["organisation"] == new_lab_manager.organisation.code
    assert (body["state"], body["confirmation"], body["confirmed_at"], body["version"]) == (
        "valid",
        "pending",
        None,
        1,
    )
    assert _count(path) == 1


def test_the_response_carries_what_was_stored(api, new_lab_manager):
    http = api(new_lab_manager)
    designation = http.post(f"{API}/designations", json=BODIES["designations"]).get_json()
    # In the order of type_codes, each with the range a scope entry gives it.
    assert designation["type_codes"] == ["TAXIMETER", "FUEL_DISPENSER"]
    assert designation["scope"] == [
        {"type_code": "TAXIMETER", "range": ""},
        {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"},
    ]
    # A type named only in the scope is designated too, after those of type_codes.
    only_in_scope = http.post(
        f"{API}/designations",
        json={
            **BODIES["designations"],
            "decision_number": "13/QĐ-TĐC",
            "type_codes": ["taximeter"],
            "scope": [{"type_code": "fuel_dispenser", "range": "≤ 100 L/min"}],
        },
    )
    assert only_in_scope.status_code == 201, only_in_scope.get_json()
    assert only_in_scope.get_json()["type_codes"] == ["TAXIMETER", "FUEL_DISPENSER"]
    assert only_in_scope.get_json()["scope"] == [
        {"type_code": "TAXIMETER", "range": ""},
        {"type_code": "FUEL_DISPENSER", "range": "≤ 100 L/min"},
    ]
    accreditation = http.post(f"{API}/accreditations", json=BODIES["accreditations"]).get_json()
    assert accreditation["scope"][1] == {"quantity": "pressure", "range": "", "cmc": ""}
    assert accreditation["suspension"] is None
    registration = http.post(f"{API}/registrations", json=BODIES["registrations"]).get_json()
    assert (registration["fields"], registration["revoked_on"]) == ("Khối lượng", None)


def test_the_department_enters_any_provider_s_credential_confirmed(api, department_admin):
    provider = OrganisationFactory(provider=True, code="LAB-1")
    db.session.commit()
    response = api(department_admin).post(
        f"{API}/registrations", json={**BODIES["registrations"], "organisation": "lab-1"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["organisation"], body["confirmation"]) == ("LAB-1", "confirmed")
    assert body["confirmed_at"] is not None
    assert db.session.scalars(select(Registration)).one().organisation_id == provider.id
    # Without an organisation, the Department is asked for one.
    error = assert_error(
        api(department_admin).post(f"{API}/registrations", json=BODIES["registrations"]), 422
    )
    assert set(error["fields"]) == {"organisation"}


def test_another_organisation_s_code_answers_as_an_unknown_one(api, new_lab_manager):
    other = OrganisationFactory(provider=True)
    db.session.commit()
    http = api(new_lab_manager)
    hidden = assert_error(
        http.post(f"{API}/verifiers", json={**BODIES["verifiers"], "organisation": other.code}), 422
    )
    unknown = assert_error(
        http.post(f"{API}/verifiers", json={**BODIES["verifiers"], "organisation": "NO-SUCH"}), 422
    )
    assert hidden == unknown
    assert set(hidden["fields"]) == {"organisation"}
    assert _count("verifiers") == 0


@pytest.mark.parametrize("role", [Role.PROVIDER_TECHNICIAN, Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER])
def test_others_may_not_enter_credentials_whatever_the_body(api, role):
    user = user_with_role(role)
    db.session.commit()
    for path, body in BODIES.items():
        assert_error(api(user).post(f"{API}/{path}", json=body), 403, "forbidden")
        assert_error(api(user).post(f"{API}/{path}", json={"bogus": 1}), 403, "forbidden")
        assert _count(path) == 0


def test_an_enterprise_is_not_a_provider(api, department_admin):
    OrganisationFactory(code="ENT")
    db.session.commit()
    error = assert_error(
        api(department_admin).post(
            f"{API}/registrations", json={**BODIES["registrations"], "organisation": "ENT"}
        ),
        422,
    )
    assert set(error["fields"]) == {"organisation"}


@pytest.mark.parametrize(
    "path, changes, field",
    [
        ("registrations", {"certificate_number": ""}, "certificate_number"),
        ("registrations", {"certificate_number": "   "}, "certificate_number"),
        ("registrations", {"certificate_number": None}, "certificate_number"),
        ("registrations", {"services": []}, "services"),
        ("registrations", {"services": ["repair"]}, "services"),
        ("registrations", {"services": "calibration"}, "services"),
        ("registrations", {"issued_on": "10/13/2024"}, "issued_on"),
        ("registrations", {"issued_on": "10 Jan 2024"}, "issued_on"),
        ("registrations", {"issued_on": "2024-02-30"}, "issued_on"),
        ("registrations", {"revoked_on": "2025-01-01"}, "revoked_on"),  # the Department's, by amendment
        ("registrations", {"fields": 5}, "fields"),
        ("accreditations", {"scheme": "ISO 14001"}, "scheme"),
        ("accreditations", {"valid_to": "2023-12-31"}, "valid_to"),
        ("accreditations", {"scope": [{"quantity": "mass", "uncertainty": "1 g"}]}, "scope"),
        ("accreditations", {"scope": [{"range": "1 kg"}]}, "scope"),
        ("accreditations", {"scope": [{"quantity": ""}]}, "scope"),
        ("accreditations", {"scope": "mass"}, "scope"),
        ("accreditations", {"suspension": "suspended"}, "suspension"),
        ("designations", {"type_codes": [], "scope": []}, "type_codes"),
        ("designations", {"type_codes": "TAXIMETER"}, "type_codes"),
        ("designations", {"type_codes": ["NO_SUCH_TYPE"]}, "type_codes"),
        ("designations", {"type_codes": ["a\u0000b"]}, "type_codes"),
        ("designations", {"type_codes": ["TAXIMETER", "taximeter"]}, "type_codes"),
        ("designations", {"scope": [{"type_code": "TAXIMETER", "cmc": "1"}]}, "scope"),
        ("designations", {"valid_from": "2100-01-01"}, "valid_to"),
        ("verifiers", {"type_codes": ["NO_SUCH_TYPE"]}, "type_codes"),
        ("verifiers", {"card_number": "x" * 61}, "card_number"),
        ("verifiers", {"name": "Tên\u0007"}, "name"),
        ("verifiers", {"valid_to": None}, "valid_to"),
        ("verifiers", {"valid_from": None}, "valid_from"),
        ("verifiers", {"valid_from": "2100-01-01"}, "valid_to"),
        ("verifiers", {"state": "valid"}, "state"),
        ("verifiers", {"id": 5}, "id"),
    ],
)
def test_bad_credentials_are_refused_by_field_and_nothing_is_stored(
    api, new_lab_manager, path, changes, field
):
    error = assert_error(
        api(new_lab_manager).post(f"{API}/{path}", json={**BODIES[path], **changes}), 422, "validation_error"
    )
    assert {key.split(".")[0] for key in error["fields"]} == {field}, error
    assert _count(path) == 0


@pytest.mark.parametrize(
    "scope",
    [
        [{"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min", "cmc": "1"}],
        [{"type_code": "FUEL_DISPENSER", "range": "x" * 121}],
        [{"type_code": "FUEL_DISPENSER", "range": 200}],
    ],
    ids=["unknown key", "overlong range", "range not text"],
)
def test_a_wrong_scope_entry_of_a_designation_is_named_on_scope(api, new_lab_manager, scope):
    """The client sent the wrong value in ``scope``: the error names ``scope``, not ``type_codes``."""
    body = {**BODIES["designations"], "scope": scope}
    error = assert_error(api(new_lab_manager).post(f"{API}/designations", json=body), 422)
    assert set(error["fields"]) == {"scope"}, error
    assert _count("designations") == 0


def test_numbers_are_recorded_once_per_provider_and_stored_composed(api, new_lab_manager):
    http = api(new_lab_manager)
    nfd = unicodedata.normalize("NFD", "KĐV-Đắk Hà")
    assert http.post(f"{API}/verifiers", json={**BODIES["verifiers"], "card_number": nfd}).status_code == 201
    assert db.session.scalars(select(Verifier)).one().card_number == "KĐV-Đắk Hà"
    error = assert_error(
        http.post(f"{API}/verifiers", json={**BODIES["verifiers"], "card_number": "KĐV-Đắk Hà"}), 422
    )
    assert set(error["fields"]) == {"card_number"}


def test_lists_show_each_caller_what_it_may_see_with_filters(api, new_lab_manager, department_admin):
    own = RegistrationFactory(organisation=new_lab_manager.organisation, confirmation="pending")
    other = RegistrationFactory()
    db.session.commit()
    mine = api(new_lab_manager).get(f"{API}/registrations").get_json()
    assert [item["id"] for item in mine["items"]] == [own.id]
    assert (
        api(new_lab_manager)
        .get(f"{API}/registrations", query_string={"organisation": other.organisation.code})
        .get_json()["items"]
        == []
    )
    everything = api(department_admin).get(f"{API}/registrations").get_json()
    assert {item["id"] for item in everything["items"]} == {own.id, other.id}
    filtered = api(department_admin).get(
        f"{API}/registrations", query_string={"organisation": other.organisation.code.lower()}
    )
    assert [item["id"] for item in filtered.get_json()["items"]] == [other.id]
    pending = (
        api(department_admin).get(f"{API}/registrations", query_string={"confirmation": "pending"}).get_json()
    )
    assert [item["id"] for item in pending["items"]] == [own.id]
    # Something that cannot be a code names no organisation, as an unknown code does: an empty list.
    for query in ({"organisation": "a\x00b"}, {"organisation": "NO-SUCH"}, {"organisation": "x" * 41}):
        assert api(department_admin).get(f"{API}/registrations", query_string=query).get_json()["items"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ({"confirmation": "maybe"}, "confirmation"),
        ({"q": "x"}, "q"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "zzz"}, "cursor"),
    ],
    ids=["unknown confirmation", "unknown parameter", "limit", "cursor"],
)
def test_bad_list_queries_are_named(api, department_admin, query, field):
    error = assert_error(api(department_admin).get(f"{API}/verifiers", query_string=query), 422)
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize("path", list(BODIES))
def test_lists_walk_every_page_once(api, department_admin, path):
    provider = OrganisationFactory(provider=True)
    made = {FACTORIES[path](organisation=provider).id for _ in range(5)}
    db.session.commit()
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api(department_admin).get(f"{API}/{path}", query_string=query).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5 and set(seen) == made


def test_states_are_given_for_today(api, department_admin):
    today = local_today()
    AccreditationFactory(
        valid_from=today.replace(year=today.year - 2), valid_to=today.replace(year=today.year - 1)
    )
    AccreditationFactory(suspension="withdrawn")
    RegistrationFactory(revoked_on=today)
    db.session.commit()
    accreditations = api(department_admin).get(f"{API}/accreditations").get_json()["items"]
    assert sorted(item["state"] for item in accreditations) == ["lapsed", "withdrawn"]
    assert [
        item["state"] for item in api(department_admin).get(f"{API}/registrations").get_json()["items"]
    ] == ["revoked"]


def test_the_openapi_document_lists_the_credential_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in BODIES:
        assert {"get", "post"} <= set(spec["paths"][f"{API}/{path}"])
    registration = spec["components"]["schemas"]["Registration"]["properties"]
    assert "fields" in registration and registration["state"]["enum"][0] == "valid"
