"""Whether an item was out of tolerance as found: the lab says so, or its measurement points show it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError


def clean_flag(value: object, field: str) -> bool:
    """A yes/no the caller states: true, false, or nothing (no)."""
    if value is None or value == "":
        return False
    if not isinstance(value, bool):
        raise ServiceError({field: _l("Use true or false.")})
    return value


def out_of_tolerance_as_found(points: list[dict[str, str]]) -> bool:
    """Whether a measurement point (as cleaned by :mod:`registry.events.points`) found the item outside its
    maximum permissible error before adjustment: |as found − nominal| > |MPE|. A point without the three
    numbers tells nothing."""
    for point in points:
        try:
            found, nominal, mpe = (Decimal(point[name]) for name in ("as_found", "nominal", "mpe"))
        except (KeyError, InvalidOperation):
            continue
        if abs(found - nominal) > abs(mpe):
            return True
    return False
