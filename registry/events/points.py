"""Measurement points of an event: what was measured at each nominal value, as found and as left.

Numbers are kept as the decimal text the lab gave ("0.05", never 0.05000000000000000277), so a stored
certificate says exactly what was issued; a Vietnamese decimal comma ("0,05") is read as a point. They are
finite, in plain notation and of a sane size (:mod:`registry.core.numbers`): "1e999", "NaN" or "Infinity"
are refused, never stored as given.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError
from registry.core.numbers import read_decimal
from registry.core.validation import clean_text

NUMBERS = ("nominal", "as_found", "as_left", "error", "mpe", "uncertainty")
POINT_FIELDS = (*NUMBERS, "unit")
MAX_POINTS = 100
MAX_NUMBER_LENGTH = 30


def _number(value: object, field: str) -> str | None:
    """The point's number as decimal text (the rule of :mod:`registry.core.numbers`), at most
    :data:`MAX_NUMBER_LENGTH` characters long."""
    if isinstance(value, str) and len(value.strip()) > MAX_NUMBER_LENGTH:
        raise ServiceError({field: _l("Use at most %(n)d characters.", n=MAX_NUMBER_LENGTH)})
    read = read_decimal(value, field=field)
    if read is None:
        return None
    if len(read.text) > MAX_NUMBER_LENGTH:
        raise ServiceError({field: _l("Use at most %(n)d characters.", n=MAX_NUMBER_LENGTH)})
    return read.text


def clean_points(points: object) -> list[dict[str, str]]:
    """The points given, checked; rows with nothing in them are dropped. Field errors are named
    ``measurement_points.<row>.<field>`` (rows counted from 1)."""
    if points is None:
        return []
    if not isinstance(points, list):
        raise ServiceError({"measurement_points": _l("Give a list of measurement points.")})
    if len(points) > MAX_POINTS:
        raise ServiceError({"measurement_points": _l("Give at most %(n)d measurement points.", n=MAX_POINTS)})
    cleaned: list[dict[str, str]] = []
    errors: dict[str, Any] = {}
    for row, point in enumerate(points, start=1):
        prefix = f"measurement_points.{row}"
        if not isinstance(point, dict):
            errors[prefix] = _l("Each measurement point is an object of numbers and a unit.")
            continue
        unknown = sorted(set(point) - set(POINT_FIELDS))
        if unknown:
            errors[f"{prefix}.{unknown[0]}"] = _l("Unknown field.")
            continue
        values: dict[str, str] = {}
        for name in NUMBERS:
            try:
                number = _number(point.get(name), f"{prefix}.{name}")
            except ServiceError as error:
                errors.update(error.fields)
                continue
            if number is not None:
                values[name] = number
        try:
            unit_text = clean_text(point.get("unit"), field=f"{prefix}.unit", max_length=20, required=False)
        except ServiceError as error:
            errors.update(error.fields)
            continue
        if not values:
            if unit_text:
                errors[f"{prefix}.nominal"] = _l("Give at least one value for this point.")
            continue
        if unit_text:
            values["unit"] = unit_text
        cleaned.append(values)
    if errors:
        raise ServiceError(errors)
    return cleaned
