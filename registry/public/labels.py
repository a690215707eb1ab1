"""The words and colours of what a certificate says today, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.public.services import Verdict

VERDICT_LABELS = {
    Verdict.VOID: _l("Void"),
    Verdict.SUSPECT: _l("Under review"),
    Verdict.FAILED: _l("Failed"),
    Verdict.EXPIRED: _l("Expired"),
    Verdict.VALID: _l("Valid"),
    Verdict.RECORDED: _l("Recorded"),
}
VERDICT_NOTES = {
    Verdict.VOID: _l("The lab withdrew this certificate. It no longer proves anything."),
    Verdict.SUSPECT: _l(
        "A standard the lab used may have been out of tolerance: the lab is checking whether this result "
        "still holds."
    ),
    Verdict.FAILED: _l("The instrument did not pass. It may not be used where the law requires it."),
    Verdict.EXPIRED: _l("The validity of this certificate has ended."),
    Verdict.VALID: _l("This certificate is in the registry and valid today."),
    Verdict.RECORDED: _l("This certificate is in the registry; it sets no end of validity."),
}
VERDICT_CLASSES = {
    Verdict.VOID: "text-bg-dark",
    Verdict.SUSPECT: "text-bg-warning",
    Verdict.FAILED: "text-bg-danger",
    Verdict.EXPIRED: "text-bg-danger",
    Verdict.VALID: "text-bg-success",
    Verdict.RECORDED: "text-bg-info",
}
