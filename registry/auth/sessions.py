"""How a request becomes an actor: logins, their second factor and their throttling, server-side sessions,
API tokens.

These run before anyone is logged in (or on the caller's own session), so they take no actor.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select, update

from registry.audit import services as audit
from registry.auth import totp
from registry.auth.models import ApiToken, LoginAttempt, RecoveryCode, TwoFactor, User, UserSession
from registry.auth.passwords import burn_verification_time, verify_password
from registry.core.errors import ServiceError
from registry.core.models import utcnow
from registry.core.transactions import keep_on_refusal
from registry.core.validation import normalise_email
from registry.extensions import db

TOKEN_PREFIX = "mrg_"  # noqa: S105 - a label, not a secret


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class LoginThrottled(Exception):
    """Too many failed logins for this account, this address or both; try again in ``retry_after``
    seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


# How login throttling works (after NIST SP 800-63B's rate limiting and OWASP ASVS 5.0's V6: slow guessing
# down, cap it per account, and never let it lock the real user out), so that an attacker is slowed and
# then stopped, yet cannot lock the real user out from elsewhere:
#
# - An address is *known* to an account when the account has logged in from it within
#   LOGIN_ACCOUNT_WINDOW_DAYS (a row of user_sessions). From a known address, only rule 1 applies: failures
#   made anywhere else never hold back the real user at home or at the office.
# - Rule 1, one account from one address: after LOGIN_FREE_FAILURES failures (within LOGIN_WINDOW_MINUTES,
#   and since that address last logged in to that account) each further failure doubles the wait before
#   the next attempt: LOGIN_BACKOFF_SECONDS, twice that, … up to LOGIN_BACKOFF_MAX_MINUTES.
# - Rule 2, one account from addresses it does not know (an attack spread over many addresses): the same
#   back-off after LOGIN_FREE_FAILURES_PER_ACCOUNT failures, for every address the account does not know.
# - Rule 3, one address on accounts that do not know it (one address trying many accounts): the same
#   back-off after LOGIN_FREE_FAILURES_PER_ADDRESS failures, for every account that does not know it. The
#   accounts that do know it (colleagues behind the same office router) are not held back.
# - Rule 4, the hard cap: LOGIN_MAX_FAILURES_PER_ACCOUNT failures of one account from addresses it does not
#   know within LOGIN_ACCOUNT_WINDOW_DAYS refuse every further attempt from such addresses until the oldest
#   of them are that old (a login elsewhere does not reset it: the real user's logins would renew the
#   attacker's allowance). The real user still logs in from a known address.
#
# A refused attempt checks no password (so the right one does not help an attacker) and is not counted;
# the answer is the same whether the account exists or not, and says only how long to wait (429,
# Retry-After). The address is the client's as ProxyFix gives it (TRUSTED_PROXY_COUNT).


def _backoff(failures: int, last: datetime | None, free: int, now: datetime) -> float:
    """Seconds until the next attempt is allowed after ``failures`` (the last at ``last``) of which
    ``free`` were free; 0 when it is allowed now."""
    if failures < free or last is None:
        return 0
    config = current_app.config
    wait = min(
        config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(failures - free, 32),
        config["LOGIN_BACKOFF_MAX_MINUTES"] * 60,
    )
    return max(0.0, (last + timedelta(seconds=wait) - now).total_seconds())


def _failures(*conditions: ColumnElement[bool]) -> tuple[int, datetime | None]:
    """How many failed logins match ``conditions``, and when the last of them was."""
    row = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(*conditions)
    ).one()
    return row[0] or 0, row[1]


