"""What an event records, declared once: the recording and amending services, the forms, the API and
the history of revisions all take their field names (and labels, and text limits) from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class EventField:
    name: str  # the services' and the forms' name (the API calls verifier_card "verifier")
    label: Any
    max_length: int | None = None  # a text field, cleaned as such
    identifier: bool = False  # a number people compare (core.validation.clean_identifier), not prose


# What was found and the document issued: recorded, and what an amendment may change (the item, the kind
# and the provider stay).
OUTCOME_FIELDS: tuple[EventField, ...] = (
    EventField("performed_on", _l("Performed on")),
    EventField("result", _l("Result")),
    EventField("certificate_number", _l("Certificate number"), 80, identifier=True),
    EventField("record_number", _l("Record number (biên bản)"), 80, identifier=True),
    EventField("stamp_number", _l("Stamp number"), 80, identifier=True),
    EventField("verifier_card", _l("Verifier's card number"), 40, identifier=True),
    EventField("technician", _l("Performed by"), 200),
    EventField("valid_until", _l("Valid until")),
    EventField("standards_used", _l("Standards and reference materials used")),
    EventField("measurement_points", _l("Measurement points")),
    EventField("override_reason", _l("Why an overdue or failed standard was used"), 2000),
    EventField("as_found_out_of_tolerance", _l("Out of tolerance as found")),
    EventField("decision_rule", _l("Decision rule")),
    EventField("result_reason", _l("Why the result differs from the measurement points"), 2000),
)
OUTCOME_NAMES = tuple(field.name for field in OUTCOME_FIELDS)
TEXT_LIMITS = {field.name: field.max_length for field in OUTCOME_FIELDS if field.max_length is not None}
IDENTIFIERS = frozenset(field.name for field in OUTCOME_FIELDS if field.identifier)
LABELS = {field.name: field.label for field in OUTCOME_FIELDS}
