"""The web forms and the API share one parsing path: the same bad input, sent through the form and through
the API, is refused with the same field errors, in the same words — for every create and update that both
offer. (A form sends text where the API sends a number or a list: the same value, in each one's shape.)"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.auth.models import Role, User
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification, user_with_role
from tests.helpers import csrf_token_from, logged_in

LONG = "x" * 3000
OMIT = object()  # left out of the API's body (a form sends an empty field)
FUTURE = "2999-01-01"


@dataclass(frozen=True)
class Value:
    """One value in each shape: as the form sends it (text) and as the API does (JSON)."""

    web: Any
    api: Any


@dataclass(frozen=True)
class Cells:
    """What the form sends as several inputs (the cells of a table: ``points-0-nominal``…) for one value
    of the API's."""

    inputs: dict[str, str]


@dataclass
class Context:
    actor: User
    organisation: Organisation
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """A create or an update offered by both: the form (its page and the values a browser sends besides
    the ones the case gives) and the API call."""

    role: Role
    web_path: str
    api_method: str
    api_path: str
    web_base: dict[str, Any]
    api_base: dict[str, Any]
    prepare: Callable[[Context], None] = lambda context: None

    def paths(self, context: Context) -> tuple[str, str]:
        values = {"code": context.organisation.code, **context.ids}
        return self.web_path.format(**values), self.api_path.format(**values)


def _web(value: Any) -> Any:
    return value.web if isinstance(value, Value) else value