def login_wait(email: str, address: str, user: User | None, now: datetime) -> int:
    """Seconds before ``email`` may try to log in from ``address`` (``user`` is its account, if any): 0 when
    it may now. See the rules above."""
    config = current_app.config
    email, address = email[:254], address[:64]
    window_start = now - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    account_window_start = now - timedelta(days=config["LOGIN_ACCOUNT_WINDOW_DAYS"])
    # The addresses the account has logged in from, each with its last login there.
    known: dict[str, datetime] = {}
    if user is not None:
        logins = (
            select(UserSession.address, func.max(UserSession.created_at))
            .where(UserSession.user_id == user.id, UserSession.created_at >= account_window_start)
            .group_by(UserSession.address)
        )
        known = {row_address: at for row_address, at in db.session.execute(logins) if row_address}

    last_login_here = known.get(address)
    pair_since = max(window_start, last_login_here) if last_login_here else window_start
    waits = [
        _backoff(
            *_failures(
                LoginAttempt.email == email, LoginAttempt.address == address, LoginAttempt.at > pair_since
            ),
            config["LOGIN_FREE_FAILURES"],
            now,
        )
    ]
    if address not in known:
        from_strangers = (LoginAttempt.email == email, LoginAttempt.address.not_in(list(known)))
        waits.append(
            _backoff(
                *_failures(*from_strangers, LoginAttempt.at > window_start),
                config["LOGIN_FREE_FAILURES_PER_ACCOUNT"],
                now,
            )
        )
        waits.append(
            _backoff(
                *_failures(
                    LoginAttempt.address == address,
                    LoginAttempt.at > window_start,
                    ~_known_to_its_account(now),
                ),
                config["LOGIN_FREE_FAILURES_PER_ADDRESS"],
                now,
            )
        )
        cap = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        # The failure whose ageing out brings the count below the cap, if the cap is reached.
        oldest_that_counts = cap > 0 and db.session.scalar(
            select(LoginAttempt.at)
            .where(*from_strangers, LoginAttempt.at > account_window_start)
            .order_by(LoginAttempt.at.desc())
            .offset(cap - 1)
            .limit(1)
        )
        if oldest_that_counts:
            waits.append((oldest_that_counts - account_window_start).total_seconds())
    return math.ceil(max(waits))


def _known_to_its_account(now: datetime) -> ColumnElement[bool]:
    """A failed login made from an address its account has logged in from (within the account window)."""
    since = now - timedelta(days=current_app.config["LOGIN_ACCOUNT_WINDOW_DAYS"])
    return (
        select(UserSession.id)
        .join(User, User.id == UserSession.user_id)
        .where(
            User.email == LoginAttempt.email,
            UserSession.address == LoginAttempt.address,
            UserSession.created_at >= since,
        )
        .exists()
    )


def authenticate(email: str, password: str, *, address: str) -> User | None:
    """The user when the credentials are right; None (and a recorded failure) when not.

    Raises :class:`LoginThrottled` before checking the password while the rules above hold this
    account back at this address, so a correct password does not help an attacker either.
    """
    email = normalise_email(email, strict=False)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        _lock_account(user)
    now = utcnow()
    wait = login_wait(email, address, user, now)
    if wait > 0:
        raise LoginThrottled(wait)
    if user is None:
        burn_verification_time(password)
    elif user.active and verify_password(user.password_hash, password):
        return user
    _record_failure(email, address, now)
    return None


def count_link_request(email: str, *, address: str) -> User | None:
    """Someone asks for a password-reset link: held back and counted as a failed login is (it is a way in
    without the password), so it cannot flood a mailbox nor probe addresses faster than a login could.
    Raises :class:`LoginThrottled` while the rules above hold it back; the account, if there is one."""
    email = normalise_email(email, strict=False)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        _lock_account(user)
    now = utcnow()
    wait = login_wait(email, address, user, now)
    if wait > 0:
        raise LoginThrottled(wait)
    _record_failure(email, address, now)
    return user


def _record_failure(email: str, address: str, now: datetime, *, second_factor: bool = False) -> None:
    """Count a failed attempt; it stands even when the request answers an error (so call this before
    writing anything else)."""
    db.session.add(LoginAttempt(email=email[:254], address=address[:64], at=now, second_factor=second_factor))
    db.session.flush()
    keep_on_refusal()


def _lock_account(user: User) -> None:
    """Hold the account's row until the request ends, so that attempts racing on one account are counted
    one after the other and none slips past the throttling (PostgreSQL; SQLite's write transactions are
    serial already)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


class SecondFactorLocked(Exception):
    """Too many wrong codes for the account since its last right one (TWO_FACTOR_MAX_FAILURES): its
    two-factor sign-in waits for the Department's reset."""


