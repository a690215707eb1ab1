"""The pieces of two-factor sign-in that touch no database: authenticator-app codes (TOTP, RFC 6238, with
pyotp), the QR code that enrols an app, and recovery codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

# RFC 6238's defaults, which every authenticator app reads: six digits, a new code every 30 seconds.
STEP_SECONDS = 30
# A code of the step before or after the server's also counts: a phone's clock may be a little off, and
# the user needs a few seconds to type.
ALLOWED_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: a code copied from paper is read right. 32 letters, 10 of them: 50 random bits.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 10


def new_secret() -> str:
    """A random 160-bit secret (RFC 4226's recommended length), in base 32 as the apps expect."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app that cannot scan the QR code."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_code_data_uri(text: str) -> str:
    """``text`` as a QR code, an SVG in a ``data:`` URI (an image the page's CSP allows, with no request)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def normalised(code: str) -> str:
    """A code as typed, without the spaces and hyphens people add, in capitals."""
    return "".join(code.split()).replace("-", "").upper()


def is_app_code(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time step whose code ``code`` is — the current one, or one ALLOWED_DRIFT_STEPS away — when it
    is later than step ``after`` (a code once accepted does not work again); None otherwise."""
    if not is_app_code(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """RECOVERY_CODE_COUNT fresh codes, shown as two groups of five (``K7M2Q-9TXHP``)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{code[:5]}-{code[5:]}")
    return codes


def recovery_digest(code: str) -> str:
    return hashlib.sha256(normalised(code).encode()).hexdigest()
