"""Decimal numbers typed or sent: measurement points, shares of capital.

One rule for every decimal the registry stores. A number is finite, of a size a measurement or a share
can have, and written in plain decimal notation:

- text (a form, or decimal text in the API) is ASCII digits with an optional sign and one decimal point
  or comma ("0.05", "0,05", "-12", ".5"); exponent notation ("1e999", "5e-5"), "NaN", "Infinity", "1_000",
  spaces inside or digits of other scripts are refused with a field error. Accepted text is kept as it
  was written (a comma read as a point), so a stored certificate says exactly what was issued;
- a JSON number arrives as an integer or a float: a float is written out in full from its shortest
  representation (5e-05 → "0.00005"), since its notation was the client library's, not the lab's;
- at most :data:`MAX_INTEGER_DIGITS` digits before the decimal point (|x| < 10¹⁵).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError

MAX_INTEGER_DIGITS = 15
LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)\Z")
EXPONENT = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)[eE][+-]?[0-9]+\Z")

NOT_A_NUMBER = _l("Enter a number.")
NO_EXPONENT = _l("Write the number out in full, without an exponent: 0.00005, not 5e-5.")
TOO_LARGE = _l("Use at most %(n)d digits before the decimal point.", n=MAX_INTEGER_DIGITS)


@dataclass(frozen=True)
class DecimalValue:
    """A number as read: its value, and its text as it is stored (a decimal comma read as a point)."""

    number: Decimal
    text: str


def read_decimal(value: object, *, field: str) -> DecimalValue | None:
    """``value`` (text, an int, a float or a Decimal) as a finite decimal of a sane size; None when it is
    None or empty text. Refusals name ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ServiceError({field: NOT_A_NUMBER})
    if isinstance(value, int):
        text = str(value) if abs(value) < LIMIT else ""
        if not text:
            raise ServiceError({field: TOO_LARGE})
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ServiceError({field: NOT_A_NUMBER})
        text = _plain(Decimal(repr(value)))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ServiceError({field: NOT_A_NUMBER})
        text = _plain(value)
    elif isinstance(value, str):
        text = value.strip()  # spaces around a number hide nothing: what is stored is its digits
        if EXPONENT.match(text):
            raise ServiceError({field: NO_EXPONENT})
        if not PLAIN.match(text):
            raise ServiceError({field: NOT_A_NUMBER})
        text = text.replace(",", ".")
    else:
        raise ServiceError({field: NOT_A_NUMBER})
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - every text above is a plain decimal
        raise ServiceError({field: NOT_A_NUMBER}) from None
    if abs(number) >= LIMIT:
        raise ServiceError({field: TOO_LARGE})
    return DecimalValue(number, text)


def _plain(number: Decimal) -> str:
    """A decimal written out without an exponent ("0.00005", "1500"); too large ones are refused later."""
    if abs(number) >= LIMIT:
        return str(LIMIT)
    return format(number, "f")
