"""How a credential's audit trail reads on its page: field labels, services, confirmation and suspension in
words, dates as dates, who confirmed it by name, scopes as the form takes them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from registry.audit.readable import Vocabulary
from registry.auth.models import User
from registry.catalogue.services import TypeNames
from registry.organisations.labels import CONFIRMATION_LABELS, SERVICE_LABELS, SUSPENSION_LABELS


def _name(row: Any) -> str:
    return str(row.name or row.email) if isinstance(row, User) else str(row.name)


VOCABULARY = Vocabulary(
    labels={
        "confirmation": _l("Confirmation"),
        "confirmed_by_id": _l("Confirmed by"),
        "confirmed_at": _l("Confirmed at"),
        "certificate_number": _l("Certificate number"),
        "services": _l("Services"),
        "fields": _l("Fields"),
        "issued_on": _l("Issued on"),
        "revoked_on": _l("Revoked on"),
        "scheme": _l("Scheme"),
        "body": _l("Accreditation body"),
        "number": _l("Number"),
        "scope": _l("Scope"),
        "valid_from": _l("Valid from"),
        "valid_to": _l("Valid to"),
        "suspension": _l("Suspension"),
        "decision_number": _l("Decision number"),
        "type_codes": _l("Instrument types"),
        "name": _l("Name"),
        "card_number": _l("Card number"),
    },
    hidden=frozenset({"id", "created_at", "organisation_id"}),
    values={
        "confirmation": CONFIRMATION_LABELS,
        "services": SERVICE_LABELS,
        "suspension": {None: SUSPENSION_LABELS[""], **SUSPENSION_LABELS},
        "type_codes": TypeNames(),
    },
    dates=frozenset({"issued_on", "revoked_on", "valid_from", "valid_to"}),
    moments=frozenset({"confirmed_at"}),
    references={"confirmed_by_id": User},
    name=_name,
)
