"""Accounts: creating users, passwords, language preferences, API tokens and forgetting old logins.

Each takes the actor who acts and asks the policy; a user may change its own password and language.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import ApiToken, LoginAttempt, RateLimitCounter, Role, User, UserRole, UserSession
from registry.auth.passwords import check_password_policy, hash_password, verify_password
from registry.auth.policy import Actor, Permission
from registry.auth.sessions import TOKEN_PREFIX, digest, revoke_sessions
from registry.core.errors import ServiceError
from registry.core.models import utcnow
from registry.core.validation import normalise_email
from registry.extensions import db

if TYPE_CHECKING:
    from registry.organisations.models import Organisation


def create_user(
    actor: Actor, email: str, *, organisation: Organisation, roles: set[Role], password: str, name: str = ""
) -> User:
    policy.require(actor, User, Permission.CREATE)
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


def change_password(actor: User, *, current_password: str, new_password: str) -> None:
    """Set the actor's new password and end every session of the actor, this one included."""
    if not verify_password(actor.password_hash, current_password):
        raise ServiceError({"current_password": _l("The current password is not correct.")})
    check_password_policy(new_password, email=actor.email, field="new_password")
    with audit.reason("password changed"):
        actor.password_hash = hash_password(new_password)
        actor.password_changed_at = utcnow()
    revoke_sessions(actor)


def set_locale(actor: User, locale: str) -> None:
    """The actor's language, remembered for its next logins."""
    if locale in current_app.config["LANGUAGES"] and actor.locale != locale:
        with audit.reason("language preference"):
            actor.locale = locale


def create_api_token(actor: Actor, user: User) -> str:
    """A new bearer token for ``user``: the actor's own (or any user's from the command line). Only its
    digest is stored: the caller shows it once."""
    policy.require(actor, user, Permission.ISSUE_TOKEN)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(token_digest=digest(token), prefix=token[:12], user=user))
    db.session.flush()
    return token


def purge_stale_login_data(actor: Actor, now: datetime) -> dict[str, int]:
    """Forget failed logins that no throttling rule counts any more (older than LOGIN_ACCOUNT_WINDOW_DAYS),
    sessions that ended more than 30 days ago and the API's rate-limit windows that are over (the
    housekeeping job)."""
    policy.require(actor, UserSession, Permission.CHANGE)
    policy.require(actor, RateLimitCounter, Permission.CHANGE)
    days = current_app.config["LOGIN_ACCOUNT_WINDOW_DAYS"]
    attempts = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=days)))
    cutoff = now - timedelta(days=30)
    sessions = db.session.execute(
        delete(UserSession).where(or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff))
    )
    counters = db.session.execute(
        delete(RateLimitCounter).where(RateLimitCounter.window_start <= now - RateLimitCounter.WINDOW)
    )
    return {
        "login_attempts_deleted": attempts.rowcount,  # type: ignore[attr-defined]
        "sessions_deleted": sessions.rowcount,  # type: ignore[attr-defined]
        "rate_limit_counters_deleted": counters.rowcount,  # type: ignore[attr-defined]
    }
