"""An accreditation's scope entries read as numbers: the measuring range and the CMC (calibration and
measurement capability, ILAC P14), so that a calibration's stated uncertainty can be checked against them.

The entries stay what the API and the form have always taken — ``{"quantity", "range", "cmc"}`` as text
(DESIGN §5) — and the text is kept as written; what is new is that it must read:

- ``range``: ``low – high unit`` or ``low unit – high unit`` ("1 mg – 50 kg", "0 – 700 bar", "-40 – 150 °C";
  the dash may be –, —, -, ÷ or "to"/"đến"), or empty for the whole quantity;
- ``cmc``: ``number unit`` ("0,005 mg") or ``number %`` (relative to the value measured), or empty.

Units are compared as written, with an SI prefix (n, µ, m, c, d, k, M, G) converted ("mg" in a range, "g" in a
measurement point); units that differ otherwise (m³/h and L/min) are not compared, so the check stays
silent rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

NUMBER = r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)"
UNIT = r"[^\d\s.,+\-–—÷±][^\s]*"
AMOUNT = re.compile(rf"\s*±?\s*(?P<number>{NUMBER})\s*(?P<unit>{UNIT})\s*\Z")
RANGE = re.compile(
    rf"\s*(?P<low>{NUMBER})\s*(?P<low_unit>{UNIT})?\s*(?:–|—|-|÷|\.\.|to|đến)\s*"
    rf"(?P<high>{NUMBER})\s*(?P<high_unit>{UNIT})\s*\Z"
)
PREFIXES = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "µ": Decimal("1e-6"),
    "μ": Decimal("1e-6"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "c": Decimal("1e-2"),
    "d": Decimal("1e-1"),
    "k": Decimal(1000),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
}
PERCENT = "%"


@dataclass(frozen=True)
class Amount:
    value: Decimal
    unit: str


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def read_amount(text: str) -> Amount | None:
    """ "0,005 mg" → 0.005 mg; "0.05 %" → 0.05 %; None when it does not read so."""
    match = AMOUNT.match(text or "")
    if not match:
        return None
    try:
        return Amount(_decimal(match["number"]), match["unit"])
    except InvalidOperation:
        return None


def read_range(text: str) -> tuple[Amount, Amount] | None:
    """ "1 mg – 50 kg" → (1 mg, 50 kg); "0 – 700 bar" → (0 bar, 700 bar); None when it does not read so."""
    match = RANGE.match(text or "")
    if not match:
        return None
    try:
        high = Amount(_decimal(match["high"]), match["high_unit"])
        return Amount(_decimal(match["low"]), match["low_unit"] or high.unit), high
    except InvalidOperation:
        return None


def factor(unit: str, into: str) -> Decimal | None:
    """How many ``into`` one ``unit`` is, when they differ by an SI prefix at most; None otherwise."""
    if unit == into:
        return Decimal(1)
    for prefix, scale in PREFIXES.items():
        if not unit.startswith(prefix):
            continue
        base = unit[len(prefix) :]
        # A prefix on a squared or cubed unit scales by its power: not compared.
        if not base or any(power in base for power in "²³"):
            continue
        other = into[: len(into) - len(base)] if into.endswith(base) else None
        if other is not None and other in PREFIXES:
            return scale / PREFIXES[other]
    return None


def convert(amount: Amount, into: str) -> Decimal | None:
    scale = factor(amount.unit, into)
    return None if scale is None else amount.value * scale


def covers(entry: dict[str, Any], nominal: Decimal, unit: str) -> bool | None:
    """Whether the entry's range holds ``nominal`` ``unit``: True for an entry without a range, None when
    its range does not read or its units do not compare."""
    text = str(entry.get("range") or "")
    if not text.strip():
        return True
    read = read_range(text)
    if read is None:
        return None
    low, high = (convert(end, unit) for end in read)
    if low is None or high is None:
        return None
    return min(low, high) <= nominal <= max(low, high)


def cmc_at(entry: dict[str, Any], nominal: Decimal, unit: str) -> Decimal | None:
    """The entry's CMC at ``nominal`` in ``unit`` (a relative CMC times |nominal|); None when it has none
    or it does not compare."""
    amount = read_amount(str(entry.get("cmc") or ""))
    if amount is None:
        return None
    if amount.unit == PERCENT:
        return abs(nominal) * amount.value / 100
    value = convert(amount, unit)
    return None if value is None else abs(value)
