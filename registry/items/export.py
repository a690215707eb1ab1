"""The columns of each item list's CSV and XLSX download (headers in the user's language)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.core.export import Column
from registry.items.labels import (
    FUNDING_LABELS,
    LEVEL_LABELS,
    PURPOSE_LABELS,
    STATE_LABELS,
    USE_LABELS,
    label,
    type_name,
)
from registry.items.models import Item, ItemKind
from registry.items.status import status_labels, status_of


def _owner(item: Item) -> str:
    return item.owner.code


def columns(kind: ItemKind, today: date) -> list[Column]:
    def status(item: Item) -> str:
        return str(status_labels(kind)[status_of(item, today)])

    head = [
        Column(_l("ID"), lambda item: item.id, 8),
        Column(_l("Owner code"), _owner, 14),
        Column(_l("Owner"), lambda item: item.owner.name, 40),
    ]
    tail = [
        Column(_l("State"), lambda item: label(STATE_LABELS, item.state)),
        Column(_l("Status"), status),
        Column(_l("Valid until"), lambda item: item.valid_until, 12),
        Column(_l("Funding"), lambda item: label(FUNDING_LABELS, item.funding)),
        Column(_l("Purpose"), lambda item: label(PURPOSE_LABELS, item.purpose)),
        Column(_l("Acquired on"), lambda item: item.acquired_on, 12),
    ]
    middle: list[Column]
    if kind == ItemKind.INSTRUMENT:
        middle = [
            Column(_l("Type code"), lambda item: item.instrument_type.code if item.instrument_type else ""),
            Column(_l("Instrument type"), lambda item: type_name(item.instrument_type), 36),
            Column(_l("Serial number"), lambda item: item.serial_number),
            Column(_l("Manufacturer"), lambda item: item.manufacturer),
            Column(_l("Model"), lambda item: item.model),
            Column(_l("Measuring range"), lambda item: item.measuring_range),
            Column(_l("Accuracy class"), lambda item: item.accuracy_class, 12),
            Column(_l("Site address"), lambda item: item.site_address, 40),
            Column(
                _l("Site administrative unit"),
                lambda item: item.site_admin_unit.name if item.site_admin_unit else "",
                24,
            ),
            Column(_l("Use"), lambda item: label(USE_LABELS, item.use), 24),
            Column(_l("Interval (months)"), lambda item: item.interval_months, 10),
        ]
    elif kind == ItemKind.STANDARD:
        middle = [
            Column(_l("Name"), lambda item: item.name, 36),
            Column(_l("Level"), lambda item: label(LEVEL_LABELS, item.level)),
            Column(_l("Quantity"), lambda item: item.quantity),
            Column(_l("Serial number"), lambda item: item.serial_number),
            Column(_l("Measuring range"), lambda item: item.measuring_range),
            Column(_l("Uncertainty"), lambda item: item.uncertainty),
            Column(_l("Interval (months)"), lambda item: item.interval_months, 10),
            Column(_l("Traceable to"), lambda item: item.traceable_to, 30),
        ]
    else:
        middle = [
            Column(_l("Name"), lambda item: item.name, 36),
            Column(_l("Producer"), lambda item: item.producer, 30),
            Column(_l("ISO 17034"), lambda item: _yes_no(item.producer_iso17034), 10),
            Column(_l("Lot"), lambda item: item.lot),
            Column(_l("Certified value"), lambda item: item.certified_value),
            Column(_l("Uncertainty"), lambda item: item.uncertainty),
            Column(_l("Unit"), lambda item: item.unit, 10),
            Column(_l("Certificate number"), lambda item: item.certificate_number),
            Column(_l("Expiry date"), lambda item: item.expiry_date, 12),
        ]
    return head + middle + tail


def _yes_no(value: Any) -> str:
    return str(_l("Yes")) if value else str(_l("No"))
