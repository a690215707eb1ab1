"""Permission rows of organisations, their contact details and provider credentials (see
tests/test_permissions.py).

- Organisations: everyone logged in lists those they may see, and sees their own; the Department registers
  and edits them, and sees every one; another organisation answers 404 outside the Department.
- Contact details (address, administrative unit, sectors): the Department, and the provider or enterprise
  manager of the organisation itself.
- Credentials: everyone of the organisation reads them; the Department and the provider's manager enter
  and amend them; only the Department confirms or rejects them. Another organisation's answer 404.

The URL builders make the target organisation a provider (credentials belong to providers) and give it a
credential awaiting confirmation, so that every refusal can only come from the permission check.
"""

from __future__ import annotations

from typing import Any

from registry.audit import services as audit
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import AccreditationFactory, DesignationFactory, RegistrationFactory, VerifierFactory
from tests.matrix.base import LOGIN, NONE, OTHER, OWN, Body, Redirect, Row, UrlValues

NEW_CODE = "PERM-NEW"
CREATED = Redirect(f"/organisations/{NEW_CODE}")
SAVED = Redirect("/organisations/{code}")

API_LIST = "organisations_api.Organisations"
API_ONE = "organisations_api.OrganisationByCode"

# (endpoint stem, URL segment, factory, valid new form, valid changes, API resource, valid API body)
KINDS: list[tuple[str, str, Any, dict[str, Any], dict[str, Any], str, dict[str, Any]]] = [
    (
        "registration",
        "registrations",
        RegistrationFactory,
        {
            "certificate_number": "ĐK-QUYỀN/2025",
            "services": ["verification"],
            "fields": "Đo lường khối lượng",
            "issued_on": "2025-01-15",
        },
        {
            "certificate_number": "ĐK-SỬA/2025",
            "services": ["calibration"],
            "fields": "Đo lường dung tích",
            "issued_on": "2025-02-01",
        },
        "Registrations",
        {
            "certificate_number": "ĐK-API/2025",
            "services": ["calibration"],
            "fields": "Khối lượng",
            "issued_on": "2025-01-15",
        },
    ),
    (
        "accreditation",
        "accreditations",
        AccreditationFactory,
        {
            "scheme": "ISO/IEC 17025",
            "body": "BoA",
            "number": "VILAS 901",
            "scope": "khối lượng | 1 mg – 50 kg | 0,1 mg",
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
        {
            "scheme": "ISO/IEC 17025",
            "body": "BoA",
            "number": "VILAS 902",
            "scope": "áp suất | 0 – 60 MPa | 0,05 %",
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
        "Accreditations",
        {
            "scheme": "ISO/IEC 17025",
            "number": "VILAS 903",
            "scope": [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"}],
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
    ),
    (
        "designation",
        "designations",
        DesignationFactory,
        {
            "decision_number": "901/QĐ-TĐC",
            "type_codes": ["FUEL_DISPENSER"],
            "ranges": "FUEL_DISPENSER | ≤ 200 L/min",
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
        {
            "decision_number": "902/QĐ-TĐC",
            "type_codes": ["TAXIMETER"],
            "ranges": "",
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
        "Designations",
        {
            "decision_number": "903/QĐ-TĐC",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_from": "2025-01-01",
            "valid_to": "2028-01-01",
        },
    ),
    (
        "verifier",
        "verifiers",
        VerifierFactory,
        {
            "name": "Nguyễn Văn Kiểm",
            "card_number": "KĐV-901",
            "type_codes": ["TAXIMETER"],
            "valid_from": "2023-07-01",
            "valid_to": "2028-06-30",
        },
        {
            "name": "Nguyễn Văn Định",
            "card_number": "KĐV-902",
            "type_codes": ["TAXIMETER"],
            "valid_from": "2023-07-01",
            "valid_to": "2028-06-30",
        },
        "Verifiers",
        {
            "name": "Trần Thị Đo",
            "card_number": "KĐV-903",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_from": "2023-07-01",
            "valid_to": "2028-06-30",
        },
    ),
]

CHANGE = {"reason": "Cập nhật theo bản gốc", "version": "1"}

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target)                     anonym. d_admin d_offic p_manag p_tech  e_manag e_view
    ("organisations.index", "GET", NONE):            (LOGIN, 200,    200,    200,    200,    200,    200),
    ("organisations.create", "GET", NONE):           (LOGIN, 200,    200,    403,    403,    403,    403),
    ("organisations.create", "POST", NONE):          (LOGIN, CREATED, CREATED, 403,   403,    403,    403),
    ("organisations.detail", "GET", OWN):            (LOGIN, 200,    200,    200,    200,    200,    200),
    ("organisations.detail", "GET", OTHER):          (LOGIN, 200,    200,    404,    404,    404,    404),
    ("organisations.edit", "GET", OWN):              (LOGIN, 200,    200,    403,    403,    403,    403),
    ("organisations.edit", "GET", OTHER):            (LOGIN, 200,    200,    404,    404,    404,    404),
    ("organisations.edit", "POST", OWN):             (LOGIN, SAVED,  SAVED,  403,    403,    403,    403),
    ("organisations.edit", "POST", OTHER):           (LOGIN, SAVED,  SAVED,  404,    404,    404,    404),
    (API_LIST, "GET", NONE):                         (401,   200,    200,    200,    200,    200,    200),
    (API_LIST, "POST", NONE):                        (401,   201,    201,    403,    403,    403,    403),
    (API_ONE, "GET", OWN):                           (401,   200,    200,    200,    200,    200,    200),
    (API_ONE, "GET", OTHER):                         (401,   200,    200,    404,    404,    404,    404),
    (API_ONE, "PATCH", OWN):                         (401,   200,    200,    403,    403,    403,    403),
    (API_ONE, "PATCH", OTHER):                       (401,   200,    200,    404,    404,    404,    404),
    ("organisations.edit_contact", "GET", OWN):      (LOGIN, 200,    200,    200,    403,    200,    403),
    ("organisations.edit_contact", "GET", OTHER):    (LOGIN, 200,    200,    404,    404,    404,    404),
    ("organisations.edit_contact", "POST", OWN):     (LOGIN, SAVED,  SAVED,  SAVED,  403,    SAVED,  403),
    ("organisations.edit_contact", "POST", OTHER):   (LOGIN, SAVED,  SAVED,  404,    404,    404,    404),
    # The Department's queue of credentials to confirm; others see their own organisation's there.
    ("credentials.pending", "GET", NONE):            (LOGIN, 200,    200,    200,    200,    200,    200),
    ("credentials.expiring", "GET", NONE):           (LOGIN, 200,    200,    200,    200,    200,    200),
}
# fmt: on

FORM_BODIES: dict[tuple[str, str], Body] = {
    ("organisations.create", "POST"): {
        "code": NEW_CODE,
        "name": "Công ty Kiểm tra Quyền",
        "kinds": ["enterprise"],
    },
    ("organisations.edit", "POST"): {
        "name": "Tên mới sau khi sửa",
        "kinds": "{kinds}",
        "reason": "Đổi tên theo quyết định số 12",
        "version": "{version}",
    },
    ("organisations.edit_contact", "POST"): {
        "address": "12 Trần Hưng Đạo, phường Quyết Thắng",
        "admin_unit": "608",
        "sectors": "xăng dầu, cấp nước",
        "reason": "Chuyển trụ sở",
        "version": "{version}",
    },
}
JSON_BODIES: dict[tuple[str, str], Body] = {
    (API_LIST, "POST"): {
        "code": NEW_CODE,
        "name": "Công ty Kiểm tra Quyền",
        "kinds": ["enterprise"],
    },
    (API_ONE, "PATCH"): {
        "name": "Tên mới sau khi sửa",
        "reason": "Đổi tên theo quyết định số 12",
        "version": "{version}",
    },
}
URL_VALUES: dict[str, UrlValues] = {}


def _as_provider(organisation: Organisation) -> dict[str, Any]:
    db.session.refresh(organisation)  # a request may have changed it since the test loaded it
    if not organisation.is_provider:
        with audit.reason("test set-up: the target is a provider"):
            organisation.is_provider = True
    return {"code": organisation.code}


def _with_credential(factory: Any) -> UrlValues:
    def build(organisation: Organisation) -> dict[str, Any]:
        values = _as_provider(organisation)
        credential = factory(organisation=organisation, confirmation="pending")
        return {**values, "credential_id": credential.id}

    return build


for name, path, factory, new_body, changes, resource, api_body in KINDS:
    created = Redirect(f"/organisations/{{code}}/{path}/", prefix=True)
    shown = Redirect(f"/organisations/{{code}}/{path}/{{credential_id}}")
    for target in (OWN, OTHER):
        hidden = 404 if target == OTHER else 403
        # fmt: off
        ROWS |= {
            (f"credentials.new_{name}", "GET", target):
                (LOGIN, 200,     200,     200 if target == OWN else 404,     hidden, hidden, hidden),
            (f"credentials.new_{name}", "POST", target):
                (LOGIN, created, created, created if target == OWN else 404, hidden, hidden, hidden),
            (f"credentials.{name}", "GET", target):
                (LOGIN, 200,     200,     *((200,) * 4 if target == OWN else (404,) * 4)),
            (f"credentials.edit_{name}", "GET", target):
                (LOGIN, 200,     200,     200 if target == OWN else 404,     hidden, hidden, hidden),
            (f"credentials.edit_{name}", "POST", target):
                (LOGIN, shown,   shown,   shown if target == OWN else 404,   hidden, hidden, hidden),
            (f"credentials.review_{name}", "POST", target):
                (LOGIN, shown,   shown,   hidden,                            hidden, hidden, hidden),
        }
        # fmt: on
    # Lists: everyone with a token (filtered to what they may see). Entering: a provider's manager for its
    # own organisation (the body names none); the Department must name a provider (its own organisation
    # is none), so this body, valid for a provider, is refused with 422 for it (tests/test_api_credentials
    # shows the Department entering any provider's credentials).
    ROWS[(f"credentials_api.{resource}", "GET", NONE)] = (401, 200, 200, 200, 200, 200, 200)
    ROWS[(f"credentials_api.{resource}", "POST", NONE)] = (401, 422, 422, 201, 403, 403, 403)
    FORM_BODIES[(f"credentials.new_{name}", "POST")] = new_body
    FORM_BODIES[(f"credentials.edit_{name}", "POST")] = {**changes, **CHANGE}
    FORM_BODIES[(f"credentials.review_{name}", "POST")] = {"decision": "confirm", "reason": "Đã đối chiếu"}
    JSON_BODIES[(f"credentials_api.{resource}", "POST")] = api_body
    URL_VALUES[f"credentials.new_{name}"] = _as_provider
    for endpoint in (f"credentials.{name}", f"credentials.edit_{name}", f"credentials.review_{name}"):
        URL_VALUES[endpoint] = _with_credential(factory)
