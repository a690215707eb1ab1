"""What an amendment changed: the fields of two revisions side by side, in the user's words."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from registry.events.decision import RULE_LABELS
from registry.events.fields import LABELS, OUTCOME_NAMES
from registry.events.labels import RESULT_LABELS
from registry.events.models import Event
from registry.i18n import format_day
from registry.items.labels import label


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def shown_values(event: Event) -> dict[str, str]:
    """Each field of :data:`.fields.OUTCOME_FIELDS` as the page shows it."""
    points = "; ".join(
        ", ".join(f"{name}={value}" for name, value in point.items()) for point in event.measurement_points
    )
    return {
        "performed_on": format_day(event.performed_on),
        "result": str(label(RESULT_LABELS, event.result)),
        "certificate_number": event.certificate_number or "",
        "record_number": event.record_number or "",
        "stamp_number": event.stamp_number or "",
        "verifier_card": event.verifier.card_number if event.verifier else "",
        "technician": event.technician,
        "valid_until": format_day(event.valid_until),
        "standards_used": ", ".join(sorted(item.name or item.serial_number for item in event.standards_used)),
        "measurement_points": points,
        "override_reason": event.override_reason or "",
        "as_found_out_of_tolerance": str(_l("Yes") if event.as_found_out_of_tolerance else _l("No")),
        "decision_rule": str(label(RULE_LABELS, event.decision_rule)) if event.decision_rule else "",
        "result_reason": event.result_reason or "",
    }


def changes_between(earlier: Event, later: Event) -> list[Change]:
    before, after = shown_values(earlier), shown_values(later)
    return [
        Change(str(LABELS[name]), before[name], after[name])
        for name in OUTCOME_NAMES
        if before[name] != after[name]
    ]
