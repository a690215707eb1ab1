"""Configuration read from the environment.

Default runs on SQLite under ``instance/`` for a first look; Production refuses to start without
``SECRET_KEY`` and ``DATABASE_URL``; Test is what the suite uses (``DATABASE_URL`` picks PostgreSQL).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


class ConfigError(RuntimeError):
    """A setting the chosen configuration cannot run without is missing."""


class Default:
    """Development on one machine: SQLite in ``instance/``, a fixed development secret."""

    ENV_NAME = "default"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'registry.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    # SQLite only: how long a writer waits for another to commit before failing with "database is locked".
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 30_000)

    # Browsers treat http://127.0.0.1 as a secure context but the development server is plain HTTP;
    # Production always sets Secure.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "registry_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which is what expires
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # The day the registry works on: None is today in BABEL_DEFAULT_TIMEZONE; a date freezes it (a demo site
    # shown on one day). Commands and tests replay a day with registry.core.dates.today_is instead.
    # REGISTRY_TODAY (YYYY-MM-DD) sets it from the environment: the scheduler's clock injected by a test.
    TODAY = os.environ.get("REGISTRY_TODAY") or None
    # An item whose validity ends within this many days is "due soon".
    DUE_SOON_DAYS = _env_int("DUE_SOON_DAYS", 30)
    # Import files: rows a file may hold; rows the web page imports while the user waits (larger files
    # go through `flask import instruments`).
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 100_000)
    IMPORT_WEB_MAX_ROWS = _env_int("IMPORT_WEB_MAX_ROWS", 20_000)

    # Login throttling, counted in the database so it holds across gunicorn workers (the rules are
    # explained in registry/auth/sessions.py, login_wait). Past the free failures of a rule, each further
    # failure doubles the wait before the next attempt, from LOGIN_BACKOFF_SECONDS to at most
    # LOGIN_BACKOFF_MAX_MINUTES; failures older than LOGIN_WINDOW_MINUTES no longer count towards it.
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 5)  # one account from one address
    LOGIN_FREE_FAILURES_PER_ACCOUNT = _env_int("LOGIN_FREE_FAILURES_PER_ACCOUNT", 10)  # from strangers
    LOGIN_FREE_FAILURES_PER_ADDRESS = _env_int("LOGIN_FREE_FAILURES_PER_ADDRESS", 20)  # on strangers
    LOGIN_BACKOFF_SECONDS = _env_int("LOGIN_BACKOFF_SECONDS", 30)
    LOGIN_BACKOFF_MAX_MINUTES = _env_int("LOGIN_BACKOFF_MAX_MINUTES", 15)
    LOGIN_WINDOW_MINUTES = _env_int("LOGIN_WINDOW_MINUTES", 24 * 60)
    # The hard cap: failures of one account from addresses it has not logged in from, per
    # LOGIN_ACCOUNT_WINDOW_DAYS (which is also how long an address stays known to an account).
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 100)
    LOGIN_ACCOUNT_WINDOW_DAYS = _env_int("LOGIN_ACCOUNT_WINDOW_DAYS", 30)
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10)
    # Links sent by e-mail: an invitation is open this many hours, a password reset this many minutes;
    # an account gets at most PASSWORD_RESETS_PER_HOUR reset e-mails an hour (more requests send nothing).
    INVITATION_HOURS = _env_int("INVITATION_HOURS", 72)
    PASSWORD_RESET_MINUTES = _env_int("PASSWORD_RESET_MINUTES", 60)
    PASSWORD_RESETS_PER_HOUR = _env_int("PASSWORD_RESETS_PER_HOUR", 3)
    # Whether the Department's and the labs' accounts must log in with a code from an authenticator app as
    # well as the password (they are sent to set one up at their next login); anyone may turn it on.
    TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", False)
    # The name the authenticator app shows next to the account.
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Metrology registry")
    # How long the code may be entered after the password was accepted.
    TWO_FACTOR_LOGIN_MINUTES = 5
    # Wrong codes for one account, from any address, since its last accepted code, before its two-factor
    # sign-in locks until the Department resets it (only someone with the password reaches the code step).
    TWO_FACTOR_MAX_FAILURES = _env_int("TWO_FACTOR_MAX_FAILURES", 20)

    # The API's rate limit, per minute, counted in the database so it holds across gunicorn workers: per
    # token for calls with a valid bearer token, per client address for the public endpoints and for
    # calls without a valid token. 0 turns a limit off.
    API_RATE_LIMIT_PER_MINUTE = _env_int("API_RATE_LIMIT_PER_MINUTE", 600)
    API_PUBLIC_RATE_LIMIT_PER_MINUTE = _env_int("API_PUBLIC_RATE_LIMIT_PER_MINUTE", 60)

    # The PDF certificates labs attach to events: stored outside static/, under generated names, in this
    # folder (empty: "certificate-files" in the instance folder); each at most this many bytes.
    CERTIFICATE_FILES_DIR = os.environ.get("CERTIFICATE_FILES_DIR", "")
    CERTIFICATE_FILE_MAX_BYTES = _env_int("CERTIFICATE_FILE_MAX_BYTES", 10 * 1024 * 1024)

    API_PAGE_DEFAULT = 50
    API_PAGE_MAX = 500

    # flask-smorest: the spec is served by our own route so that it sits under /api/v1.
    API_TITLE = "Metrology registry API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"

    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)

    # E-mail (README, "E-mail"): the outbox job sends over SMTP; with no SMTP_HOST the messages wait in the
    # outbox. SMTP_SECURITY is none, starttls or ssl. Links in the messages start with PUBLIC_URL.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "none")
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 30)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Metrology registry <registry@localhost>")
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "registry.localhost")
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Messages sent per outbox run (each run commits once).
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 500)

    # /.well-known/security.txt (RFC 9116): where to report a vulnerability — e-mail addresses or mailto:,
    # https: or tel: URIs, separated by commas; mailto:security@ the site's host name when empty — and the
    # day (YYYY-MM-DD) that stops holding; 364 days ahead of each reading of the file when empty.
    SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "")
    SECURITY_TXT_EXPIRES = os.environ.get("SECURITY_TXT_EXPIRES", "")

    @classmethod
    def check(cls) -> None:
        """Raise :class:`ConfigError` when the configuration cannot run."""
        if cls.SMTP_SECURITY.strip().lower() not in {"none", "starttls", "ssl"}:
            raise ConfigError(f"SMTP_SECURITY must be none, starttls or ssl, not {cls.SMTP_SECURITY!r}")
        expires = cls.SECURITY_TXT_EXPIRES.strip()
        if expires:
            try:
                date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(
                    f"SECURITY_TXT_EXPIRES must be a date, YYYY-MM-DD, not {expires!r}"
                ) from None


class Test(Default):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    PASSWORD_MIN_LENGTH = 10
    # Uploaded certificate files of the tests: never in the checkout's instance folder.
    CERTIFICATE_FILES_DIR = os.environ.get(
        "CERTIFICATE_FILES_DIR", str(Path(tempfile.gettempdir()) / "registry-test-certificate-files")
    )


class Production(Default):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", True)

    @classmethod
    def check(cls) -> None:
        super().check()
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name, "").strip()]
        if missing:
            raise ConfigError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )


CONFIGS: dict[str, type[Default]] = {"default": Default, "test": Test, "production": Production}


def from_environment() -> type[Default]:
    """The configuration class named by ``REGISTRY_CONFIG`` (default, test or production)."""
    name = os.environ.get("REGISTRY_CONFIG", "default").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"REGISTRY_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}") from None
