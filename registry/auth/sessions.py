"""How a request becomes an actor: logins and their throttling, server-side sessions, API tokens.

These run before anyone is logged in (or on the caller's own session), so they take no actor.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from registry.auth.models import ApiToken, LoginAttempt, User, UserSession
from registry.auth.passwords import burn_verification_time, verify_password
from registry.core.models import utcnow
from registry.core.validation import normalise_email
from registry.extensions import db

TOKEN_PREFIX = "mrg_"  # noqa: S105 - a label, not a secret


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class LoginThrottled(Exception):
    """Too many failed logins for this account or this address; try again later."""


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
        UserSession(key_digest=digest(key), user=user, expires_at=utcnow() + lifetime, address=address[:64])
    )
    db.session.flush()
    user.current_session_key = key
    return key


def load_session_user(key: str) -> User | None:
    """The user of a live session, or None when the session is unknown, revoked or expired."""
    stmt = select(UserSession).where(
        UserSession.key_digest == digest(key),
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
        .where(UserSession.key_digest == digest(key), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_sessions(user: User) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_digest == digest(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user