def _web_inputs(changes: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for key, value in changes.items():
        web = _web(value)
        inputs |= web.inputs if isinstance(web, Cells) else {key: web}
    return inputs


POINT_CELL = re.compile(r"points-(\d+)-(\w+)")


def _api_name(web_name: str) -> str:
    """The API's name of a form input's error: a measurement point's cell is ``points-<row from 0>-<field>``
    in the form, ``measurement_points.<row from 1>.<field>`` in the API (and the service)."""
    if match := POINT_CELL.fullmatch(web_name):
        return f"measurement_points.{int(match.group(1)) + 1}.{match.group(2)}"
    return web_name


def _api(value: Any) -> Any:
    return value.api if isinstance(value, Value) else value


def _without_omitted(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not OMIT}


def _instrument(context: Context) -> None:
    instrument = InstrumentFactory(owner=context.organisation, serial_number="EQ-SN-9")
    db.session.flush()
    context.ids |= {"item_id": instrument.id, "version": instrument.version}


def _event(context: Context) -> None:
    instrument = InstrumentFactory(owner=OrganisationFactory(code="EQ-OWNER"), serial_number="EQ-SN-7")
    event = record_verification(context.actor, instrument, certificate_number="GCN-EQ-1", stamp_number="T-EQ")
    assert event.valid_until is not None
    context.ids |= {
        "event_id": event.id,
        "version": event.version,
        "performed_on": event.performed_on.isoformat(),
        "valid_until": event.valid_until.isoformat(),
    }


def _owned_instrument(context: Context) -> None:
    InstrumentFactory(owner=OrganisationFactory(code="EQ-OWNER"), serial_number="EQ-SN-8")


SELECTS = {"use": "legal", "state": "in_service", "funding": "own", "purpose": "other"}
PAST = "2025-06-02"
OUTCOME = {
    "performed_on": PAST,
    "result": "pass",
    "certificate_number": "GCN-EQ-2",
    "stamp_number": "T-EQ-2",
}

ENDPOINTS: dict[str, Endpoint] = {
    "organisation create": Endpoint(
        Role.DEPARTMENT_OFFICER,
        "/organisations/new",
        "POST",
        "/api/v1/organisations",
        {"code": "EQ-NEW", "name": "Công ty Kiểm tra", "kinds": ["enterprise"]},
        {"code": "EQ-NEW", "name": "Công ty Kiểm tra", "kinds": ["enterprise"]},
    ),
    "organisation update": Endpoint(
        Role.DEPARTMENT_OFFICER,
        "/organisations/{code}/edit",
        "PATCH",
        "/api/v1/organisations/{code}",
        {"name": "Tên hiện tại", "kinds": ["department"], "reason": "Theo quyết định 7"},
        {"reason": "Theo quyết định 7"},
    ),
    "contact details": Endpoint(
        Role.ENTERPRISE_MANAGER,
        "/organisations/{code}/contact",
        "PATCH",
        "/api/v1/organisations/{code}",
        {"address": "Số 2 Lê Lợi", "reason": "Chuyển trụ sở"},
        {"reason": "Chuyển trụ sở"},
    ),
    "registration": Endpoint(
        Role.PROVIDER_MANAGER,
        "/organisations/{code}/registrations/new",
        "POST",
        "/api/v1/registrations",
        {"certificate_number": "ĐK-EQ", "services": ["calibration"], "issued_on": "2024-01-02"},
        {"certificate_number": "ĐK-EQ", "services": ["calibration"], "issued_on": "2024-01-02"},
    ),
    "accreditation": Endpoint(
        Role.PROVIDER_MANAGER,
        "/organisations/{code}/accreditations/new",
        "POST",
        "/api/v1/accreditations",
        {
            "scheme": "ISO/IEC 17025",
            "number": "VILAS 9",
            "valid_from": "2024-01-01",
            "valid_to": "2027-01-01",
        },
        {
            "scheme": "ISO/IEC 17025",
            "number": "VILAS 9",
            "valid_from": "2024-01-01",
            "valid_to": "2027-01-01",
        },
    ),
    "designation": Endpoint(
        Role.PROVIDER_MANAGER,
        "/organisations/{code}/designations/new",
        "POST",
        "/api/v1/designations",
        {
            "decision_number": "QĐ-EQ",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_from": "2024-01-01",
            "valid_to": "2027-01-01",
        },
        {
            "decision_number": "QĐ-EQ",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_from": "2024-01-01",
            "valid_to": "2027-01-01",
        },
    ),
    "verifier": Endpoint(
        Role.PROVIDER_MANAGER,
        "/organisations/{code}/verifiers/new",
        "POST",
        "/api/v1/verifiers",
        {
            "name": "Nguyễn Văn Kiểm",
            "card_number": "KĐV-EQ",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_to": "2027-01-01",
        },
        {
            "name": "Nguyễn Văn Kiểm",
            "card_number": "KĐV-EQ",
            "type_codes": ["FUEL_DISPENSER"],
            "valid_to": "2027-01-01",
        },
    ),
    "instrument create": Endpoint(
        Role.ENTERPRISE_MANAGER,
        "/instruments/new",
        "POST",
        "/api/v1/instruments",
        {"type_code": "FUEL_DISPENSER", "serial_number": "EQ-SN-1", **SELECTS},
        {"type_code": "FUEL_DISPENSER", "serial_number": "EQ-SN-1"},
    ),
    "instrument update": Endpoint(
        Role.ENTERPRISE_MANAGER,
        "/instruments/{item_id}/edit",
        "PATCH",
        "/api/v1/instruments/{item_id}",
        {
            "type_code": "FUEL_DISPENSER",
            "serial_number": "EQ-SN-9",
            **SELECTS,
            "reason": "Sửa nhãn",
            "version": "{version}",
        },
        {"reason": "Sửa nhãn", "version": "{version}"},
        _instrument,
    ),
    "standard create": Endpoint(
        Role.PROVIDER_MANAGER,
        "/standards/new",
        "POST",
        "/api/v1/standards",
        {
            "name": "Quả cân F1",
            "level": "working",
            "quantity": "mass",
            "interval_months": "12",
            **{key: SELECTS[key] for key in ("state", "funding", "purpose")},
        },
        {"name": "Quả cân F1", "level": "working", "quantity": "mass", "interval_months": 12},
    ),
    "reference material create": Endpoint(
        Role.PROVIDER_MANAGER,
        "/reference-materials/new",
        "POST",
        "/api/v1/reference-materials",
        {
            "name": "Dung dịch pH 7",
            "expiry_date": "2028-01-01",
            **{key: SELECTS[key] for key in ("state", "funding", "purpose")},
        },
        {"name": "Dung dịch pH 7", "expiry_date": "2028-01-01"},
    ),
    "event record": Endpoint(
        Role.PROVIDER_TECHNICIAN,
        "/events/new",
        "POST",
        "/api/v1/events",
        {
            "owner": "EQ-OWNER",
            "serial_number": "EQ-SN-8",
            "kind": "verification_periodic",
            **OUTCOME,
            "verifier_card": "KĐV-{code}",
        },
        {
            "owner": "EQ-OWNER",
            "serial_number": "EQ-SN-8",
            "kind": "verification_periodic",
            **OUTCOME,
            "verifier": "KĐV-{code}",
        },
        _owned_instrument,
    ),
    "event amend": Endpoint(
        Role.PROVIDER_TECHNICIAN,
        "/events/{event_id}/amend",
        "POST",
        "/api/v1/events/{event_id}/amend",
        {
            "performed_on": "{performed_on}",
            "result": "pass",
            "certificate_number": "GCN-EQ-1",
            "stamp_number": "T-EQ",
            "verifier_card": "KĐV-{code}",
            "valid_until": "{valid_until}",
            "reason": "Sửa số tem",
            "version": "{version}",
        },
        {"reason": "Sửa số tem", "version": "{version}"},
        _event,
    ),
    "event void": Endpoint(
        Role.PROVIDER_TECHNICIAN,
        "/events/{event_id}/void",
        "POST",
        "/api/v1/events/{event_id}/void",
        {"reason": "Ghi nhầm", "version": "{version}"},
        {"reason": "Ghi nhầm", "version": "{version}"},
        _event,
    ),
}

# (endpoint, the values that replace the base's): every one is refused, field by field.
BAD: list[tuple[str, dict[str, Any]]] = [
    ("organisation create", {"code": ""}),
    ("organisation create", {"code": "có dấu cách"}),
    ("organisation create", {"code": "X" * 41}),
    ("organisation create", {"name": ""}),
    ("organisation create", {"name": LONG}),
    ("organisation create", {"kinds": []}),
    ("organisation create", {"kinds": ["factory"]}),
    ("organisation create", {"tax_code": "0100109107"}),
    ("organisation create", {"tax_code": "abc"}),
    ("organisation create", {"admin_unit": "9999"}),
    ("organisation create", {"state_capital_pct": Value("120", 120)}),
    ("organisation create", {"state_capital_pct": Value("60", 60), "foreign_capital_pct": Value("50", 50)}),
    (
        "organisation create",
        {"sectors": Value(",".join(f"ngành {n}" for n in range(21)), [f"ngành {n}" for n in range(21)])},
    ),
    ("organisation create", {"name": "", "tax_code": "123", "admin_unit": "nope"}),
    ("organisation update", {"name": ""}),
    ("organisation update", {"reason": ""}),
    ("organisation update", {"reason": LONG}),
    ("organisation update", {"tax_code": "0100109107"}),
    ("organisation update", {"version": "1000"}),
    ("contact details", {"address": LONG}),
    ("contact details", {"admin_unit": "9999"}),
    ("contact details", {"reason": ""}),
    ("registration", {"certificate_number": ""}),
    ("registration", {"services": []}),
    ("registration", {"services": ["cleaning"]}),
    ("registration", {"issued_on": "31/02/2024"}),
    ("registration", {"issued_on": ""}),
    ("registration", {"fields": LONG}),
    ("accreditation", {"valid_to": "2023-01-01"}),
    ("accreditation", {"scheme": "ISO 99999"}),
    ("accreditation", {"number": ""}),
    ("designation", {"type_codes": ["NO_SUCH_TYPE"]}),
    ("designation", {"type_codes": []}),
    ("designation", {"decision_number": LONG}),
    ("verifier", {"card_number": ""}),
    ("verifier", {"valid_to": "2027-13-01"}),
    ("verifier", {"type_codes": ["NO_SUCH_TYPE"]}),
    ("instrument create", {"serial_number": ""}),
    ("instrument create", {"serial_number": LONG}),
    ("instrument create", {"type_code": "NO_SUCH_TYPE"}),
    ("instrument create", {"interval_months": Value("500", 500)}),
    ("instrument create", {"acquired_on": "2999-01-01"}),
    ("instrument create", {"acquired_on": "32/01/2020"}),
    ("instrument create", {"use": "private"}),
    ("instrument create", {"site_admin_unit": "ZZZ"}),
    ("instrument create", {"owner": "NO-SUCH-ORG"}),
    ("instrument update", {"serial_number": ""}),
    ("instrument update", {"reason": ""}),
    ("instrument update", {"interval_months": Value("0", 0)}),
    ("instrument update", {"state": "lost"}),
    ("instrument update", {"version": "1000"}),
    ("standard create", {"interval_months": Value("", OMIT)}),
    ("standard create", {"level": "gold"}),
    ("standard create", {"quantity": ""}),
    ("reference material create", {"expiry_date": ""}),
    ("reference material create", {"expiry_date": "2020-01-01", "acquired_on": "2021-01-01"}),
    ("event record", {"performed_on": FUTURE}),
    ("event record", {"certificate_number": ""}),
    ("event record", {"stamp_number": ""}),
    ("event record", {"kind": "inspection"}),
    ("event record", {"result": "maybe"}),
    ("event record", {"owner": "NO-SUCH-ORG"}),
    ("event record", {"serial_number": "NO-SUCH-SN"}),
    ("event record", {"valid_until": "2099-01-01"}),
    ("event record", {"standards_used": Value(["999999"], [999999])}),
    ("event record", {"technician": LONG, "certificate_number": ""}),
    ("event amend", {"reason": ""}),
    ("event amend", {"certificate_number": ""}),
    ("event amend", {"performed_on": FUTURE}),
    ("event amend", {"version": "1000"}),
    ("event void", {"reason": ""}),
    ("event void", {"version": "1000"}),
    # Identifiers hold no invisible or control character and no unusual space; text no format character.
    ("organisation create", {"code": "EQ\u200bNEW"}),
    ("organisation create", {"name": "Công ty \u202eABC"}),
    ("organisation create", {"tax_code": "0100109106\u200b"}),
    ("registration", {"certificate_number": "ĐK\u200b-EQ"}),
    ("accreditation", {"number": "VILAS\u00a09"}),
    ("designation", {"decision_number": "QĐ-EQ\ufeff"}),
    ("verifier", {"card_number": "KĐV\u202e-EQ"}),
    ("instrument create", {"serial_number": "EQ-SN-1\u200b"}),
    ("instrument update", {"serial_number": "EQ-SN-9\x1c"}),
    ("reference material create", {"lot": "LOT\u200b1"}),
    ("event record", {"serial_number": "EQ-SN-8\u200b"}),
    ("event record", {"certificate_number": "GCN\u00ad-EQ-2"}),
    ("event amend", {"stamp_number": "T\u200b-EQ"}),
    ("event amend", {"stamp_number": "T-EQ\x1c"}),  # the recorded number and a control character
    # Dates: ISO 8601 extended or dd/mm/yyyy, from 1900 to 2200, not in the future where the past is meant.
    ("registration", {"issued_on": FUTURE}),
    ("registration", {"issued_on": "20240102"}),
    ("registration", {"issued_on": "0001-01-01"}),
    ("accreditation", {"valid_to": "2201-01-01"}),
    ("instrument create", {"acquired_on": "0001-01-01"}),
    ("instrument create", {"acquired_on": "20200101"}),
    ("instrument create", {"acquired_on": "2020-1-1"}),
    ("reference material create", {"expiry_date": "2300-01-01"}),
    ("event record", {"performed_on": "0001-01-01"}),
    # Measurement points: finite decimals in plain notation, rows counted from 1 by both.
    (
        "event record",
        {
            "measurement_points": Value(
                Cells({"points-0-nominal": "20", "points-1-nominal": "1e999"}),
                [{"nominal": "20"}, {"nominal": "1e999"}],
            )
        },
    ),
    (
        "event record",
        {
            "measurement_points": Value(
                Cells(
                    {"points-0-nominal": "", "points-1-as_found": "Infinity", "points-2-uncertainty": "١٢"}
                ),
                [{}, {"as_found": "Infinity"}, {"uncertainty": "١٢"}],
            )
        },
    ),
    (
        "event record",
        {
            "measurement_points": Value(
                Cells({"points-0-nominal": "1000000000000000", "points-0-unit": "g"}),
                [{"nominal": "1000000000000000", "unit": "g"}],
            )
        },
    ),
    # The decision rule: a known one, and a stated result the points contradict needs its reason.
    ("event record", {"decision_rule": "shared_risk"}),
    (
        "event record",
        {
            "result_reason": "",
            "measurement_points": Value(
                Cells({"points-0-nominal": "20", "points-0-as_left": "20,9", "points-0-mpe": "0,5"}),
                [{"nominal": "20", "as_left": "20,9", "mpe": "0,5"}],
            ),
        },
    ),
    (
        "event record",
        {
            "decision_rule": "guarded_acceptance",
            "measurement_points": Value(
                Cells({"points-0-nominal": "20", "points-0-as_left": "20,1", "points-0-mpe": "0,5"}),
                [{"nominal": "20", "as_left": "20,1", "mpe": "0,5"}],
            ),
        },
    ),
]
# Inputs the API once refused and the form took (or the other way round): now both take them.
GOOD: list[tuple[str, dict[str, Any]]] = [
    ("organisation create", {"code": " eq-spaced "}),
    (
        "organisation create",
        {
            "sectors": Value(
                "Xăng, xăng, " + ", ".join(f"ngành {n}" for n in range(19)),
                ["Xăng", "xăng", *(f"ngành {n}" for n in range(19))],
            )
        },
    ),
    ("accreditation", {"scheme": " iso/iec 17025 "}),
    ("instrument create", {"use": " Internal ", "interval_months": Value("12", 12)}),
]

ERROR = re.compile(
    r'<div class="invalid-feedback d-block"(?: id="[^"]*")? data-field="([^"]+)">(.*?)</div>', re.S
)
ALERT = re.compile(r'<div class="alert alert-(?:danger|warning)" role="alert"[^>]*>(.*?)</div>', re.S)


def _web_errors(page: str) -> dict[str, str]:
    errors = {_api_name(name): html.unescape(message).strip() for name, message in ERROR.findall(page)}
    alerts = [html.unescape(message).strip() for message in ALERT.findall(page)]
    return errors | {"_": " ".join(alerts)} if alerts else errors


def _fill(values: dict[str, Any], context: Context) -> dict[str, Any]:
    placeholders = {
        "{code}": context.organisation.code,
        **{f"{{{key}}}": str(value) for key, value in context.ids.items()},
    }

    def filled(value: Any) -> Any:
        if isinstance(value, str):
            for key, replacement in placeholders.items():
                value = value.replace(key, replacement)
        return value

    return {key: filled(value) for key, value in values.items()}


def _api_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: int(value) if key == "version" and str(value).isdigit() else value
        for key, value in values.items()
    }


