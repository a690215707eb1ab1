"""Accounts, logins, sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from registry.audit.services import set_reason
from registry.auth.models import ApiToken, LoginAttempt, Role, User, UserRole, UserSession
from registry.auth.passwords import (
    burn_verification_time,
    check_password_policy,
    hash_password,
    verify_password,
)
from registry.core.errors import ServiceError
from registry.core.models import utcnow
from registry.core.validation import normalise_email
from registry.extensions import db
from registry.organisations.models import Organisation

TOKEN_PREFIX = "mrg_"  # noqa: S105 - a label, not a secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class LoginThrottled(Exception):
    """Too many failed logins for this account or this address; try again later."""


def create_user(
    email: str, *, organisation: Organisation, roles: set[Role], password: str, name: str = ""
) -> User:
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError({"email": _l("An account with this e-mail address already exists.")})
    if not roles:
        raise ServiceError({"roles": _l("Give the account at least one role.")})
    check_password_policy(password, email=email)
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation,
        password_hash=hash_password(password),
        role_rows=[UserRole(role=role.value) for role in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Set a new password and end every session of the user, this one included."""
    if not verify_password(user.password_hash, current_password):
        raise ServiceError({"current_password": _l("The current password is not correct.")})
    check_password_policy(new_password, email=user.email, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    set_reason("password changed")
    revoke_sessions(user)
    db.session.flush()


def _failures_since(column: InstrumentedAttribute[str], value: str, since: datetime) -> int:
    stmt = select(func.count(LoginAttempt.id)).where(column == value, LoginAttempt.at >= since)
    return db.session.scalar(stmt) or 0


def authenticate(email: str, password: str, *, address: str) -> User | None:
    """The user when the credentials are right; None (and a recorded failure) when not.

    Raises :class:`LoginThrottled` before checking anything once the account or the address has
    failed too often within the window, so a correct password does not help an attacker either.
    """
    email = normalise_email(email, strict=False)
    config = current_app.config
    since = utcnow() - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    if (
        _failures_since(LoginAttempt.email, email, since) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures_since(LoginAttempt.address, address, since) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        raise LoginThrottled
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        burn_verification_time(password)
    elif user.active and verify_password(user.password_hash, password):
        return user
    db.session.add(LoginAttempt(email=email[:254], address=address[:64]))
    db.session.flush()
    return None


def start_session(user: User, *, address: str) -> str:
    """Open a server-side session for ``user`` and return the key the cookie will carry."""
    key = secrets.token_urlsafe(32)
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.add(
        UserSession(key_digest=_digest(key), user=user, expires_at=utcnow() + lifetime, address=address[:64])
    )
    db.session.flush()
    user.current_session_key = key
    return key


def load_session_user(key: str) -> User | None:
    """The user of a live session, or None when the session is unknown, revoked or expired."""
    stmt = select(UserSession).where(
        UserSession.key_digest == _digest(key),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > utcnow(),
    )
    user_session = db.session.scalar(stmt)
    if user_session is None or not user_session.user.active:
        return None
    user = user_session.user
    user.current_session_key = key
    return user


def end_session(key: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.key_digest == _digest(key), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_sessions(user: User) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def create_api_token(user: User) -> str:
    """A new bearer token for ``user``. Only its digest is stored: the caller shows it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(token_digest=_digest(token), prefix=token[:12], user=user))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_digest == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["LANGUAGES"] and user.locale != locale:
        user.locale = locale
        set_reason("language preference")
        db.session.flush()


def purge_stale_login_data(now: datetime) -> dict[str, int]:
    """Forget failed logins older than a day and sessions that ended more than 30 days ago."""
    attempts = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    cutoff = now - timedelta(days=30)
    sessions = db.session.execute(
        delete(UserSession).where(or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff))
    )
    return {"login_attempts_deleted": attempts.rowcount, "sessions_deleted": sessions.rowcount}  # type: ignore[attr-defined]
