"""Permission rows of the legal catalogue and the administrative units (see tests/test_permissions.py).

The catalogue is reference data, the same for everyone: every logged-in role reads it, only the
department_admin edits it (DESIGN §3, "the catalogue"). It belongs to no organisation, so the "own" and
"other" targets of routes taking a ``code`` (a type code here) expect the same answers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.catalogue.models import InstrumentType, LegalRule
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.matrix.base import EVERYONE, LOGIN, NONE, OTHER, OWN, TOKEN_HOLDERS, Body, Redirect, Row, UrlValues

TYPE = "TAXIMETER"
# Its last rule ended on 2024-10-14, so a new period may start later without overlapping.
ENDED_TYPE = "ENERGY_METER_1P_IND"

SAVED = Redirect("/catalogue/{code}")
API_LIST = "catalogue_api.InstrumentTypes"
API_ONE = "catalogue_api.InstrumentTypeByCode"

ADMIN_ONLY = (LOGIN, 200, 403, 403, 403, 403, 403)
ADMIN_SAVES = (LOGIN, SAVED, 403, 403, 403, 403, 403)

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    ("catalogue.index", "GET", NONE):        EVERYONE,
    ("catalogue.admin_units", "GET", NONE):  EVERYONE,
    (API_LIST, "GET", NONE):                 TOKEN_HOLDERS,
    **{
        row: answers
        for target in (OWN, OTHER)
        for row, answers in {
            ("catalogue.detail", "GET", target):       EVERYONE,
            ("catalogue.edit_type", "GET", target):    ADMIN_ONLY,
            ("catalogue.edit_type", "POST", target):   ADMIN_SAVES,
            ("catalogue.new_rule", "GET", target):     ADMIN_ONLY,
            ("catalogue.new_rule", "POST", target):    ADMIN_SAVES,
            ("catalogue.edit_rule", "GET", target):    ADMIN_ONLY,
            ("catalogue.edit_rule", "POST", target):   ADMIN_SAVES,
            (API_ONE, "GET", target):                  TOKEN_HOLDERS,
        }.items()
    },
}
# fmt: on

FORM_BODIES: dict[tuple[str, str], Body] = {
    ("catalogue.edit_type", "POST"): {
        "name_vi": "Taximet (đồng hồ tính tiền xe)",
        "name_en": "Taximeter",
        "quantity": "distance/time",
        "reason": "Sửa tên theo văn bản hợp nhất",
    },
    ("catalogue.edit_rule", "POST"): {
        "controls": ["PA", "IV", "PV", "RV"],
        "cycle_months": "18",
        "legal_basis": "TT 23/2013 sửa đổi bởi TT 07/2019",
        "effective_from": "2020-01-01",
        "effective_to": "",
        "confidence": "source",
        "note": "Đã đối chiếu văn bản",
        "reason": "Đối chiếu với Thông tư 07/2019",
    },
    ("catalogue.new_rule", "POST"): {
        "controls": ["IV", "PV"],
        "cycle_months": "24",
        "legal_basis": "TT 99/2030",
        "effective_from": "2030-01-01",
        "effective_to": "",
        "confidence": "verify",
        "note": "",
        "reason": "Thông tư mới",
    },
}


def _type_code(code: str) -> UrlValues:
    return lambda organisation: {"code": code}


def _latest_rule(organisation: Organisation) -> dict[str, Any]:
    rule_id = db.session.scalar(
        select(LegalRule.id)
        .join(InstrumentType)
        .where(InstrumentType.code == TYPE)
        .order_by(LegalRule.effective_from.desc())
    )
    return {"code": TYPE, "rule_id": rule_id}


URL_VALUES: dict[str, UrlValues] = {
    "catalogue.detail": _type_code(TYPE),
    "catalogue.edit_type": _type_code(TYPE),
    "catalogue.new_rule": _type_code(ENDED_TYPE),
    "catalogue.edit_rule": _latest_rule,
    API_ONE: _type_code(TYPE),
}
