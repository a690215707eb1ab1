"""The fields of each kind of item, as the web forms and the API name them, and how each is cleaned.

Every cleaner takes the raw value and gives the value to store, or raises a ServiceError naming the
field. :func:`clean_fields` runs them all and reports every broken field at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.catalogue.models import AdminUnit
from registry.catalogue.services import get_admin_unit, get_instrument_type
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, ServiceError
from registry.core.validation import CODE_PATTERN, clean_identifier, clean_text, clean_whole_number
from registry.items.models import Funding, ItemKind, ItemState, Purpose, StandardLevel, Use

MAX_INTERVAL_MONTHS = 240
NOTES_LENGTH = 2000

Cleaner = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Field:
    """One input field: the model attribute it fills, its cleaner, and whether it must be given."""

    attribute: str
    clean: Cleaner
    required: bool = False
    default: Any = None


def text(limit: int, *, required: bool = False) -> Cleaner:
    def clean(name: str, value: Any) -> str:
        return clean_text(value, field=name, max_length=limit, required=required)

    return clean


def identifier(limit: int, *, required: bool = False) -> Cleaner:
    """A serial number, lot or certificate number: no invisible characters (core.validation)."""

    def clean(name: str, value: Any) -> str:
        return clean_identifier(value, field=name, max_length=limit, required=required)

    return clean


def choice(options: type[enum.StrEnum]) -> Cleaner:
    values = [option.value for option in options]

    def clean(name: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ServiceError({name: _l("This field is required.")})
        if value.strip().lower() not in values:
            raise ServiceError({name: _l("Use one of: %(choices)s.", choices=", ".join(values))})
        return value.strip().lower()

    return clean


def interval(name: str, value: Any) -> int | None:
    """Months: a whole number (a JSON integer from the API, its digits as typed in a form)."""
    value = clean_whole_number(value, field=name)
    if value is None:
        return None
    if not 1 <= value <= MAX_INTERVAL_MONTHS:
        raise ServiceError(
            {name: _l("Use a number from %(min)s to %(max)s.", min=1, max=MAX_INTERVAL_MONTHS)}
        )
    return value


def day(name: str, value: Any) -> date | None:
    return clean_date(value, field=name, required=False)


def past_day(name: str, value: Any) -> date | None:
    """A day something happened (the item was acquired): not in the future."""
    return clean_date(value, field=name, required=False, past=True)


def flag(name: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ServiceError({name: _l("Answer yes or no.")})
    return value


def instrument_type(name: str, value: Any) -> Any:
    code = clean_identifier(value, field=name, max_length=None)
    if not CODE_PATTERN.match(code):
        raise ServiceError({name: _l("Unknown instrument type %(code)s.", code=code[:50])})
    return get_instrument_type(code, field_name=name)


def admin_unit(name: str, value: Any) -> AdminUnit | None:
    code = clean_identifier(value, field=name, max_length=None, required=False)
    return get_admin_unit(code, field_name=name) if code else None


COMMON: dict[str, Field] = {
    "state": Field("state", choice(ItemState), default=ItemState.IN_SERVICE.value),
    "funding": Field("funding", choice(Funding), default=Funding.OWN.value),
    "purpose": Field("purpose", choice(Purpose), default=Purpose.OTHER.value),
    "acquired_on": Field("acquired_on", past_day),
    "notes": Field("notes", text(NOTES_LENGTH), default=""),
}

FIELDS: dict[ItemKind, dict[str, Field]] = {
    ItemKind.INSTRUMENT: {
        "type_code": Field("instrument_type", instrument_type, required=True),
        "serial_number": Field("serial_number", identifier(80, required=True), required=True),
        "manufacturer": Field("manufacturer", text(120), default=""),
        "model": Field("model", text(120), default=""),
        "measuring_range": Field("measuring_range", text(120), default=""),
        "accuracy_class": Field("accuracy_class", text(40), default=""),
        "site_address": Field("site_address", text(500)),
        "site_admin_unit": Field("site_admin_unit", admin_unit),
        "use": Field("use", choice(Use), default=Use.LEGAL.value),
        "interval_months": Field("interval_months", interval),
        **COMMON,
    },
    ItemKind.STANDARD: {
        "name": Field("name", text(255, required=True), required=True),
        "level": Field("level", choice(StandardLevel), required=True),
        "quantity": Field("quantity", text(60, required=True), required=True),
        "serial_number": Field("serial_number", identifier(80), default=""),
        "manufacturer": Field("manufacturer", text(120), default=""),
        "model": Field("model", text(120), default=""),
        "range": Field("measuring_range", text(120), default=""),
        "uncertainty": Field("uncertainty", text(120), default=""),
        "interval_months": Field("interval_months", interval, required=True),
        "traceable_to": Field("traceable_to", text(255), default=""),
        **COMMON,
    },
    ItemKind.REFERENCE_MATERIAL: {
        "name": Field("name", text(255, required=True), required=True),
        "producer": Field("producer", text(200), default=""),
        "producer_iso17034": Field("producer_iso17034", flag, default=False),
        "lot": Field("lot", identifier(80), default=""),
        "certified_value": Field("certified_value", text(80), default=""),
        "uncertainty": Field("uncertainty", text(120), default=""),
        "unit": Field("unit", text(40), default=""),
        "certificate_number": Field("certificate_number", identifier(80), default=""),
        "expiry_date": Field("expiry_date", day, required=True),
        **COMMON,
    },
}


def clean_fields(
    kind: ItemKind, values: Mapping[str, Any], *, creating: bool, errors: FieldErrors
) -> dict[str, Any]:
    """Model attribute → clean value for the fields given in ``values`` (all of them when creating,
    with the defaults of those left out). Unknown names are a programming error."""
    fields = FIELDS[kind]
    unknown = set(values) - set(fields)
    if unknown:
        raise KeyError(f"not a field of {kind}: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in values:
            if creating and spec.required:
                errors.add(name, _l("This field is required."))
            elif creating and spec.default is not None:
                cleaned[spec.attribute] = spec.default
            continue
        try:
            value = spec.clean(name, values[name])
        except ServiceError as error:
            errors.absorb(error)
            continue
        if spec.required and value is None:
            errors.add(name, _l("This field is required."))
            continue
        cleaned[spec.attribute] = value
    return cleaned
