"""The API's rate limit (registry/api/limits.py): per token with a valid bearer token, per client address
without one (the public endpoints, and token guessing); 429 in the API's error shape with Retry-After past
the limit; the IETF draft's RateLimit and RateLimit-Policy fields on every API response; counted in the
database, so shared by every worker, and counted even when the request itself is rolled back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from registry.api import limits
from registry.auth.models import RateLimitCounter
from registry.auth.services import create_api_token
from registry.extensions import db
from tests.helpers import IsolatedClient, assert_error, ping_api, two_workers

# Ten seconds into a minute: the window ends in 50 s.
MOMENT = datetime(2026, 11, 24, 8, 0, 10, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def fields(response: Any) -> tuple[str, str]:
    return response.headers["RateLimit-Policy"], response.headers["RateLimit"]


def remaining(response: Any) -> int:
    match = re.fullmatch(r'"\w+";r=(\d+);t=\d+', response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match.group(1))


def at(app: Flask, address: str, token: str | None = None) -> FlaskClient:
    """A client at ``address``, with ``token`` if given."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if token:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def token_of(api_client: FlaskClient) -> str:
    return str(api_client.environ_base["HTTP_AUTHORIZATION"]).removeprefix("Bearer ")


def api_client_of(app: Flask, user: Any) -> FlaskClient:
    """A client at 127.0.0.1 with a new token of ``user``."""
    token = create_api_token(user, user)
    db.session.commit()
    return at(app, "127.0.0.1", token)


# --- Per token --------------------------------------------------------------------------------------------


def test_every_api_response_says_where_its_token_stands(app, clock, department_admin_api):
    first = department_admin_api.get("/api/v1/organisations")
    assert first.status_code == 200
    assert fields(first) == ('"token";q=600;w=60', '"token";r=599;t=50')
    clock.shift(5)
    # Errors too (a 404 is rolled back, and still counts).
    missing = department_admin_api.get("/api/v1/organisations/999999")
    assert missing.status_code == 404
    assert fields(missing) == ('"token";q=600;w=60', '"token";r=598;t=45')


def test_past_its_limit_a_token_is_answered_429_until_the_window_ends(
    app, clock, monkeypatch, department_admin_api, department_officer
):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_MINUTE", 3)
    for left in (2, 1, 0):
        response = department_admin_api.get("/api/v1/organisations")
        assert response.status_code == 200 and remaining(response) == left
    refused = department_admin_api.get("/api/v1/organisations")
    error = assert_error(refused, 429, "too_many_requests")
    assert error["message"] == "Quá nhiều yêu cầu. Hãy đợi vài phút rồi thử lại."
    assert refused.headers["Retry-After"] == "50"
    assert fields(refused) == ('"token";q=3;w=60', '"token";r=0;t=50')
    # Refused calls count too: hammering does not help.
    assert department_admin_api.post("/api/v1/organisations", json={}).status_code == 429

    # Another user's token has its own allowance, from the same address.
    assert api_client_of(app, department_officer).get("/api/v1/organisations").status_code == 200

    clock.shift(50)
    response = department_admin_api.get("/api/v1/organisations")
    assert response.status_code == 200
    assert fields(response) == ('"token";q=3;w=60', '"token";r=2;t=60')


