"""The JSON API: bearer tokens, one error shape, cursor pagination, and the organisations endpoints."""

from __future__ import annotations

import base64
import functools
import json
import unicodedata

import pytest
import schemathesis
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.audit.services import history
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory
from tests.helpers import assert_error

ORGS = "/api/v1/organisations"
# An organisation's fields when only its code, name and kinds were given.
NO_DETAILS = {
    "tax_code": None,
    "address": "",
    "admin_unit": None,
    "state_capital_pct": 0.0,
    "foreign_capital_pct": 0.0,
    "public_unit": False,
    "ownership_class": "private",
    "sectors": [],
}


@pytest.fixture
def enterprise_manager_api(api, enterprise_manager):
    return api(enterprise_manager)


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _organisation(code: str) -> Organisation:
    db.session.expire_all()
    organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
    assert organisation is not None
    return organisation


# --- Tokens ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "bearer"],
    ids=["missing", "unknown token", "empty token", "basic", "scheme only"],
)
def test_requests_without_a_valid_token_are_refused(client, department_admin, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get(ORGS, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_enough(client, auth, department_admin):
    auth.login(department_admin.email)
    assert client.get("/").status_code == 200
    assert_error(client.get(ORGS), 401, "unauthorized")


def test_a_deactivated_user_s_token_stops_working(api, department_admin):
    as_admin = api(department_admin)
    assert as_admin.get(ORGS).status_code == 200
    with audit.reason("test set-up"):
        department_admin.active = False
    db.session.commit()
    assert_error(as_admin.get(ORGS), 401)


# --- The OpenAPI document -------------------------------------------------------------------------------


def test_openapi_document_is_public_and_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(spec).validate()  # the official OpenAPI 3.0 meta-schema

    assert spec["components"]["securitySchemes"] == {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    assert spec["security"] == [{"bearerAuth": []}]
    assert "/api/v1/openapi.json" not in spec["paths"]
    error_body = spec["components"]["schemas"]["ErrorBody"]
    assert set(error_body["required"]) == {"code", "message", "fields"}
    assert spec["components"]["schemas"]["Error"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "PaginationMetadata" not in spec["components"]["schemas"]

    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert {(path, method) for path, method, _ in operations} >= {
        (ORGS, "get"),
        (ORGS, "post"),
        (ORGS + "/{code}", "get"),
        (ORGS + "/{code}", "patch"),
    }
    for path, method, operation in operations:
        if method == "parameters":
            continue
        if path.startswith("/api/v1/public/"):
            # The public carve-out (tests/test_api_public.py): no token, so no 401.
            assert operation["security"] == [] and "401" not in operation["responses"], (path, method)
            continue
        assert "security" not in operation, (path, method)  # the document-wide bearerAuth applies
        responses = operation["responses"]
        assert responses["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, (path, method)
        assert responses["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}, (path, method)
    for name in (
        "DEFAULT_ERROR",
        "UNAUTHORIZED",
        "NOT_FOUND",
        "CONFLICT",
        "FORBIDDEN",
        "UNPROCESSABLE_ENTITY",
    ):
        content = spec["components"]["responses"][name]["content"]
        assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}, name


# --- Listing and cursor pagination ----------------------------------------------------------------------


def test_listing_walks_every_page_once(department_admin_api):
    OrganisationFactory.create_batch(7)
    db.session.commit()
    everything = set(db.session.scalars(select(Organisation.code)))
    assert len(everything) == 8  # the seven and the admin's Department

    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        response = department_admin_api.get(ORGS, query_string=query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        pages += 1
        seen += [item["code"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["items"]) == 3
    assert pages == 3
    assert len(seen) == len(set(seen)) == 8
    assert set(seen) == everything


def test_without_a_limit_a_page_has_the_default_size(app, department_admin_api):
    OrganisationFactory.create_batch(3)
    db.session.commit()
    body = department_admin_api.get(ORGS).get_json()
    assert len(body["items"]) == 4 <= app.config["API_PAGE_DEFAULT"]
    assert body["next_cursor"] is None
    item = next(item for item in body["items"] if item["code"].startswith("ORG"))
    assert set(item) == {
        "code",
        "name",
        "kinds",
        "tax_code",
        "address",
        "admin_unit",
        "state_capital_pct",
        "foreign_capital_pct",
        "public_unit",
        "ownership_class",
        "sectors",
        "version",
    }


@pytest.mark.parametrize(
    "cursor",
    [
        "zzz",
        "!!!",
        _cursor({"after": "1"}),
        _cursor([1]),
        _cursor({"after": 2**70}),
        _cursor({"after": -1}),
        "é",
    ],
)
def test_an_invalid_cursor_is_refused(department_admin_api, cursor):
    error = assert_error(
        department_admin_api.get(ORGS, query_string={"cursor": cursor}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"cursor"}


@pytest.mark.parametrize("limit", ["0", "501", "abc", "-1", "1.5"])
def test_limit_must_be_between_1_and_500(department_admin_api, limit):
    error = assert_error(
        department_admin_api.get(ORGS, query_string={"limit": limit}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"limit"}


@pytest.mark.parametrize(
    "method, path, query",
    [
        ("get", ORGS, {"page": "2"}),
        ("get", ORGS, {"limit": "3", "limt": "3"}),
        ("get", f"{ORGS}/ORG-X", {"fields": "name"}),
        ("head", f"{ORGS}/ORG-X", {"x": "1"}),
        ("post", ORGS, {"dry_run": "1"}),
        ("patch", f"{ORGS}/ORG-X", {"force": "1"}),
    ],
)
def test_unknown_query_parameters_are_refused_not_ignored(department_admin_api, method, path, query):
    OrganisationFactory(code="ORG-X")
    db.session.commit()
    body = {"code": "NEW", "name": "Mới", "kinds": ["enterprise"]} if method == "post" else {"reason": "Thử"}
    kwargs = {"json": body} if method in {"post", "patch"} else {}
    response = getattr(department_admin_api, method)(path, query_string=query, **kwargs)
    if method == "head":
        assert response.status_code == 422
        return
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == set(query) - {"limit"}
    assert db.session.scalar(select(Organisation).where(Organisation.code == "NEW")) is None


@pytest.mark.parametrize("limit", ["1", "500"])
def test_limit_bounds_are_accepted(department_admin_api, limit):
    assert department_admin_api.get(ORGS, query_string={"limit": limit}).status_code == 200


# --- Creating -------------------------------------------------------------------------------------------


def test_the_department_registers_an_organisation(department_admin_api):
    response = department_admin_api.post(
        ORGS,
        json={"code": "ctcp-dl.01", "name": "  Công ty CP Đo lường  ", "kinds": ["enterprise", "provider"]},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "code": "CTCP-DL.01",
        "name": "Công ty CP Đo lường",
        "kinds": ["enterprise", "provider"],
        **NO_DETAILS,
        "version": 1,
    }
    organisation = _organisation("CTCP-DL.01")
    assert organisation.is_enterprise and organisation.is_provider and not organisation.is_department
    assert department_admin_api.get(f"{ORGS}/ctcp-dl.01").get_json()["code"] == "CTCP-DL.01"


def test_a_code_is_read_as_the_form_reads_it(department_admin_api):
    """Spaces around a code are dropped and it is stored in upper case, as the web form does."""
    response = department_admin_api.post(
        ORGS, json={"code": " abc ", "name": "Công ty ABC", "kinds": ["enterprise"]}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["code"] == "ABC"
    assert _organisation("ABC").name == "Công ty ABC"


def test_a_duplicate_code_is_refused_whatever_its_case(department_admin_api):
    OrganisationFactory(code="DUP-1")
    db.session.commit()
    response = department_admin_api.post(
        ORGS, json={"code": "dup-1", "name": "Bản sao", "kinds": ["enterprise"]}
    )
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"code"}
    assert "DUP-1" in error["fields"]["code"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "NONAME", "kinds": ["enterprise"]}, "name"),
        ({"code": "BLANK", "name": "   ", "kinds": ["enterprise"]}, "name"),
        ({"code": "CTRL", "name": "Tên\x00lạ", "kinds": ["enterprise"]}, "name"),
        ({"name": "Không mã", "kinds": ["enterprise"]}, "code"),
        ({"code": "có dấu", "name": "Mã có dấu", "kinds": ["enterprise"]}, "code"),
        ({"code": "X" * 41, "name": "Mã dài", "kinds": ["enterprise"]}, "code"),
        ({"code": "NOKIND", "name": "Không loại", "kinds": []}, "kinds"),
        ({"code": "NOKIND", "name": "Không loại", "kinds": "enterprise"}, "kinds"),
        ({"code": "UNKNOWN", "name": "Loại lạ", "kinds": ["laboratory"]}, "kinds"),
        ({"code": "EXTRA", "name": "Thừa", "kinds": ["enterprise"], "bogus": 1}, "bogus"),
        ({"code": "RO", "name": "Chỉ đọc", "kinds": ["enterprise"], "version": 7}, "version"),
        ({"code": 12, "name": "Số", "kinds": ["enterprise"]}, "code"),
    ],
)
def test_invalid_organisations_are_refused_field_by_field(department_admin_api, body, field):
    error = assert_error(department_admin_api.post(ORGS, json=body), 422, "validation_error")
    assert {key.split(".")[0] for key in error["fields"]} == {field}, error
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1  # the admin's own


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("{not json", "application/json", 400),
        ('"just a string"', "application/json", 422),
        ("[1, 2]", "application/json", 422),
        ("code=X&name=Y", "application/x-www-form-urlencoded", 422),
        ("plain words", "text/plain", 422),
        (b"\xff\xfe\x00", "application/json", 400),
        ('{"code": "S", "name": "a\\ud800b", "kinds": ["enterprise"]}', "application/json", 400),
        ('{"code": "S", "name": "S", "kinds": ["enterprise"], "\\udfff": 1}', "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_in_our_shape(
    department_admin_api, data, content_type, status
):
    response = department_admin_api.post(
        ORGS, data=data, content_type=content_type, headers={"Accept-Language": "en"}
    )
    error = assert_error(response, status)
    if status == 400:
        assert error["message"] == "The request body is not valid JSON."


def test_vietnamese_names_are_stored_composed(department_admin_api):
    composed = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    response = department_admin_api.post(
        ORGS, json={"code": "NFD", "name": decomposed, "kinds": ["provider"]}
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == composed
    assert _organisation("NFD").name == composed

    renamed = "Trung tâm Đo lường Việt Nam"
    nfd = functools.partial(unicodedata.normalize, "NFD")
    patched = department_admin_api.patch(f"{ORGS}/NFD", json={"reason": nfd("Sửa tên"), "name": nfd(renamed)})
    assert patched.get_json()["name"] == renamed
    assert _organisation("NFD").name == renamed
    assert history("organisations", _organisation("NFD").id)[-1].reason == "Sửa tên"


def test_only_the_department_registers_organisations(enterprise_manager_api):
    body = {"code": "NEW", "name": "Tổ chức mới", "kinds": ["enterprise"]}
    assert_error(enterprise_manager_api.post(ORGS, json=body), 403, "forbidden")
    # Refused before the body is looked at: the same answer for a bad one.
    assert_error(enterprise_manager_api.post(ORGS, json={"bogus": True}), 403, "forbidden")
    assert db.session.scalar(select(Organisation).where(Organisation.code == "NEW")) is None


# --- Reading: other organisations are invisible ---------------------------------------------------------


def test_an_enterprise_sees_only_its_own_organisation(enterprise_manager_api, enterprise_manager):
    other = OrganisationFactory()
    db.session.commit()
    own = enterprise_manager.organisation.code
    body = enterprise_manager_api.get(ORGS).get_json()
    assert [item["code"] for item in body["items"]] == [own]
    assert enterprise_manager_api.get(f"{ORGS}/{own.lower()}").status_code == 200
    error = assert_error(enterprise_manager_api.get(f"{ORGS}/{other.code}"), 404, "not_found")
    assert error["fields"] == {"code": "Không tìm thấy tổ chức."}
    # The same answer as for a code that does not exist at all.
    assert (
        enterprise_manager_api.get(f"{ORGS}/NO-SUCH-CODE").get_json()
        == enterprise_manager_api.get(f"{ORGS}/{other.code}").get_json()
    )


def test_the_department_sees_every_organisation(department_admin_api):
    other = OrganisationFactory()
    db.session.commit()
    assert department_admin_api.get(f"{ORGS}/{other.code}").get_json()["name"] == other.name


@pytest.mark.parametrize("code", ["NO-SUCH", "%00", "a%00b", "%F0%9F%98%80", "x" * 300])
def test_unknown_codes_answer_404(department_admin_api, code):
    assert_error(department_admin_api.get(f"{ORGS}/{code}"), 404, "not_found")


# --- Changing -------------------------------------------------------------------------------------------


@pytest.fixture
def target():
    organisation = OrganisationFactory(code="TARGET", name="Công ty Cũ")
    db.session.commit()
    return organisation


def test_a_change_needs_a_reason(department_admin_api, target):
    error = assert_error(
        department_admin_api.patch(f"{ORGS}/TARGET", json={"name": "Công ty Mới"}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"reason"}
    error = assert_error(
        department_admin_api.patch(f"{ORGS}/TARGET", json={"name": "Công ty Mới", "reason": "  "}), 422
    )
    assert set(error["fields"]) == {"reason"}
    assert _organisation("TARGET").name == "Công ty Cũ"


def test_a_stale_version_is_refused_and_changes_nothing(department_admin_api, target):
    assert (
        department_admin_api.patch(
            f"{ORGS}/TARGET", json={"reason": "Đổi tên", "name": "Lần một", "version": 1}
        ).status_code
        == 200
    )
    response = department_admin_api.patch(
        f"{ORGS}/TARGET", json={"reason": "Đổi tên", "name": "Lần hai", "version": 1}
    )
    error = assert_error(response, 409, "conflict")
    assert set(error["fields"]) == {"version"}
    organisation = _organisation("TARGET")
    assert (organisation.name, organisation.version) == ("Lần một", 2)
    assert [event.new_values.get("name") for event in history("organisations", organisation.id)] == [
        "Công ty Cũ",
        "Lần một",
    ]


def test_a_change_bumps_the_version_and_is_audited_with_its_reason(
    department_admin_api, department_admin, target
):
    response = department_admin_api.patch(
        f"{ORGS}/target",
        json={
            "reason": "Đổi tên theo giấy phép mới",
            "name": "Công ty Mới",
            "kinds": ["provider"],
            "version": 1,
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "code": "TARGET",
        "name": "Công ty Mới",
        "kinds": ["provider"],
        **NO_DETAILS,
        "version": 2,
    }
    organisation = _organisation("TARGET")
    assert organisation.version == 2
    event = history("organisations", organisation.id)[-1]
    assert event.action == "update"
    assert event.reason == "Đổi tên theo giấy phép mới"
    assert (event.actor_id, event.actor_label) == (department_admin.id, department_admin.email)
    assert event.old_values["name"] == "Công ty Cũ"
    assert event.new_values["name"] == "Công ty Mới"
    assert event.new_values["version"] == 2


def test_a_change_without_a_version_is_applied(department_admin_api, target):
    response = department_admin_api.patch(
        f"{ORGS}/TARGET", json={"reason": "Sửa lỗi chính tả", "name": "Công ty Cữ"}
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == 2


def test_only_the_department_changes_organisations(enterprise_manager_api, enterprise_manager, target):
    own = enterprise_manager.organisation.code
    assert_error(
        enterprise_manager_api.patch(f"{ORGS}/{own}", json={"reason": "Tự sửa", "name": "Tên khác"}),
        403,
        "forbidden",
    )
    # Another organisation's row is not found rather than forbidden.
    assert_error(
        enterprise_manager_api.patch(f"{ORGS}/TARGET", json={"reason": "Sửa hộ", "name": "Tên khác"}),
        404,
        "not_found",
    )
    assert _organisation("TARGET").name == "Công ty Cũ"


# --- Errors of the HTTP layer, and languages ------------------------------------------------------------


def test_error_messages_are_vietnamese_by_default_and_english_on_request(department_admin_api):
    body = {"code": "LANG", "kinds": ["enterprise"]}
    vietnamese = assert_error(department_admin_api.post(ORGS, json=body), 422)
    assert vietnamese["fields"] == {"name": "Trường này là bắt buộc."}
    assert vietnamese["message"] == "Trường này là bắt buộc."
    english = assert_error(
        department_admin_api.post(ORGS, json=body, headers={"Accept-Language": "en-GB,en;q=0.8"}), 422
    )
    assert english["fields"] == {"name": "This field is required."}

    assert (
        department_admin_api.post(
            ORGS, json={"code": "LANG", "name": "Một", "kinds": ["enterprise"]}
        ).status_code
        == 201
    )
    again = {"code": "lang", "name": "Hai", "kinds": ["enterprise"]}
    assert (
        assert_error(department_admin_api.post(ORGS, json=again), 422)["message"]
        == "Đã có tổ chức với mã LANG."
    )
    english = assert_error(
        department_admin_api.post(ORGS, json=again, headers={"Accept-Language": "en"}), 422
    )
    assert english["message"] == "An organisation with code LANG already exists."


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"code", "name", "kinds"}),  # refused by the schema (missing)
        ({"code": "có dấu", "name": "x" * 256, "kinds": ["enterprise"]}, {"code", "name"}),  # by the service
    ],
    ids=["missing", "broken rules"],
)
def test_several_field_errors_are_summed_up(department_admin_api, body, fields):
    error = assert_error(department_admin_api.post(ORGS, json=body, headers={"Accept-Language": "en"}), 422)
    assert set(error["fields"]) == fields
    assert error["message"] == 'Some fields are not valid: see "fields".'


def test_an_unknown_method_answers_405_with_allow(department_admin_api):
    response = department_admin_api.delete(ORGS)
    assert_error(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


def test_an_unknown_api_address_answers_404_in_our_shape(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_body_above_the_limit_answers_413_in_our_shape(app, department_admin_api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    body = {"code": "BIG", "name": "x" * 2000, "kinds": ["enterprise"]}
    assert_error(department_admin_api.post(ORGS, json=body), 413, "payload_too_large")
    assert db.session.scalar(select(Organisation).where(Organisation.code == "BIG")) is None


def test_an_unexpected_failure_answers_500_in_our_shape_without_details(
    app, department_admin_api, monkeypatch, caplog
):
    def broken(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("registry.organisations.api.services.visible_organisations", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = department_admin_api.get(ORGS, headers={"Accept-Language": "en"})
    error = assert_error(response, 500, "internal_error")
    assert error["message"] == "Something went wrong on our side. The error has been logged."
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text
