"""A calibration's stated uncertainty against the provider's accredited CMC (calibration and measurement
capability). Under ILAC P14 an accredited lab may not state an uncertainty smaller than the CMC of its
accredited scope for that quantity and range: such a result is not covered by the accreditation. The
registry records the certificate as issued and marks it (``Event.below_cmc``), as it marks a calibration
outside the accredited scope (DESIGN §2 "Who"); see docs/events.md for why it marks rather than refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.events.models import EventKind
from registry.items.models import Instrument, Item
from registry.organisations.credentials.scope import cmc_at, covers
from registry.organisations.credentials.state import accreditations_covering
from registry.organisations.models import Organisation


def quantity_of(item: Item) -> str:
    """What the item measures: its instrument type's quantity, or the standard's own."""
    if isinstance(item, Instrument) and item.instrument_type:
        return item.instrument_type.quantity or ""
    return item.quantity or ""


def _number(point: dict[str, Any], name: str) -> Decimal | None:
    try:
        return Decimal(point[name]) if point.get(name) not in (None, "") else None
    except (InvalidOperation, TypeError):
        return None


def below_cmc(
    item: Item, kind: EventKind, provider: Organisation, on: date, points: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The first measurement point of a calibration whose expanded uncertainty is smaller than the best
    CMC that the provider's accredited scope (ISO/IEC 17025, in force on ``on``) gives for the item's
    quantity at that point's nominal value, with the scope entry it was compared with; None when every
    point is at or above it, or nothing compares (no accreditation for the quantity, a point without a
    nominal value or an uncertainty, a range or unit the scope does not give)."""
    if kind != EventKind.CALIBRATION or not points:
        return None
    entries = accreditations_covering(provider, quantity_of(item), on)
    if not entries:
        return None
    for row, point in enumerate(points, start=1):
        nominal, uncertainty = _number(point, "nominal"), _number(point, "uncertainty")
        if nominal is None or uncertainty is None:
            continue
        unit = str(point.get("unit") or "")
        applicable = [
            (cmc, accreditation, entry)
            for accreditation, entry in entries
            if covers(entry, nominal, unit) and (cmc := cmc_at(entry, nominal, unit)) is not None
        ]
        if not applicable:
            continue
        cmc, accreditation, entry = min(applicable, key=lambda found: found[0])
        if abs(uncertainty) < cmc:
            return {
                "accreditation": accreditation.number,
                "quantity": entry.get("quantity", ""),
                "range": entry.get("range", ""),
                "cmc": entry.get("cmc", ""),
                "point": row,
                "nominal": point["nominal"],
                "uncertainty": point["uncertainty"],
                "unit": unit,
            }
    return None
