"""Checks every editing service makes: the version the caller read, and a reason for the change."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.core.errors import ConflictError
from registry.core.models import Versioned
from registry.core.validation import clean_text

MAX_REASON_LENGTH = 2000


def check_version(row: Versioned, expected: int | None) -> None:
    """Refuse to overwrite a row that changed since the caller read version ``expected``."""
    if expected is not None and expected != row.version:
        raise ConflictError(
            {
                "version": _l(
                    "Someone else changed this record (now version %(current)d, you edited version "
                    "%(expected)d). Reload it and make your change again.",
                    current=row.version,
                    expected=expected,
                )
            }
        )


def require_reason(reason: object) -> str:
    """The reason given for a change: required text, at most 2000 characters."""
    return clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH)