def test_a_token_is_counted_once_whichever_worker_or_address_serves_it(
    app, clock, monkeypatch, department_admin_api
):
    """Two clients (think: two gunicorn workers, or one integration on two machines) share the count."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_MINUTE", 4)
    token = token_of(department_admin_api)
    workers = [at(app, "203.0.113.1", token), at(app, "203.0.113.2", token)]
    statuses = [workers[n % 2].get("/api/v1/organisations").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


# --- Per address --------------------------------------------------------------------------------------


def test_without_a_valid_token_calls_are_counted_per_address_so_guessing_tokens_is_limited(
    app, clock, monkeypatch, department_admin_api
):
    monkeypatch.setitem(app.config, "API_PUBLIC_RATE_LIMIT_PER_MINUTE", 3)
    guesser = "198.51.100.66"
    for n in range(3):
        response = at(app, guesser, f"mrg_guess{n}").get("/api/v1/organisations")
        assert_error(response, 401)
        assert fields(response) == ('"address";q=3;w=60', f'"address";r={2 - n};t=50')
    # The 401s were rolled back; they counted all the same.
    refused = at(app, guesser, "mrg_the-right-one-at-last").get("/api/v1/organisations")
    assert_error(refused, 429, "too_many_requests")
    assert refused.headers["Retry-After"] == "50"
    assert at(app, guesser).get("/api/v1/openapi.json").status_code == 429
    # Another address is counted apart; a valid token from the same address has its own allowance.
    assert at(app, "198.51.100.67").get("/api/v1/organisations").status_code == 401
    assert at(app, guesser, token_of(department_admin_api)).get("/api/v1/organisations").status_code == 200


def test_a_revoked_token_is_counted_by_address(app, clock, department_admin_api):
    from registry.auth.models import ApiToken

    token = token_of(department_admin_api)
    db.session.execute(sa.update(ApiToken).values(revoked_at=MOMENT))
    db.session.commit()
    response = at(app, "198.51.100.66", token).get("/api/v1/organisations")
    assert response.status_code == 401
    assert fields(response) == ('"address";q=60;w=60', '"address";r=59;t=50')


def test_pages_are_not_rate_limited(app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "API_PUBLIC_RATE_LIMIT_PER_MINUTE", 1)
    browser = at(app, "198.51.100.66")
    for _ in range(3):
        response = browser.get("/login")
        assert response.status_code == 200 and "RateLimit" not in response.headers


def test_a_limit_of_0_is_no_limit(app, clock, monkeypatch, department_admin_api):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_MINUTE", 0)
    monkeypatch.setitem(app.config, "API_PUBLIC_RATE_LIMIT_PER_MINUTE", 0)
    for _ in range(3):
        response = department_admin_api.get("/api/v1/organisations")
        assert response.status_code == 200 and "RateLimit" not in response.headers
        assert at(app, "198.51.100.66").get("/api/v1/organisations").status_code == 401


# --- A public endpoint (the carve-out: no token) ----------------------------------------------------------


def test_a_public_endpoint_allows_60_calls_a_minute_per_address(clock):
    application = ping_api()
    visitor = at(application, "198.51.100.66")
    for n in range(60):
        response = visitor.get("/api/v1/ping")
        assert response.status_code == 200, n
    assert fields(response) == ('"address";q=60;w=60', '"address";r=0;t=50')
    refused = visitor.get("/api/v1/ping")
    assert_error(refused, 429, "too_many_requests")
    assert refused.headers["Retry-After"] == "50"
    assert at(application, "198.51.100.67").get("/api/v1/ping").status_code == 200
    # Every API path counts against the same allowance.
    assert visitor.get("/api/v1/openapi.json").status_code == 429


def test_every_operation_documents_its_429(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    operations = [op for path in paths.values() for op in path.values() if isinstance(op, dict)]
    assert operations and all("429" in op["responses"] for op in operations)
    ping = ping_api().test_client().get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/ping"]
    assert "429" in ping["get"]["responses"]


# --- Real workers: applications of their own, each with its own engine ------------------------------------


@pytest.fixture
def workers(database_url, monkeypatch) -> Iterator[list[Flask]]:
    """Two applications on the test database, each with its own engine and pool (as two gunicorn workers
    have), counting in transactions of their own as in production: what they commit is deleted after."""
    monkeypatch.setattr(limits, "counter_transaction", limits.own_transaction)
    with two_workers(database_url, public_limit=5, addresses="192.0.2.") as pair:
        yield pair


def _count_seen_from_outside(application: Flask, subject: str) -> int | None:
    """The count as a third connection sees it: only what was committed."""
    with application.app_context(), db.engine.connect() as connection:
        return connection.execute(
            sa.select(RateLimitCounter.count).where(RateLimitCounter.subject == subject)
        ).scalar()


@pytest.mark.real_commits
def test_the_limit_is_shared_by_workers_and_counts_committed_even_when_the_request_is_refused(workers, clock):
    first, second = (at(application, "192.0.2.1") for application in workers)
    # Alternate workers; each answer is a 401 (rolled back) or the openapi document.
    statuses = [
        (first, second)[n % 2].get("/api/v1/organisations" if n % 3 else "/api/v1/openapi.json").status_code
        for n in range(5)
    ]
    assert statuses == [200, 401, 401, 200, 401]
    assert _count_seen_from_outside(workers[0], "address:192.0.2.1") == 5
    refused = second.get("/api/v1/organisations")
    assert_error(refused, 429, "too_many_requests")
    assert first.get("/api/v1/openapi.json").status_code == 429
    assert _count_seen_from_outside(workers[1], "address:192.0.2.1") == 7
    # Another address, served by the same workers, is counted apart.
    assert at(workers[0], "192.0.2.2").get("/api/v1/openapi.json").status_code == 200


def test_windows_are_one_minute_and_left_for_housekeeping(app, clock, department_admin_api):
    department_admin_api.get("/api/v1/organisations")
    clock.shift(timedelta(minutes=1))
    department_admin_api.get("/api/v1/organisations")
    windows = db.session.execute(
        sa.select(RateLimitCounter.window_start, RateLimitCounter.count).order_by(
            RateLimitCounter.window_start
        )
    ).all()
    assert [tuple(row) for row in windows] == [
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 24, 8, 1, tzinfo=UTC), 1),
    ]