def _context(role: Role) -> Context:
    organisation = {
        Role.DEPARTMENT_OFFICER: lambda: OrganisationFactory(code="EQ-DEPT", department=True),
        Role.ENTERPRISE_MANAGER: lambda: OrganisationFactory(code="EQ-ENT"),
        Role.PROVIDER_MANAGER: lambda: OrganisationFactory(code="EQ-LAB", provider=True),
        Role.PROVIDER_TECHNICIAN: lambda: lab_organisation(),
    }[role]()
    return Context(user_with_role(role, organisation), organisation)


def lab_organisation() -> Organisation:
    from tests.factories import lab_with_credentials

    return lab_with_credentials(code="EQ-LAB")


def _both(
    endpoint: Endpoint, changes: dict[str, Any], client: FlaskClient, auth: Any, api: Any
) -> tuple[Any, Any]:
    context = _context(endpoint.role)
    endpoint.prepare(context)
    web_path, api_path = endpoint.paths(context)
    db.session.commit()
    web_values = _fill({**endpoint.web_base, **_web_inputs(changes)}, context)
    web_values = {key: value for key, value in web_values.items() if value is not OMIT}
    api_values = _fill({**endpoint.api_base, **{key: _api(value) for key, value in changes.items()}}, context)
    if "verifier_card" in changes:
        api_values["verifier"] = api_values.pop("verifier_card")
    http = api(context.actor)
    # The API's changes, if any, are undone before the form is sent: each path meets the same rows.
    before_api = db.session.connection().begin_nested()
    api_response = http.open(
        api_path,
        method=endpoint.api_method,
        json=_api_values(_without_omitted(api_values)),
        headers={"Accept-Language": "en"},
    )
    before_api.rollback()
    db.session.expire_all()
    logged_in(client, auth, context.actor)
    token = csrf_token_from(client.get(web_path).get_data(as_text=True))
    web_response = client.post(web_path, data={"csrf_token": token, **web_values})
    return web_response, api_response


