"""An item's audit trail as its page shows it: field labels instead of column names, organisation,
type and administrative unit codes instead of row ids, and the derived search column left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import history
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.catalogue.models import AdminUnit, InstrumentType
from registry.extensions import db
from registry.i18n import format_day
from registry.items.labels import (
    FUNDING_LABELS,
    LEVEL_LABELS,
    PURPOSE_LABELS,
    RESULT_LABELS,
    STATE_LABELS,
    USE_LABELS,
    label,
    type_name,
)
from registry.items.models import Item
from registry.organisations.models import Organisation

DATES = frozenset({"acquired_on", "valid_until", "last_event_on", "expiry_date", "repaired_on"})
HIDDEN = frozenset({"id", "kind", "search_text", "created_at"})

FIELD_LABELS: dict[str, Any] = {
    "owner_id": _l("Owner"),
    "type_id": _l("Instrument type"),
    "site_admin_unit_id": _l("Site administrative unit"),
    "site_address": _l("Site address"),
    "name": _l("Name"),
    "serial_number": _l("Serial number"),
    "manufacturer": _l("Manufacturer"),
    "model": _l("Model"),
    "measuring_range": _l("Measuring range"),
    "accuracy_class": _l("Accuracy class"),
    "use": _l("Use"),
    "interval_months": _l("Interval (months)"),
    "state": _l("State"),
    "funding": _l("Funding"),
    "purpose": _l("Purpose"),
    "acquired_on": _l("Acquired on"),
    "notes": _l("Notes"),
    "valid_until": _l("Valid until"),
    "last_result": _l("Last result"),
    "last_event_on": _l("Last event on"),
    "needs_reverification": _l("Needs verification after repair"),
    "repaired_on": _l("Repaired or seal broken on"),
    "level": _l("Level"),
    "quantity": _l("Quantity"),
    "uncertainty": _l("Uncertainty"),
    "traceable_to": _l("Traceable to"),
    "producer": _l("Producer"),
    "producer_iso17034": _l("Producer accredited to ISO 17034"),
    "lot": _l("Lot"),
    "certified_value": _l("Certified value"),
    "unit": _l("Unit"),
    "certificate_number": _l("Certificate number"),
    "expiry_date": _l("Expiry date"),
}
VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "use": USE_LABELS,
    "state": STATE_LABELS,
    "funding": FUNDING_LABELS,
    "purpose": PURPOSE_LABELS,
    "level": LEVEL_LABELS,
    "last_result": RESULT_LABELS,
}
REFERENCES: dict[str, Any] = {
    "owner_id": Organisation,
    "type_id": InstrumentType,
    "site_admin_unit_id": AdminUnit,
}


@dataclass(frozen=True)
class Entry:
    """What ``audit/history.html`` reads of an audit event."""

    occurred_at: datetime
    actor_label: str
    action: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    reason: str | None


def _names(events: list[Any]) -> dict[str, dict[Any, str]]:
    """What the ids in the trail's values name, as a reader knows them: an organisation's name and code, a
    type's name in the reader's language, an administrative unit's name."""
    wanted: dict[str, set[Any]] = {key: set() for key in REFERENCES}
    for event in events:
        for values in (event.old_values or {}, event.new_values or {}):
            for key in REFERENCES:
                if values.get(key) is not None:
                    wanted[key].add(values[key])
    names: dict[str, dict[Any, str]] = {}
    for key, model in REFERENCES.items():
        rows: list[Any] = list(db.session.scalars(select(model).where(model.id.in_(wanted[key]))))
        names[key] = {row.id: _name(row) for row in rows}
    return names


def _name(row: Any) -> str:
    if isinstance(row, InstrumentType):
        return type_name(row)
    if isinstance(row, Organisation):
        return f"{row.name} ({row.code})"
    return str(row.name)


def item_history(actor: Actor, item: Item) -> list[Entry]:
    """The item's history, for those who may read it: the Department and the owner's people, not the labs
    that served it (the names and e-mails of another organisation's people)."""
    if not policy.permits(actor, item, Permission.VIEW_HISTORY):
        return []
    events = history("items", item.id)
    names = _names(events)

    def shown(values: dict[str, Any] | None, *, skip_empty: bool) -> dict[str, Any] | None:
        if values is None:
            return None
        result: dict[str, Any] = {}
        for key, value in values.items():
            if key in HIDDEN or (skip_empty and value in (None, "", False)):
                continue
            if key == "version":
                result[key] = value
                continue
            if key in names and value is not None:
                value = names[key].get(value, value)
            elif isinstance(value, bool):
                value = _l("Yes") if value else _l("No")
            elif key in VALUE_LABELS:
                value = label(VALUE_LABELS[key], value)
            elif key in DATES and isinstance(value, str):
                value = format_day(date.fromisoformat(value))
            result[str(FIELD_LABELS.get(key, key))] = "" if value is None else value
        return result

    return [
        Entry(
            occurred_at=event.occurred_at,
            actor_label=event.actor_label,
            action=event.action,
            old_values=shown(event.old_values, skip_empty=False),
            new_values=shown(event.new_values, skip_empty=event.action == "create"),
            reason=event.reason,
        )
        for event in events
    ]
