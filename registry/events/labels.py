"""The words for events' coded values, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.events.decision import RULE_LABELS
from registry.events.models import VALIDITY_KINDS, EventKind, EventState, SignatureMeaning
from registry.items.labels import RESULT_LABELS

KIND_LABELS = {
    EventKind.VERIFICATION_INITIAL: _l("Initial verification"),
    EventKind.VERIFICATION_PERIODIC: _l("Periodic verification"),
    EventKind.VERIFICATION_AFTER_REPAIR: _l("Verification after repair"),
    EventKind.CALIBRATION: _l("Calibration"),
    EventKind.INTERNAL_CALIBRATION: _l("Internal calibration"),
    EventKind.TEST: _l("Test"),
    EventKind.INTERMEDIATE_CHECK: _l("Intermediate check"),
}
STATE_LABELS = {
    EventState.CURRENT: _l("Current"),
    EventState.AMENDED: _l("Amended"),
    EventState.VOID: _l("Voided"),
}


def revision_label(revision: int) -> str:
    """Revision 0 is the certificate as first issued; each amendment is numbered from 1."""
    return str(_l("revision %(n)d", n=revision)) if revision else str(_l("original issue"))


__all__ = [
    "KIND_LABELS",
    "RESULT_LABELS",
    "RULE_LABELS",
    "SIGNATURE_LABELS",
    "SIGN_BUTTONS",
    "STATE_CLASSES",
    "STATE_LABELS",
    "VALIDITY_KINDS",
    "revision_label",
]

SIGNATURE_LABELS = {
    SignatureMeaning.PERFORMED: _l("Performed by"),
    SignatureMeaning.REVIEWED: _l("Reviewed and approved by"),
}
SIGN_BUTTONS = {
    SignatureMeaning.PERFORMED: _l("Sign as performer"),
    SignatureMeaning.REVIEWED: _l("Sign as reviewer"),
}

STATE_CLASSES = {
    EventState.CURRENT: "text-bg-success",
    EventState.AMENDED: "text-bg-secondary",
    EventState.VOID: "text-bg-dark",
}
