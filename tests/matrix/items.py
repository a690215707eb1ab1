"""Permission rows of instruments, measurement standards and reference materials (see
tests/test_permissions.py).

- Everyone logged in sees the lists; outside the Department they list their own organisation's items.
- An item of another organisation answers 404 outside the Department.
- Managers (enterprise and provider) register, edit, relocate and retire their own organisation's items;
  technicians and viewers read them (403). A technician may register an instrument only on an
  enterprise's behalf: with its own lab as the owner (the matrix's body names no owner) it gets the owner
  field's error, 422.
- Transferring an item to another owner is the Department's (403 to everyone else on their own items).
- The lookup by owner and serial number is for the Department and the labs (enterprises: 403); the
  matrix calls it without its two required arguments, hence 422 for those allowed in the API.

The URL builders create the item the route needs, owned by the target organisation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import InstrumentFactory, OrganisationFactory, ReferenceMaterialFactory, StandardFactory
from tests.matrix.base import (
    DEPARTMENT_SEES,
    EVERYONE,
    LOGIN,
    MANAGERS,
    NONE,
    OTHER,
    OWN,
    TOKEN_HOLDERS,
    Body,
    Redirect,
    Row,
    UrlValues,
    department_saves,
    managers_save,
)

NEW_OWNER = "PERM-NEW-OWNER"
CREATED = Redirect("/instruments/", prefix=True)
STANDARD_CREATED = Redirect("/standards/", prefix=True)
RM_CREATED = Redirect("/reference-materials/", prefix=True)

INSTRUMENT = Redirect("/instruments/{item_id}")
STANDARD = Redirect("/standards/{item_id}")
REFERENCE_MATERIAL = Redirect("/reference-materials/{item_id}")

API_INSTRUMENTS = "instruments_api.Instruments"
API_INSTRUMENT = "instruments_api.InstrumentById"
API_LOOKUP = "instruments_api.InstrumentLookup"
API_STANDARDS = "standards_api.Standards"
API_REFERENCE_MATERIALS = "reference_materials_api.ReferenceMaterials"


def _editing_rows(endpoint: str, saved: Redirect) -> dict[tuple[str, str, str], Row]:
    return {
        (endpoint, "GET", OWN): MANAGERS,
        (endpoint, "GET", OTHER): DEPARTMENT_SEES,
        (endpoint, "POST", OWN): managers_save(saved),
        (endpoint, "POST", OTHER): department_saves(saved),
    }


# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target): anonymous, d_admin, d_officer, p_manager, p_technician, e_manager, e_viewer
    ("items.instruments", "GET", NONE):                EVERYONE,
    ("items.standards", "GET", NONE):                  EVERYONE,
    ("items.reference_materials", "GET", NONE):        EVERYONE,
    ("items.instrument_lookup", "GET", NONE):          (LOGIN, 200, 200, 200, 200, 403, 403),
    ("items.instrument_create", "GET", NONE):          (LOGIN, 200, 200, 200, 200, 200, 403),
    ("items.instrument_create", "POST", NONE):         (LOGIN, CREATED, CREATED, CREATED, 422, CREATED, 403),
    ("items.standard_create", "GET", NONE):            MANAGERS,
    ("items.standard_create", "POST", NONE):           managers_save(STANDARD_CREATED),
    ("items.reference_material_create", "GET", NONE):  MANAGERS,
    ("items.reference_material_create", "POST", NONE): managers_save(RM_CREATED),
    ("items.instrument", "GET", OWN):                  EVERYONE,
    ("items.instrument", "GET", OTHER):                DEPARTMENT_SEES,
    ("items.standard", "GET", OWN):                    EVERYONE,
    ("items.standard", "GET", OTHER):                  DEPARTMENT_SEES,
    ("items.reference_material", "GET", OWN):          EVERYONE,
    ("items.reference_material", "GET", OTHER):        DEPARTMENT_SEES,
    **_editing_rows("items.instrument_edit", INSTRUMENT),
    **_editing_rows("items.instrument_relocate", INSTRUMENT),
    **_editing_rows("items.standard_edit", STANDARD),
    **_editing_rows("items.reference_material_edit", REFERENCE_MATERIAL),
    **_editing_rows("items.retire", INSTRUMENT),
    ("items.transfer", "GET", OWN):                    (LOGIN, 200, 200, 403, 403, 403, 403),
    ("items.transfer", "GET", OTHER):                  DEPARTMENT_SEES,
    ("items.transfer", "POST", OWN):                   (LOGIN, INSTRUMENT, INSTRUMENT, 403, 403, 403, 403),
    ("items.transfer", "POST", OTHER):                 department_saves(INSTRUMENT),
    (API_INSTRUMENTS, "GET", NONE):                    TOKEN_HOLDERS,
    (API_INSTRUMENTS, "POST", NONE):                   (401, 201, 201, 201, 422, 201, 403),
    (API_LOOKUP, "GET", NONE):                         (401, 422, 422, 422, 422, 403, 403),
    (API_INSTRUMENT, "GET", OWN):                      TOKEN_HOLDERS,
    (API_INSTRUMENT, "GET", OTHER):                    (401, 200, 200, 404, 404, 404, 404),
    (API_INSTRUMENT, "PATCH", OWN):                    (401, 200, 200, 200, 403, 200, 403),
    (API_INSTRUMENT, "PATCH", OTHER):                  (401, 200, 200, 404, 404, 404, 404),
    (API_STANDARDS, "GET", NONE):                      TOKEN_HOLDERS,
    (API_STANDARDS, "POST", NONE):                     (401, 201, 201, 201, 403, 201, 403),
    (API_REFERENCE_MATERIALS, "GET", NONE):            TOKEN_HOLDERS,
    (API_REFERENCE_MATERIALS, "POST", NONE):           (401, 201, 201, 201, 403, 201, 403),
}
# fmt: on

REASON = "Cập nhật theo biên bản kiểm tra số 7"

FORM_BODIES: dict[tuple[str, str], Body] = {
    ("items.instrument_create", "POST"): {
        "owner": "",
        "type_code": "TAXIMETER",
        "serial_number": "TX-QUYỀN-01",
        "manufacturer": "Công ty Điện tử Việt",
        "use": "legal",
        "interval_months": "12",
        "state": "in_service",
        "funding": "own",
        "purpose": "other",
    },
    ("items.standard_create", "POST"): {
        "owner": "",
        "name": "Bình chuẩn kim loại 20 L",
        "level": "working",
        "quantity": "volume",
        "interval_months": "12",
        "state": "in_service",
        "funding": "own",
        "purpose": "service",
    },
    ("items.reference_material_create", "POST"): {
        "owner": "",
        "name": "Dung dịch chuẩn độ dẫn điện",
        "lot": "QUYỀN-01",
        "expiry_date": "2099-12-31",
        "state": "in_service",
        "funding": "own",
        "purpose": "other",
    },
    ("items.instrument_edit", "POST"): {"manufacturer": "Hãng mới", "reason": REASON, "version": "1"},
    ("items.standard_edit", "POST"): {"uncertainty": "0,05 mg", "reason": REASON, "version": "1"},
    ("items.reference_material_edit", "POST"): {"lot": "LÔ-SỬA", "reason": REASON, "version": "1"},
    ("items.instrument_relocate", "POST"): {
        "site_address": "Km 5, Quốc lộ 14, Đắk Hà",
        "site_admin_unit": "615",
        "reason": REASON,
        "version": "1",
    },
    ("items.transfer", "POST"): {"owner": NEW_OWNER, "reason": "Bán lại cho công ty khác", "version": "1"},
    ("items.retire", "POST"): {"reason": "Hỏng không sửa được", "version": "1"},
}

JSON_BODIES: dict[tuple[str, str], Body] = {
    (API_INSTRUMENTS, "POST"): {"type_code": "WATER_METER_MECH", "serial_number": "NƯỚC-QUYỀN-01"},
    (API_INSTRUMENT, "PATCH"): {"model": "Mẫu mới", "reason": REASON, "version": 1},
    (API_STANDARDS, "POST"): {
        "name": "Quả cân chuẩn 1 kg",
        "level": "working",
        "quantity": "mass",
        "interval_months": 12,
    },
    (API_REFERENCE_MATERIALS, "POST"): {"name": "Khí chuẩn CO 50 ppm", "expiry_date": "2099-12-31"},
}


def _instrument(organisation: Organisation) -> dict[str, Any]:
    return {"item_id": InstrumentFactory(owner=organisation).id}


def _standard(organisation: Organisation) -> dict[str, Any]:
    return {"item_id": StandardFactory(owner=organisation).id}


def _reference_material(organisation: Organisation) -> dict[str, Any]:
    return {"item_id": ReferenceMaterialFactory(owner=organisation).id}


def _transferable(organisation: Organisation) -> dict[str, Any]:
    if db.session.scalar(select(Organisation.id).where(Organisation.code == NEW_OWNER)) is None:
        OrganisationFactory(code=NEW_OWNER)
    return _instrument(organisation)


URL_VALUES: dict[str, UrlValues] = {
    "items.instrument": _instrument,
    "items.instrument_edit": _instrument,
    "items.instrument_relocate": _instrument,
    "items.retire": _instrument,
    "items.transfer": _transferable,
    "items.standard": _standard,
    "items.standard_edit": _standard,
    "items.reference_material": _reference_material,
    "items.reference_material_edit": _reference_material,
    API_INSTRUMENT: _instrument,
}
