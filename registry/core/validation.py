"""Input normalisation shared by forms, the API and the command line."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def nfc(text: str) -> str:
    """Vietnamese typed on different systems arrives composed (NFC) or decomposed (NFD): store NFC."""
    return unicodedata.normalize("NFC", text)


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Text as typed or sent, composed (NFC) and trimmed; anything but text (or nothing) is refused."""
    if value is not None and not isinstance(value, str):
        raise ServiceError({field: _l("Enter text.")})
    # Browsers send line breaks in text areas as CR LF; keep plain LF.
    text = nfc(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ServiceError({field: _l("This field is required.")})
    if len(text) > max_length:
        raise ServiceError({field: _l("Use at most %(n)d characters.", n=max_length)})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ServiceError({field: _l("Remove the control characters.")})
    return text


def clean_code(value: str | None, *, field: str = "code") -> str:
    code = (value or "").strip()
    if not code:
        raise ServiceError({field: _l("This field is required.")})
    if not CODE_PATTERN.match(code):
        raise ServiceError(
            {
                field: _l(
                    "Use 1–40 letters, digits, dots, dashes or underscores, starting with a letter or digit."
                )
            }
        )
    return code.upper()


def normalise_email(value: str, *, strict: bool = True, field: str = "email") -> str:
    """Lower-cased, NFC e-mail address. ``strict`` also checks its syntax (for new accounts)."""
    email = nfc(value or "").strip().lower()
    if not strict:
        return email
    if not email:
        raise ServiceError({field: _l("This field is required.")})
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError({field: _l("Enter a valid e-mail address.")}) from None