def check_second_factor(user: User, code: str, *, address: str) -> bool:
    """Whether ``code`` is the current code of ``user``'s authenticator app, or one of its unused recovery
    codes (which is then spent). A wrong code counts as a failed login and is throttled as one: raises
    :class:`LoginThrottled` before checking while the rules above hold the account back at this address,
    and :class:`SecondFactorLocked` once the account has had too many wrong codes from anywhere."""
    _lock_account(user)
    now = utcnow()
    wait = login_wait(user.email, address, user, now)
    if wait > 0:
        raise LoginThrottled(wait)
    two_factor = user.two_factor
    if two_factor is None or two_factor.secret is None:
        _record_failure(user.email, address, now, second_factor=True)
        return False
    wrong_codes, _ = _failures(
        LoginAttempt.email == user.email,
        LoginAttempt.second_factor.is_(True),
        LoginAttempt.at > (two_factor.last_success_at or two_factor.created_at),
    )
    if wrong_codes >= current_app.config["TWO_FACTOR_MAX_FAILURES"]:
        raise SecondFactorLocked
    if _spend_code(user, two_factor, totp.normalised(code), now):
        two_factor.last_success_at = now
        db.session.flush()
        return True
    _record_failure(user.email, address, now, second_factor=True)
    return False


def _spend_code(user: User, two_factor: TwoFactor, code: str, now: datetime) -> bool:
    assert two_factor.secret is not None
    if totp.is_app_code(code):
        step = totp.matching_step(two_factor.secret, code, now=now, after=two_factor.last_step)
        if step is None:
            return False
        # Conditional, so that two requests racing with one code cannot both use it.
        accepted = db.session.execute(
            update(TwoFactor)
            .where(
                TwoFactor.user_id == user.id,
                or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step),
            )
            .values(last_step=step)
            .execution_options(synchronize_session="fetch")
        )
        return bool(accepted.rowcount)  # type: ignore[attr-defined]
    recovery = db.session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest == totp.recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if recovery is None:
        return False
    with audit.acting_as(audit.Author(user.id, user.email)), audit.reason("recovery code used to log in"):
        recovery.used_at = now
    return True


TOO_MANY_FAILURES = _l("Too many failed attempts. Wait a few minutes and try again.")
SECOND_FACTOR_LOCKED = _l(
    "Too many wrong codes: two-factor sign-in is locked for this account. Ask the Department's "
    "administrator to reset it."
)


@contextmanager
def refused_while_throttled(field: str) -> Iterator[None]:
    """Turn :class:`LoginThrottled` and :class:`SecondFactorLocked` into a refusal of ``field``, for a form
    that has no 429 of its own."""
    try:
        yield
    except LoginThrottled:
        raise ServiceError({field: TOO_MANY_FAILURES}) from None
    except SecondFactorLocked:
        raise ServiceError({field: SECOND_FACTOR_LOCKED}) from None


def require_second_factor(user: User, code: object, *, address: str) -> None:
    """Raise a :class:`ServiceError` keyed ``code`` unless :func:`check_second_factor` accepts ``code``
    (and :class:`LoginThrottled` or :class:`SecondFactorLocked` while it refuses to check)."""
    if not isinstance(code, str) or not code.strip():
        raise ServiceError({"code": _l("Enter the code from your authenticator app.")})
    if not check_second_factor(user, code, address=address):
        raise ServiceError({"code": _l("The code is not correct.")})


def reauthenticate(user: User, *, password: object, code: object, address: str) -> None:
    """Confirm that the person acting is ``user``: its password, and the code of its authenticator app when
    it has one. Failures count and are throttled as at the login; raises a :class:`ServiceError` keyed
    ``password`` or ``code``."""
    with refused_while_throttled("password"):
        confirmed = authenticate(user.email, password if isinstance(password, str) else "", address=address)
    if confirmed is None or confirmed.id != user.id:
        raise ServiceError({"password": _l("The password is not correct.")})
    if user.two_factor_on:
        with refused_while_throttled("code"):
            require_second_factor(user, code, address=address)


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


def revoke_sessions(user: User, *, but_this_one: bool = False) -> None:
    """End every session of ``user`` (``but_this_one``: except the session of the request it acts in)."""
    condition = [UserSession.user_id == user.id, UserSession.revoked_at.is_(None)]
    if but_this_one and user.current_session_key:
        condition.append(UserSession.key_digest != digest(user.current_session_key))
    db.session.execute(update(UserSession).where(*condition).values(revoked_at=utcnow()))


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_digest == digest(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user
