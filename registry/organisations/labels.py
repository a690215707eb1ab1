"""Words (and badge colours) for the values of organisations and credentials, for the templates."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from registry.catalogue.services import type_names

KIND_LABELS = {
    "department": _l("Department"),
    "enterprise": _l("Enterprise"),
    "provider": _l("Service provider"),
}
OWNERSHIP_LABELS = {
    "public_unit": _l("Public unit"),
    "state_capital": _l("With state capital"),
    "fdi": _l("Foreign-invested (FDI)"),
    "private": _l("Private"),
}
SERVICE_LABELS = {
    "verification": _l("Verification"),
    "calibration": _l("Calibration"),
    "testing": _l("Testing"),
}
STATE_LABELS = {
    "valid": _l("Valid"),
    "expiring": _l("Expiring soon"),
    "lapsed": _l("Lapsed"),
    "not_yet_valid": _l("Not yet valid"),
    "suspended": _l("Suspended"),
    "withdrawn": _l("Withdrawn"),
    "revoked": _l("Revoked"),
}
# Bootstrap's text-bg-* pairs a background with a readable text colour. The words carry the meaning.
STATE_BADGES = {
    "valid": "text-bg-success",
    "expiring": "text-bg-warning",
    "lapsed": "text-bg-danger",
    "not_yet_valid": "text-bg-info",
    "suspended": "text-bg-warning",
    "withdrawn": "text-bg-dark",
    "revoked": "text-bg-dark",
}
CONFIRMATION_LABELS = {
    "pending": _l("Awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
}
CONFIRMATION_BADGES = {
    "pending": "text-bg-secondary",
    "confirmed": "text-bg-success",
    "rejected": "text-bg-danger",
}
ROLE_LABELS = {
    "department_admin": _l("Department administrator"),
    "department_officer": _l("Department officer"),
    "provider_manager": _l("Laboratory manager"),
    "provider_technician": _l("Laboratory technician"),
    "enterprise_manager": _l("Enterprise manager"),
    "enterprise_viewer": _l("Enterprise viewer"),
}
SUSPENSION_LABELS = {
    "": _l("In force"),
    "suspended": _l("Suspended"),
    "withdrawn": _l("Withdrawn"),
}


def format_percent(value: Any) -> str:
    """A share in per cent as the reader writes numbers: 12,5 % in Vietnamese, 12.5 % in English."""
    return f"{format_decimal(value or 0)} %"


def template_labels() -> dict[str, Any]:
    return {
        "format_percent": format_percent,
        "ownership_labels": OWNERSHIP_LABELS,
        "service_labels": SERVICE_LABELS,
        "state_labels": STATE_LABELS,
        "state_badges": STATE_BADGES,
        "confirmation_labels": CONFIRMATION_LABELS,
        "confirmation_badges": CONFIRMATION_BADGES,
        "type_names": type_names,
        "role_labels": ROLE_LABELS,
    }
