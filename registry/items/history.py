"""How an item's audit trail reads on its page: field labels instead of column names, the owner, type and
administrative unit by name instead of row ids, and the derived search column left out."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from registry.audit.readable import Entry, Vocabulary, readable
from registry.audit.services import history
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.catalogue.models import AdminUnit, InstrumentType
from registry.items.labels import (
    FUNDING_LABELS,
    LEVEL_LABELS,
    PURPOSE_LABELS,
    RESULT_LABELS,
    STATE_LABELS,
    USE_LABELS,
    type_name,
)
from registry.items.models import Item
from registry.organisations.models import Organisation

DATES = frozenset({"acquired_on", "valid_until", "last_event_on", "expiry_date", "repaired_on"})
HIDDEN = frozenset({"id", "kind", "search_text", "serial_key", "created_at"})

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


def _name(row: Any) -> str:
    """An organisation by its name and code, a type by its name in the reader's language, a unit by name."""
    if isinstance(row, InstrumentType):
        return type_name(row)
    if isinstance(row, Organisation):
        return f"{row.name} ({row.code})"
    return str(row.name)


VOCABULARY = Vocabulary(
    labels=FIELD_LABELS,
    hidden=HIDDEN,
    values=VALUE_LABELS,
    dates=DATES,
    references=REFERENCES,
    name=_name,
)


def item_history(actor: Actor, item: Item) -> list[Entry]:
    """The item's history, for those who may read it: the Department and the owner's people, not the labs
    that served it (the names and e-mails of another organisation's people)."""
    if not policy.permits(actor, item, Permission.VIEW_HISTORY):
        return []
    return readable(history("items", item.id), VOCABULARY)
