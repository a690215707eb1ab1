"""Input normalisation shared by forms, the API and the command line.

Two kinds of text, one rule each:

- an *identifier* (:func:`clean_identifier`): what a person or a rule compares character by character —
  an organisation code, a serial number, a lot, a certificate, record or stamp number, a verifier's
  card number, a registration, accreditation or decision number. Two identifiers that look the same
  must be the same: one holding an invisible or control character (Unicode Cc, Cf and the other
  default-ignorable code points: the zero-width space, a right-to-left override, a byte order mark, a
  soft hyphen, a Hangul filler, a variation selector…) or a space other than the plain one is refused
  with a field error, never stored, never silently removed, never matched by a lookup.
- plain *text* (:func:`clean_text`): names, addresses, notes, reasons. Control characters (Cc) other than
  the line break and the tab are refused, and so are format characters (Cf) — the bidirectional
  embeddings, overrides and isolates can make a name display as another one, and the zero-width ones hide
  inside a word — except the zero-width joiner and non-joiner (U+200D, U+200C), which some scripts and
  emoji sequences need to be written correctly and which cannot reorder anything.

Both are composed (NFC, so Vietnamese typed on any system is stored one way) and trimmed of spaces; that
is canonical equivalence, not folding: the two forms are the same text to Unicode and look the same.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError

# \Z, not $: "$" would also match before a final line break ("EQ\n").
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")
DIGITS = re.compile(r"[0-9]+")

INVISIBLE = _l("This value contains invisible or control characters: remove them.")
ODD_SPACE = _l("Use plain spaces in this value, not special ones such as a non-breaking space.")
REQUIRED = _l("This field is required.")
WHOLE_NUMBER = _l("Enter a whole number.")

# Format characters plain text may hold: they join or keep apart letters, and move nothing.
JOINERS = frozenset("\u200c\u200d")
# Default-ignorable code points that are not Cc or Cf (Unicode's DerivedCoreProperties): invisible too.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x2065, 0x2065),
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)


def _ignorable(ch: str) -> bool:
    point = ord(ch)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


def invisible_in_identifier(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf") or _ignorable(ch)


def invisible_in_text(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in "\n\t"
    return category == "Cf" and ch not in JOINERS


def nfc(text: str) -> str:
    """Vietnamese typed on different systems arrives composed (NFC) or decomposed (NFD): store NFC."""
    return unicodedata.normalize("NFC", text)


def _checked_length(text: str, *, field: str, max_length: int | None, required: bool) -> str:
    if required and not text:
        raise ServiceError({field: REQUIRED})
    if max_length is not None and len(text) > max_length:
        raise ServiceError({field: _l("Use at most %(n)d characters.", n=max_length)})
    return text


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Text as typed or sent, composed (NFC) and trimmed; anything but text (or nothing) is refused, and
    so is text holding control or format characters (see the module's notes)."""
    if value is not None and not isinstance(value, str):
        raise ServiceError({field: _l("Enter text.")})
    # Browsers send line breaks in text areas as CR LF; keep plain LF. Checked before trimming, so that
    # a control character at either end is refused rather than trimmed away unseen.
    text = nfc(value or "").replace("\r\n", "\n")
    if any(invisible_in_text(ch) for ch in text):
        raise ServiceError({field: INVISIBLE})
    return _checked_length(text.strip(), field=field, max_length=max_length, required=required)


def clean_identifier(value: object, *, field: str, max_length: int | None, required: bool = True) -> str:
    """An identifier as typed or sent: composed (NFC), plain spaces around it trimmed; refused when it
    holds an invisible or control character or an unusual space anywhere (see the module's notes)."""
    if value is not None and not isinstance(value, str):
        raise ServiceError({field: _l("Enter text.")})
    text = nfc(value or "")
    if any(invisible_in_identifier(ch) for ch in text):
        raise ServiceError({field: INVISIBLE})
    if any(ch != " " and (ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp")) for ch in text):
        raise ServiceError({field: ODD_SPACE})
    return _checked_length(text.strip(" "), field=field, max_length=max_length, required=required)


def clean_code(value: object, *, field: str = "code") -> str:
    """An organisation's (or the catalogue's) code: 1–40 ASCII letters, digits, dots, dashes or
    underscores, stored in upper case."""
    code = clean_identifier(value, field=field, max_length=None)
    if not CODE_PATTERN.match(code):
        raise ServiceError(
            {
                field: _l(
                    "Use 1–40 letters, digits, dots, dashes or underscores, starting with a letter or digit."
                )
            }
        )
    return code.upper()


def code_or_none(value: object) -> str | None:
    """The code a lookup compares (upper case), or None when ``value`` cannot be a code. Only plain spaces
    around it are ignored: a control character is not trimmed, and the pattern is checked before the
    upper-casing, so that no look-alike letter ("ſ", "ı") is folded into an ASCII one."""
    if not isinstance(value, str):
        return None
    code = value.strip(" ")
    return code.upper() if CODE_PATTERN.match(code) else None


def clean_whole_number(value: object, *, field: str) -> int | None:
    """A whole number: an integer (as the API sends it), or its ASCII digits as typed in a form (text is
    text by nature there); empty text or None is none. Signs, spaces inside, "1_000", "1.0" or digits of
    other scripts are refused."""
    if isinstance(value, str):
        text = value.strip(" ")
        if not text:
            return None
        # (Python refuses to read more than 4300 digits: nothing here needs even 40.)
        if not DIGITS.fullmatch(text) or len(text) > 4000:
            raise ServiceError({field: WHOLE_NUMBER})
        return int(text)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError({field: WHOLE_NUMBER})
    return value


def normalise_email(value: str, *, strict: bool = True, field: str = "email") -> str:
    """Lower-cased, NFC e-mail address. ``strict`` also checks its syntax (for new accounts)."""
    email = nfc(value or "").strip().lower()
    if not strict:
        return email
    if not email:
        raise ServiceError({field: REQUIRED})
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError({field: _l("Enter a valid e-mail address.")}) from None
