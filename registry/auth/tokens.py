"""Single-use links sent by e-mail: an invitation (the invitee sets the account's first password) and a
password reset. The link carries a random token; the database keeps only its SHA-256 digest, with when it
expires and when it was used. A newer link of the same purpose replaces the older ones, and using a link
spends it — once, even for two requests racing with it.

Like :mod:`registry.auth.sessions`, these run before anyone is logged in: whoever holds the link becomes
the account's actor for setting its password, so they take no actor.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update

from registry.audit import services as audit
from registry.auth.models import TokenPurpose, User, UserToken
from registry.auth.passwords import check_password_policy, hash_password
from registry.auth.sessions import digest, revoke_sessions
from registry.core.errors import ServiceError
from registry.core.models import utcnow
from registry.extensions import db

LINK_NOT_VALID = _l(
    "This link is not valid any more: it has been used, it has expired, or a newer one was sent. "
    "Ask for a new one."
)


def lifetime(purpose: TokenPurpose) -> timedelta:
    """How long a link of ``purpose`` stays open (INVITATION_HOURS, PASSWORD_RESET_MINUTES)."""
    config = current_app.config
    if purpose is TokenPurpose.INVITATION:
        return timedelta(hours=config["INVITATION_HOURS"])
    return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])


def issue(user: User, purpose: TokenPurpose, *, why: object) -> str:
    """A new link's token for ``user`` (the caller puts it in the e-mail; only its digest is kept); the
    user's earlier unused links of the same purpose stop working."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with audit.reason(why):
        for older in db.session.scalars(_open(user.id, purpose)):
            older.expires_at = now
        db.session.add(
            UserToken(
                user_id=user.id,
                purpose=purpose.value,
                token_digest=digest(token),
                created_at=now,
                expires_at=now + lifetime(purpose),
            )
        )
    return token


def _open(user_id: int, purpose: TokenPurpose) -> Select[UserToken]:
    return select(UserToken).where(
        UserToken.user_id == user_id,
        UserToken.purpose == purpose.value,
        UserToken.used_at.is_(None),
        UserToken.expires_at > utcnow(),
    )


def find(token: str, purpose: TokenPurpose) -> UserToken | None:
    """The open link ``token`` is, or None: unknown, used, expired, or its account disabled (an invitation
    also needs its account still waiting for its first password)."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return None
    row = db.session.scalar(
        select(UserToken).where(
            UserToken.token_digest == digest(token),
            UserToken.purpose == purpose.value,
            UserToken.used_at.is_(None),
            UserToken.expires_at > utcnow(),
        )
    )
    if row is None or not row.user.active:
        return None
    if purpose is TokenPurpose.INVITATION and not row.user.invited:
        return None
    return row


def set_password(token: str, purpose: TokenPurpose, password: object) -> User:
    """Spend the link ``token`` and give its account ``password`` (the rules of a password change). Every
    session of the account ends; its two-factor sign-in, if any, stays. Raises a :class:`ServiceError`
    keyed ``password`` when the password may not be used (the link stays open), keyed ``_`` when the link
    is not open."""
    row = find(token, purpose)
    if row is None:
        raise ServiceError({"_": LINK_NOT_VALID})
    user = row.user
    new_password = password if isinstance(password, str) else ""
    check_password_policy(new_password, email=user.email)
    now = utcnow()
    why = (
        _l("invitation accepted: the account's first password set")
        if purpose is TokenPurpose.INVITATION
        else _l("password reset with a link sent by e-mail")
    )
    with audit.acting_as(audit.Author(user.id, user.email)), audit.reason(why):
        # Conditional, so that of two requests racing with one link only one spends it.
        spent = db.session.execute(
            update(UserToken)
            .where(UserToken.id == row.id, UserToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session="fetch")
        )
        if not spent.rowcount:  # type: ignore[attr-defined]
            raise ServiceError({"_": LINK_NOT_VALID})
        user.password_hash = hash_password(new_password)
        user.password_changed_at = now
    revoke_sessions(user)
    return user
