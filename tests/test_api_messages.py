"""Every message an API caller can get is in the caller's language: each endpoint the OpenAPI document
describes is sent each kind of wrong type in every field of its body and of its query string, and bodies
that are not an object; every answer is in Vietnamese (the default), never one of marshmallow's or
webargs' English messages (``Not a valid mapping type.``, ``Invalid value.``…)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
import pytest
import webargs.core

from registry.extensions import db
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification

# Vietnamese letters that English never writes: every Vietnamese message holds at least one.
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
# One value of each JSON type, and the shapes that trip a field expecting another (a list of what, an
# object of what).
WRONG_VALUES: list[Any] = ["x", 12345, 1.5, True, None, ["x"], [1], [{}], [[]], {"a": 1}, {}]
WRONG_BODIES: list[Any] = [[], ["x"], "x", 1, None]
WRONG_QUERY = ["x", "", "-1", "1e3", "٣", "0001-01-01"]


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _library_messages() -> set[str]:
    """marshmallow's and webargs' own (English) messages, as they ship them."""
    messages = {"Invalid value.", "Invalid JSON body.", webargs.core.Parser.DEFAULT_VALIDATION_MESSAGE}
    for cls in (ma.fields.Field, *_subclasses(ma.fields.Field)):
        if cls.__module__.startswith("marshmallow"):
            messages |= {m for m in getattr(cls, "default_error_messages", {}).values() if isinstance(m, str)}
    messages |= {m for m in ma.Schema._default_error_messages.values() if isinstance(m, str)}
    return messages


LIBRARY_MESSAGES = _library_messages()
LIBRARY_PREFIXES = re.compile(
    r"^(Not a valid|Missing data|Unknown field|Invalid |Field may not|Length must|Must be|Shorter than|"
    r"Longer than|String does not match|Must not|Number too large|Special numeric)"
)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


def _body_fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return []
    name = schema["$ref"].rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"][name].get("properties", {})
    return [key for key, value in properties.items() if not value.get("readOnly")]


def _messages(response: Any) -> list[str]:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code < 400:
        return []
    error = response.get_json()["error"]
    return [error["message"], *error["fields"].values()]


@pytest.fixture
def rows(lab_technician: Any) -> dict[str, str]:
    item = InstrumentFactory(owner=OrganisationFactory(code="MSG-OWN"), serial_number="MSG-1")
    event = record_verification(lab_technician, item)
    db.session.commit()
    return {"{event_id}": str(event.id), "{item_id}": str(item.id), "{code}": "MSG-OWN"}


def _sweep(
    api: Any, department_admin: Any, lab_technician: Any, rows: dict[str, str]
) -> list[tuple[str, Any, str]]:
    """(what was sent, the value, each message answered), in the default language. Each request sends
    one wrong value in every field at once: marshmallow and the services name every wrong field."""
    department, lab = api(department_admin), api(lab_technician)
    spec = department.get("/api/v1/openapi.json").get_json()
    answered: list[tuple[str, Any, str]] = []
    for method, template, operation in _operations(spec):
        path = template
        for placeholder, value in rows.items():
            path = path.replace(placeholder, value)
        client = lab if template.startswith("/api/v1/events") else department
        sent: list[tuple[str, Any, dict[str, Any]]] = []
        fields = _body_fields(spec, operation)
        if fields:
            sent += [
                (f"{method} {template}", value, {"json": dict.fromkeys(fields, value)})
                for value in WRONG_VALUES
            ]
        if "requestBody" in operation:
            sent += [(f"{method} {template} body", body, {"json": body}) for body in WRONG_BODIES]
            sent.append((f"{method} {template} form body", "x=1", {"data": "x=1"}))
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
        if names:
            sent += [
                (f"{method} {template}?", value, {"query_string": dict.fromkeys(names, value)})
                for value in WRONG_QUERY
            ]
        if method == "GET":
            sent.append((f"{method} {template}?unknown", "1", {"query_string": {"unknown": "1"}}))
        for what, value, request in sent:
            response = client.open(path, method=method, **request)
            answered += [(what, value, message) for message in _messages(response)]
    return answered


def test_every_api_message_is_in_vietnamese_by_default(
    api: Any, department_admin: Any, lab_technician: Any, rows: dict[str, str]
) -> None:
    answered = _sweep(api, department_admin, lab_technician, rows)
    assert len({message for _, _, message in answered}) >= 10  # the sweep reached every kind of field
    # A message left in English (ours untranslated, or marshmallow's or webargs' own) has no Vietnamese
    # letter; the libraries' are named as such.
    english = sorted(
        {(what, repr(value), message) for what, value, message in answered if not VIETNAMESE.search(message)}
    )
    assert not english, "\n".join(map(str, english[:40]))
    theirs = {
        message
        for _, _, message in answered
        if message in LIBRARY_MESSAGES or LIBRARY_PREFIXES.match(message)
    }
    assert not theirs, theirs
