"""How an instrument type's audit trail reads on its page: the type's and its legal rules' changes, with
field labels instead of column names, quantities and confidence in words, and the file's raw copy left out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.audit.readable import Entry, Vocabulary, readable
from registry.audit.services import history
from registry.catalogue.labels import CONFIDENCE_LABELS, QUANTITY_LABELS
from registry.catalogue.models import InstrumentType

# "source" is the reference file's row as last synchronised: what sync compares against, not a field.
HIDDEN = frozenset({"id", "source", "created_at", "instrument_type_id"})
COMMON_LABELS = {
    "confidence": _l("Confidence"),
    "note": _l("Note"),
}
TYPE_VOCABULARY = Vocabulary(
    labels={
        **COMMON_LABELS,
        "code": _l("Code"),
        "name_vi": _l("Name in Vietnamese"),
        "name_en": _l("Name in English"),
        "quantity": _l("Quantity"),
        "list_row": _l("Row in the Group 2 list"),
    },
    hidden=HIDDEN,
    values={"confidence": CONFIDENCE_LABELS, "quantity": QUANTITY_LABELS},
)
RULE_VOCABULARY = Vocabulary(
    labels={
        **COMMON_LABELS,
        "controls": _l("Controls"),
        "cycle_months": _l("Cycle (months)"),
        "legal_basis": _l("Legal basis"),
        "effective_from": _l("In force from"),
        "effective_to": _l("In force until"),
    },
    hidden=HIDDEN,
    values={"confidence": CONFIDENCE_LABELS},
    dates=frozenset({"effective_from", "effective_to"}),
)


def type_history(instrument_type: InstrumentType) -> list[Entry]:
    """The type's changes and its rules', oldest first."""
    entries = readable(history("instrument_types", instrument_type.id), TYPE_VOCABULARY)
    for rule in instrument_type.rules:
        entries += readable(history("legal_rules", rule.id), RULE_VOCABULARY)
    return sorted(entries, key=lambda entry: entry.occurred_at)
