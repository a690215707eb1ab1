"""The API's rate limit: every request under /api/ is counted against one subject, per one-minute window,
and answered 429 past the limit.

- The subject is the token (its id, never the secret) when the request carries a valid bearer token,
  limited to ``API_RATE_LIMIT_PER_MINUTE``; otherwise the client's address (``client_address``, which
  honours ``TRUSTED_PROXY_COUNT``), limited to ``API_PUBLIC_RATE_LIMIT_PER_MINUTE``: so the public
  endpoints, and calls with no token or a wrong one (guessing tokens is limited too). 0 turns a limit off.
- The counters are rows of ``rate_limit_counters`` (subject, window start), bumped by one atomic
  ``INSERT … ON CONFLICT DO UPDATE … RETURNING count`` (PostgreSQL; SQLite ≥ 3.35), so every gunicorn
  worker sees the same count. The windows are fixed (a burst may reach twice the limit across a minute's
  boundary); the housekeeping job forgets those that are over.
- The counter is written in a short transaction of its own, on a connection of its own, committed before
  the request does anything else (:func:`own_transaction`), not in the request's session: the request's
  one commit point (``web.py``) rolls back every answer of 400 and above, and a refused request (401, 404,
  and the 429 itself) must still count; committing the request's session early instead would break that
  one commit point. It runs first of all, before anything reads through the request's session, so that on
  SQLite the request holds no lock that the counter's commit would wait for.
- Every API response carries the fields of the IETF draft "RateLimit header fields for HTTP"
  (draft-ietf-httpapi-ratelimit-headers-11, the current one): ``RateLimit-Policy: "token";q=600;w=60`` and
  ``RateLimit: "token";r=<requests left>;t=<seconds until the window ends>``; a 429 adds ``Retry-After``
  (seconds), in the API's error shape (code ``too_many_requests``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from registry.api.auth import bearer_token
from registry.api.errors import error_response, http_message, is_api_request
from registry.auth.login import client_address
from registry.auth.models import ApiToken, RateLimitCounter, User
from registry.auth.sessions import digest
from registry.core.models import utcnow
from registry.extensions import db

TOKEN_POLICY = "token"  # noqa: S105 - the name of a policy, not a secret
ADDRESS_POLICY = "address"


def own_transaction() -> AbstractContextManager[Connection]:
    """A connection of its own from the pool, in a transaction committed as soon as the block ends; it
    writes, even for a GET (so on SQLite it takes the write lock when it begins)."""
    return db.engine.execution_options(writes=True).begin()


# How the counters get their transaction. The test suite points it at a savepoint of the one connection it
# rolls back after each test (tests/conftest.py), and back at own_transaction to show real workers.
counter_transaction: Callable[[], AbstractContextManager[Connection]] = own_transaction


@dataclass(frozen=True)
class Allowance:
    """Where a subject stands in the current window, this request included."""

    policy: str
    quota: int
    used: int
    reset: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.quota


def window_of(now: datetime) -> tuple[datetime, int]:
    """The start of the window ``now`` falls in, and the seconds (at least 1) until it ends."""
    length = int(RateLimitCounter.WINDOW.total_seconds())
    start = datetime.fromtimestamp(int(now.timestamp()) // length * length, UTC)
    return start, max(1, math.ceil((start + RateLimitCounter.WINDOW - now).total_seconds()))


def _bump(connection: Connection, subject: str, window_start: datetime) -> int:
    """Count one more request of ``subject`` in the window, atomically; the new count."""
    table = RateLimitCounter.__table__
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(subject=subject, window_start=window_start, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.subject, table.c.window_start], set_={"count": table.c.count + 1}
        )
        .returning(table.c.count)
    )
    count: int = connection.execute(statement).scalar_one()
    return count


def count_request(token: str, address: str, now: datetime) -> Allowance | None:
    """Count a request carrying ``token`` (empty when none) from ``address``; None when its limit is off."""
    config = current_app.config
    if config["API_RATE_LIMIT_PER_MINUTE"] <= 0 and config["API_PUBLIC_RATE_LIMIT_PER_MINUTE"] <= 0:
        return None
    with counter_transaction() as connection:
        if connection.dialect.name == "postgresql":
            # A count lost in a crash is harmless: do not wait for the WAL to reach the disk.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        token_id = None
        if token:
            token_id = connection.execute(
                select(ApiToken.id)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_digest == digest(token), ApiToken.revoked_at.is_(None), User.active)
            ).scalar()
        if token_id is not None:
            policy, quota, subject = TOKEN_POLICY, config["API_RATE_LIMIT_PER_MINUTE"], f"token:{token_id}"
        else:
            policy, quota = ADDRESS_POLICY, config["API_PUBLIC_RATE_LIMIT_PER_MINUTE"]
            subject = f"address:{address[:64]}"
        if quota <= 0:
            return None
        window_start, reset = window_of(now)
        used = _bump(connection, subject, window_start)
    return Allowance(policy, quota, used, reset)


def init_rate_limit(app: Flask) -> None:
    """Count every API request first of all, refuse it past the limit, and tell every API response where
    its subject stands."""

    def _limit() -> tuple[Response, int] | None:
        if not is_api_request():
            return None
        allowance = count_request(bearer_token(), client_address(), utcnow())
        g.rate_limit = allowance
        if allowance is None or not allowance.exceeded:
            return None
        response, status = error_response(429, http_message(429))
        response.headers["Retry-After"] = str(allowance.reset)
        return response, status

    def _headers(response: Response) -> Response:
        allowance: Allowance | None = g.get("rate_limit")
        if allowance is not None:
            window = int(RateLimitCounter.WINDOW.total_seconds())
            response.headers["RateLimit-Policy"] = f'"{allowance.policy}";q={allowance.quota};w={window}'
            response.headers["RateLimit"] = (
                f'"{allowance.policy}";r={allowance.remaining};t={allowance.reset}'
            )
        return response

    # Before every other check, and before anything reads through the request's session (see above).
    app.before_request_funcs.setdefault(None, []).insert(0, _limit)
    app.after_request(_headers)
