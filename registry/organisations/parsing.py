"""Cleaning the values of organisations and credentials: tax codes, capital shares, lists, dates.

Each cleaner takes what a form, the API or the command line hands over (possibly of the wrong type) and
gives back the stored value, or raises a :class:`ServiceError` naming the field. :class:`FieldErrors`
gathers the errors of several fields so that one answer names every field that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.vn import mst

from registry.catalogue.models import AdminUnit
from registry.catalogue.services import get_admin_unit
from registry.core.errors import ServiceError
from registry.core.numbers import NO_EXPONENT, read_decimal
from registry.core.text import fold
from registry.core.validation import clean_identifier, clean_text

T = TypeVar("T")

PERSONAL_ID_LENGTH = 12  # căn cước công dân: a household business may give it instead of a tax code
MAX_ADDRESS_LENGTH = 500
MAX_SECTORS = 20
MAX_SECTOR_LENGTH = 80
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DIGITS = re.compile(r"^[0-9]+\Z")


def clean_tax_code(value: object, *, field: str = "tax_code") -> str | None:
    """A Vietnamese tax code (mã số thuế), formatted ``0100109106`` or ``0100109106-001`` for a branch; or
    a 12-digit personal ID (a household business); or ``None`` when none is given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ServiceError({field: _l("Enter the tax code as text.")})
    text = clean_identifier(value, field=field, max_length=None, required=False)
    if not text:
        return None
    compact = mst.compact(text)
    if not DIGITS.match(compact):
        raise ServiceError({field: _l('A tax code has digits only, with a "-" before a branch number.')})
    if len(compact) == PERSONAL_ID_LENGTH and not re.search(r"[-.]", text):
        return compact  # a personal ID: 12 digits (a dash or dot says it is a mistyped branch code)
    try:
        return str(mst.format(mst.validate(compact)))
    except InvalidChecksum:
        raise ServiceError(
            {field: _l("The check digit of this tax code is wrong: check the number.")}
        ) from None
    except InvalidComponent:
        raise ServiceError({field: _l("A branch number runs from 001 to 999.")}) from None
    except ValidationError:
        raise ServiceError(
            {
                field: _l(
                    'Use 10 digits, 10 digits + "-" + 3 for a branch, or the 12-digit personal ID of a '
                    "household business."
                )
            }
        ) from None


def clean_percent(value: object, *, field: str) -> Decimal:
    """A share of capital in per cent: 0 to 100, at most two decimals, read as every decimal is
    (:mod:`registry.core.numbers`: "12,5" or 12.5; not "1e1"). ``None`` or empty text is 0."""
    not_a_number = ServiceError({field: _l("Enter a number from 0 to 100.")})
    if value is not None and not isinstance(value, int | float | Decimal | str):
        raise not_a_number
    try:
        read = read_decimal(value, field=field)
    except ServiceError as error:
        if error.fields.get(field) is NO_EXPONENT:
            raise
        raise not_a_number from None
    if read is None:
        return Decimal("0.00")
    number = read.number
    if number < 0 or number > HUNDRED:
        raise not_a_number
    rounded = (number + Decimal(0)).quantize(CENT)
    if rounded != number:
        raise ServiceError({field: _l("Use at most two decimal places.")})
    return rounded


def clean_address(value: object, *, field: str = "address") -> str:
    if value is not None and not isinstance(value, str):
        raise ServiceError({field: _l("Enter text.")})
    return clean_text(value, field=field, max_length=MAX_ADDRESS_LENGTH, required=False)


def clean_flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ServiceError({field: _l("Answer yes or no.")})
    return value


def clean_sectors(value: object, *, field: str = "sectors") -> list[str]:
    """Short sector names, in order, without repeats (compared without case or diacritics). Text is split
    at new lines, commas and semicolons."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = list(re.split(r"[\n,;]", value))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ServiceError({field: _l("Send a list of sectors.")})
    sectors: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ServiceError({field: _l("Each sector is a short text.")})
        text = clean_text(item, field=field, max_length=MAX_SECTOR_LENGTH, required=False)
        if text and fold(text) not in seen:
            seen.add(fold(text))
            sectors.append(text)
    if len(sectors) > MAX_SECTORS:
        raise ServiceError({field: _l("Give at most %(n)d sectors.", n=MAX_SECTORS)})
    return sectors


def find_admin_unit(value: object, *, field: str = "admin_unit") -> AdminUnit | None:
    """The administrative unit with this code; ``None`` for none given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ServiceError({field: _l("Enter the code of an administrative unit.")})
    code = clean_identifier(value, field=field, max_length=None, required=False)
    if not code:
        return None
    return get_admin_unit(code, field_name=field)


def clean_choices(value: object, *, field: str, allowed: Iterable[str], required: bool = True) -> list[str]:
    """A list of distinct values from ``allowed``, in the order of ``allowed``."""
    options = list(allowed)
    if not isinstance(value, list | tuple | set | frozenset):
        raise ServiceError({field: _l("Send a list.")})
    chosen: set[str] = set()
    for item in value:
        text = item.strip().lower() if isinstance(item, str) else ""
        if text not in options:
            raise ServiceError({field: _l("Use only: %(choices)s.", choices=", ".join(options))})
        chosen.add(text)
    if required and not chosen:
        raise ServiceError({field: _l("Choose at least one.")})
    return [option for option in options if option in chosen]
