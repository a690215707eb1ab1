"""Accounts: creating users, passwords, two-factor sign-in, language preferences, API tokens and forgetting
old logins.

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
from registry.auth import policy, totp
from registry.auth.models import (
    ApiToken,
    LoginAttempt,
    RateLimitCounter,
    RecoveryCode,
    Role,
    TwoFactor,
    User,
    UserRole,
    UserSession,
)
from registry.auth.passwords import check_password_policy, hash_password, verify_password
from registry.auth.policy import Actor, Permission
from registry.auth.sessions import (
    TOKEN_PREFIX,
    digest,
    reauthenticate,
    refused_while_throttled,
    require_second_factor,
    revoke_sessions,
)
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


TWO_FACTOR_OFF = _l("Two-factor sign-in is off for this account.")


def start_two_factor(actor: User, *, password: object, code: object, address: str) -> TwoFactor:
    """A new secret for an authenticator app — the actor's first, or a new phone's — on the actor's
    password (and a code from the app in use, when there is one). It replaces one set up and never
    confirmed; it takes over once :func:`confirm_two_factor` has a code from the new app, and until then
    the app in use keeps working."""
    reauthenticate(actor, password=password, code=code, address=address)
    if actor.two_factor is None:
        actor.two_factor = TwoFactor(pending_secret=totp.new_secret())
    else:
        actor.two_factor.pending_secret = totp.new_secret()
    db.session.flush()
    return actor.two_factor


def confirm_two_factor(actor: User, code: object) -> list[str]:
    """Turn two-factor sign-in on — or move it to the new phone — with a code the new app shows for the
    secret :func:`start_two_factor` gave; returns new recovery codes, which are shown once. The actor's other
    sessions end."""
    two_factor = actor.two_factor
    if two_factor is None or two_factor.pending_secret is None:
        raise ServiceError({"_": _l("Start the set-up again.")})
    now = utcnow()
    step = totp.matching_step(two_factor.pending_secret, totp.normalised(_text(code)), now=now, after=None)
    if step is None:
        raise ServiceError(
            {"code": _l("This is not the code the app shows now. Check that the phone's clock is right.")}
        )
    with audit.reason(
        "authenticator app replaced" if actor.two_factor_on else "two-factor sign-in turned on"
    ):
        two_factor.secret, two_factor.pending_secret = two_factor.pending_secret, None
        two_factor.confirmed_at = two_factor.last_success_at = now
        two_factor.last_step = step
        codes = _replace_recovery_codes(actor)
    revoke_sessions(actor, but_this_one=True)
    return codes


def replace_recovery_codes(actor: User, code: object, *, address: str) -> list[str]:
    """New recovery codes for the actor (the old ones stop working), on a code from the app or one of the
    old recovery codes. The actor's other sessions end."""
    if not actor.two_factor_on:
        raise ServiceError({"_": TWO_FACTOR_OFF})
    with refused_while_throttled("code"):
        require_second_factor(actor, code, address=address)
    with audit.reason("recovery codes replaced"):
        codes = _replace_recovery_codes(actor)
    revoke_sessions(actor, but_this_one=True)
    return codes


def turn_off_two_factor(actor: User, *, password: object, code: object, address: str) -> None:
    """Stop asking the actor for codes, on its password and a code; refused when its role requires them."""
    if policy.must_use_two_factor(actor):
        raise ServiceError({"_": _l("Your role requires two-factor sign-in: it cannot be turned off.")})
    if not actor.two_factor_on:
        raise ServiceError({"_": TWO_FACTOR_OFF})
    reauthenticate(actor, password=password, code=code, address=address)
    with audit.reason("two-factor sign-in turned off"):
        _forget_two_factor(actor)


def reset_two_factor(actor: Actor, user: User) -> None:
    """Forget ``user``'s authenticator app and recovery codes (a lost phone), and end its sessions: it logs
    in with its password alone, and is asked to set up a new app when its role requires one."""
    policy.require(actor, user, Permission.RESET_TWO_FACTOR)
    if user.two_factor is None:
        raise ServiceError({"_": TWO_FACTOR_OFF})
    with audit.reason("two-factor sign-in reset by the Department"):
        _forget_two_factor(user)
    revoke_sessions(user)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _recovery_codes(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)))


def _replace_recovery_codes(user: User) -> list[str]:
    for old in _recovery_codes(user):
        db.session.delete(old)
    codes = totp.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_digest=totp.recovery_digest(code)) for code in codes
    )
    db.session.flush()
    return codes


def _forget_two_factor(user: User) -> None:
    for old in [*_recovery_codes(user), user.two_factor]:
        db.session.delete(old)
    db.session.flush()
    db.session.expire(user, ["two_factor"])


def unused_recovery_codes(actor: User) -> int:
    """How many of the actor's recovery codes are left."""
    return sum(1 for row in _recovery_codes(actor) if row.used_at is None)


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
