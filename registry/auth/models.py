from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.auth.principals import ACL, DEPARTMENT_ADMIN, SYSTEM, Permission, account
from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db

if TYPE_CHECKING:
    # auth sits below organisations: the relationship is resolved by name when the mappers configure.
    from registry.organisations.models import Organisation


class Role(enum.StrEnum):
    DEPARTMENT_ADMIN = "department_admin"
    DEPARTMENT_OFFICER = "department_officer"
    PROVIDER_MANAGER = "provider_manager"
    PROVIDER_TECHNICIAN = "provider_technician"
    ENTERPRISE_MANAGER = "enterprise_manager"
    ENTERPRISE_VIEWER = "enterprise_viewer"


DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_ADMIN, Role.DEPARTMENT_OFFICER})
PROVIDER_ROLES = frozenset({Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN})
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER})


class User(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash"})
    # Plain attributes below are per-request state, not columns.
    __allow_unmapped__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    two_factor: Mapped[TwoFactor | None] = relationship(back_populates="user", cascade="all, delete-orphan")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def invited(self) -> bool:
        """Invited and not yet arrived: the account has no password until the invitee sets one."""
        return not self.password_hash

    @property
    def two_factor_on(self) -> bool:
        """Whether logging in (and signing) also takes a code from the user's authenticator app."""
        return self.two_factor is not None and self.two_factor.secret is not None

    @classmethod
    def __class_acl__(cls) -> ACL:
        return [(DEPARTMENT_ADMIN, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """The account itself, and the Department's admin, change it; only the account itself (or the
        command line) gets an API token for it: nobody else may act with its name."""
        return [
            (DEPARTMENT_ADMIN, {Permission.CHANGE, Permission.RESET_TWO_FACTOR}),
            (account(self.id), {Permission.CHANGE, Permission.ISSUE_TOKEN}),
            (SYSTEM, {Permission.ISSUE_TOKEN, Permission.RESET_TWO_FACTOR}),
        ]

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login stores this in the cookie: the session key, never the user id, so that a
        # logout or a password change (which revoke the row) ends the session everywhere.
        assert self.current_session_key is not None
        return self.current_session_key

    # Set by the session loader and at login: the key of the session this request runs in.
    current_session_key: str | None = None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Audited, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="role_rows")


class TwoFactor(Audited, db.Model):  # type: ignore[name-defined]
    """A user's authenticator app (time-based one-time codes, RFC 6238): the secret of the app in use, and
    the secret of an app being set up, which takes over once the user has entered a code from it — until
    then the app in use (if any) keeps working. Secrets are never audited nor shown again."""

    __tablename__ = "two_factor"
    __audit_exclude__ = frozenset({"secret", "pending_secret", "last_step", "last_success_at"})

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str | None] = mapped_column(String(64))
    pending_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code, once used, is refused until a newer one shows.
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    # When a code was last accepted: the wrong codes since count towards TWO_FACTOR_MAX_FAILURES.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="two_factor")


class RecoveryCode(Audited, db.Model):  # type: ignore[name-defined]
    """One of a user's single-use codes for logging in without the authenticator app, stored as its
    SHA-256 digest (the codes are random, 50 bits each, and shown once)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_digest"),)
    __audit_exclude__ = frozenset({"code_digest"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a secret


class UserToken(Audited, db.Model):  # type: ignore[name-defined]
    """A single-use link sent by e-mail — an invitation, or a password reset — stored as the SHA-256
    digest of its random token (the link itself is only in the e-mail). Used or expired, it opens
    nothing; a newer link of the same purpose replaces the older one."""

    __tablename__ = "user_tokens"
    __audit_exclude__ = frozenset({"token_digest"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):  # type: ignore[name-defined]
    """A login. The cookie holds a random key; the database holds its SHA-256 digest."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()

    @classmethod
    def __class_acl__(cls) -> ACL:
        # Forgetting ended sessions is the housekeeping job's.
        return [(SYSTEM, {Permission.CHANGE})]


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token for the API, stored as its SHA-256 digest; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):  # type: ignore[name-defined]
    """Failed logins, counted per account, per address and per both for throttling (see
    :func:`registry.auth.sessions.login_wait`)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A wrong code at the second step (after the right password), as opposed to a wrong password.
    second_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RateLimitCounter(db.Model):  # type: ignore[name-defined]
    """Requests of one subject (an API token, or a client address) in one window of the API's rate limit
    (:mod:`registry.api.limits`). Counted in the database so that the limit holds across gunicorn workers;
    the housekeeping job forgets the windows that are over."""

    __tablename__ = "rate_limit_counters"
    # Each window starts on the minute and lasts this long.
    WINDOW: ClassVar[timedelta] = timedelta(minutes=1)

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)

    @classmethod
    def __class_acl__(cls) -> ACL:
        # Forgetting windows that are over is the housekeeping job's.
        return [(SYSTEM, {Permission.CHANGE})]
