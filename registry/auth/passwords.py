"""Argon2id hashing and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from registry.core.errors import ServiceError

# argon2-cffi's defaults are the RFC 9106 low-memory profile, Argon2id.
_hasher = PasswordHasher()

MAX_PASSWORD_LENGTH = 256
# zxcvbn scores 0-4; below 2 means a common password, a keyboard walk or a dictionary word.
MIN_STRENGTH_SCORE = 2


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        # An invited account has no password yet: it takes as long to refuse as any other.
        burn_verification_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this when the account does not exist takes as long as a real check, so the
# response time does not tell which e-mail addresses have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-timing")


def burn_verification_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def check_password_policy(password: str, *, email: str = "", field: str = "password") -> None:
    """Raise a field-keyed :class:`ServiceError` when ``password`` may not be used."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        raise ServiceError({field: _l("Use at least %(n)d characters.", n=min_length)})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError({field: _l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)})
    user_inputs = [part for part in email.replace("@", " ").replace(".", " ").split() if part]
    # zxcvbn only looks at the first 100 characters; beyond that length is strength enough.
    if zxcvbn(password[:100], user_inputs=user_inputs)["score"] < MIN_STRENGTH_SCORE:
        raise ServiceError(
            {field: _l("This password is too common or too easy to guess. Choose a longer phrase.")}
        )
