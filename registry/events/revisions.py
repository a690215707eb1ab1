"""What an amendment changed: the fields of two revisions side by side, in the user's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.events.labels import RESULT_LABELS
from registry.events.models import Event
from registry.i18n import format_day
from registry.items.labels import label

FIELD_LABELS: dict[str, Any] = {
    "performed_on": _l("Performed on"),
    "result": _l("Result"),
    "certificate_number": _l("Certificate number"),
    "record_number": _l("Record number (biên bản)"),
    "stamp_number": _l("Stamp number"),
    "verifier": _l("Verifier's card number"),
    "technician": _l("Performed by"),
    "valid_until": _l("Valid until"),
    "standards_used": _l("Standards and reference materials used"),
    "measurement_points": _l("Measurement points"),
    "override_reason": _l("Why an overdue or failed standard was used"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def shown_values(event: Event) -> dict[str, str]:
    """Each field of :data:`FIELD_LABELS` as the page shows it."""
    points = "; ".join(
        ", ".join(f"{name}={value}" for name, value in point.items()) for point in event.measurement_points
    )
    return {
        "performed_on": format_day(event.performed_on),
        "result": str(label(RESULT_LABELS, event.result)),
        "certificate_number": event.certificate_number or "",
        "record_number": event.record_number or "",
        "stamp_number": event.stamp_number or "",
        "verifier": event.verifier.card_number if event.verifier else "",
        "technician": event.technician,
        "valid_until": format_day(event.valid_until),
        "standards_used": ", ".join(sorted(item.name or item.serial_number for item in event.standards_used)),
        "measurement_points": points,
        "override_reason": event.override_reason or "",
    }


def changes_between(earlier: Event, later: Event) -> list[Change]:
    before, after = shown_values(earlier), shown_values(later)
    return [
        Change(str(FIELD_LABELS[name]), before[name], after[name])
        for name in FIELD_LABELS
        if before[name] != after[name]
    ]
