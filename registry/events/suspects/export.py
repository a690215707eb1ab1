"""The columns of the suspect report's CSV and XLSX download (headers in the user's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.core.export import Column
from registry.events.labels import KIND_LABELS
from registry.events.suspects.labels import DECISION_LABELS, RULE_LABELS
from registry.events.suspects.services import SuspectRow
from registry.items.labels import label, type_name
from registry.items.models import Instrument, Item


def item_name(item: Item) -> str:
    """How the report names an item: an instrument by its type and serial number, else by its name."""
    if isinstance(item, Instrument):
        return f"{type_name(item.instrument_type)} · {item.serial_number}"
    return item.name or item.serial_number or ""


def _assessment(row: SuspectRow) -> str:
    return str(label(DECISION_LABELS, row.assessment.decision)) if row.assessment else ""


COLUMNS = [
    # By its name only: the standard may be another lab's, whose serial number is not the reader's to see.
    Column(_l("Standard"), lambda row: row.suspicion.standard.name, 32),
    Column(_l("Standard's owner"), lambda row: row.suspicion.standard.owner.code, 14),
    Column(_l("Why"), lambda row: str(label(RULE_LABELS, row.suspicion.rule)), 30),
    Column(_l("Window from (excluded)"), lambda row: row.suspicion.window_from, 12),
    Column(_l("Window to"), lambda row: row.suspicion.window_to, 12),
    Column(_l("Steps down the chain"), lambda row: row.suspicion.depth, 8),
    Column(_l("Performed on"), lambda row: row.event.performed_on, 12),
    Column(_l("Kind of event"), lambda row: str(label(KIND_LABELS, row.event.kind)), 22),
    Column(_l("Certificate number"), lambda row: row.event.certificate_number or row.event.record_number),
    Column(_l("Provider"), lambda row: row.event.provider.code, 14),
    Column(_l("Item"), lambda row: item_name(row.event.item), 36),
    Column(_l("Owner code"), lambda row: row.event.item.owner.code, 14),
    Column(_l("Owner"), lambda row: row.event.item.owner.name, 40),
    Column(_l("Open"), lambda row: str(_l("Yes") if row.open else _l("No")), 8),
    Column(_l("Impact assessment"), _assessment, 24),
    Column(_l("Reason"), lambda row: row.assessment.reason if row.assessment else "", 40),
]