@pytest.mark.parametrize(
    ("name", "changes"), BAD, ids=[f"{name}: {', '.join(changes)}" for name, changes in BAD]
)
def test_the_same_bad_input_gets_the_same_field_errors_from_the_form_and_the_api(
    client: FlaskClient, auth: Any, api: Any, name: str, changes: dict[str, Any]
) -> None:
    web, api_response = _both(ENDPOINTS[name], changes, client, auth, api)
    assert api_response.status_code in (409, 422), api_response.get_data(as_text=True)
    assert web.status_code == 422, web.get_data(as_text=True)[:2000]
    from_api = dict(api_response.get_json()["error"]["fields"])
    from_web = _web_errors(web.get_data(as_text=True))
    above_the_form = from_web.pop("_", "")
    # A message for what the form has no field of (the version read, the request as a whole) stands above it.
    for key in set(from_api) - set(from_web):
        assert from_api[key] in above_the_form, (key, from_api, from_web, above_the_form)
    assert from_web == {key: from_api[key] for key in from_web if key in from_api}, (from_web, from_api)
    assert set(from_web) <= set(from_api), (from_web, from_api)
    assert set(changes) & {key.split(".")[0] for key in from_api} or "version" in changes, from_api


@pytest.mark.parametrize(
    ("name", "changes"), GOOD, ids=[f"{name}: {', '.join(changes)}" for name, changes in GOOD]
)
def test_inputs_one_path_took_are_taken_by_both(
    client: FlaskClient, auth: Any, api: Any, name: str, changes: dict[str, Any]
) -> None:
    web, api_response = _both(ENDPOINTS[name], changes, client, auth, api)
    assert api_response.status_code in (200, 201), api_response.get_data(as_text=True)
    assert web.status_code == 302, _web_errors(web.get_data(as_text=True))
