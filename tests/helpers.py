"""Plain helpers shared by the test modules: clients that log in and post forms as a browser does, what a
page or an API error says, and the whole database read at once. The fixtures are in tests/conftest.py."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView

import config
from registry.api import init_api
from registry.api.blueprint import Blueprint
from registry.api.errors import ErrorSchema
from registry.api.fields import Schema, String
from registry.api.schemas import documents_errors
from registry.audit.models import AuditEvent
from registry.auth.models import RateLimitCounter, User
from registry.auth.policy import SystemActor
from registry.catalogue.models import AdminUnit
from registry.core.dates import local_today
from registry.extensions import db
from registry.i18n import init_babel
from tests.factories import DEFAULT_PASSWORD

# The actor of service calls a test makes as the system (as the command line and the jobs do).
SYSTEM = SystemActor("test")

# --- Clients ------------------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, with its own app context and ``g``, as in production
    (otherwise it would reuse the test's app context and whatever Flask-Login cached in it)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


class AuthActions:
    """Logs in through the real form, CSRF token and all (Flask tutorial style)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = DEFAULT_PASSWORD, next_url: str = "") -> Any:
        page = self._client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token, "next": next_url}
        )

    def logout(self) -> Any:
        page = self._client.get("/")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post("/logout", data={"csrf_token": token})


def logged_in(client: FlaskClient, auth: AuthActions, user: User, language: str = "en") -> FlaskClient:
    """``client``, logged in as ``user`` and showing pages in ``language`` (Vietnamese when empty)."""
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    if language:
        switch_language(client, language)
    return client


def switch_language(client: FlaskClient, language: str) -> None:
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "lang": language, "next": "/"})


# --- Forms and pages ----------------------------------------------------------------------------------


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """Posts ``data`` to ``path`` as the form on ``page`` (``path`` itself unless given) would."""
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def days_ago(days: int) -> date:
    """The registry's today (``local_today``) less ``days``."""
    return local_today() - timedelta(days=days)


# --- Two-factor sign-in -------------------------------------------------------------------------------


@dataclass
class Enrolment:
    """What a user sees while turning two-factor sign-in on."""

    secret: str
    recovery_codes: list[str]
    setup_page: Any
    codes_page: Any


def enrol_two_factor(client: FlaskClient) -> Enrolment:
    """Turns two-factor sign-in on for ``client``'s user through its pages, as someone reading the key off
    the page into an authenticator app would. The app's current code is then spent: the next login needs
    the next one (move the clock on)."""
    post_form(client, "/account/two-factor/start", {"password": DEFAULT_PASSWORD}, page="/account/two-factor")
    setup = client.get("/account/two-factor")
    match = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', setup.get_data(as_text=True))
    assert match, "the set-up page shows no key"
    secret = match.group(1).replace(" ", "")
    codes_page = post_form(client, "/account/two-factor/confirm", {"code": pyotp.TOTP(secret).now()})
    assert codes_page.status_code == 200, codes_page.get_data(as_text=True)
    codes = re.findall(r'<li class="col">([A-Z0-9-]+)</li>', codes_page.get_data(as_text=True))
    return Enrolment(secret, codes, setup, codes_page)


def field_errors(html: str) -> set[str]:
    """The form fields a page shows an error for."""
    return set(re.findall(r'data-field="([^"]+)"', html))


# --- Security headers ---------------------------------------------------------------------------------


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


def assert_security_headers(response: Any, what: str) -> None:
    headers = response.headers
    assert "Content-Security-Policy" in headers, f"{what}: no Content-Security-Policy"
    csp = parse_csp(headers["Content-Security-Policy"])
    assert csp.get("default-src") == ["'self'"], what
    assert csp.get("script-src") == ["'self'"], f"{what}: script-src {csp.get('script-src')}"
    assert csp.get("style-src") == ["'self'"], f"{what}: style-src {csp.get('style-src')}"
    assert csp.get("frame-ancestors") == ["'none'"], what
    assert csp.get("object-src") == ["'none'"], what
    assert "unsafe" not in headers["Content-Security-Policy"], what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in {"same-origin", "no-referrer", "strict-origin"}, what
    assert headers.get("X-Frame-Options") == "DENY", what


# --- The API ------------------------------------------------------------------------------------------


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is ``status`` with exactly our error shape; gives back ``body["error"]``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert ErrorSchema().validate(body) == {}
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    assert all(
        isinstance(key, str) and isinstance(why, str) and why for key, why in body["error"]["fields"].items()
    )
    if code is not None:
        assert body["error"]["code"] == code
    return dict(body["error"])


# --- The database -------------------------------------------------------------------------------------


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) or 0


def admin_unit(code: str) -> AdminUnit:
    """An administrative unit of the reference list the migrations load."""
    unit = db.session.scalar(sa.select(AdminUnit).where(AdminUnit.code == code))
    assert unit is not None, f"no administrative unit {code}"
    return unit


# Bookkeeping that every request writes, refused or not, by design: the API's rate-limit counters.
NOT_DATA = frozenset({"rate_limit_counters"})


def database_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of data (not the rate-limit counters), read straight from the database (not
    the session's identity map)."""
    db.session.expire_all()
    return {
        table.name: [
            tuple(row) for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
        if table.name not in NOT_DATA
    }


# --- A bare API with a public endpoint ------------------------------------------------------------------


class PongSchema(Schema):
    answer = String()


def ping_api(**settings: Any) -> Flask:
    """The API machinery alone, with a public blueprint (``GET /api/v1/ping``, no token) and a private one
    (``GET /api/v1/secret``, a token needed), on the test configuration changed by ``settings``."""
    public = Blueprint("ping_api", __name__, url_prefix="/ping", public=True)
    private = Blueprint("secret_api", __name__, url_prefix="/secret")

    @public.route("")
    class Ping(MethodView):
        @documents_errors(public)
        @public.response(200, PongSchema)
        def get(self) -> dict[str, Any]:
            return {"answer": "pong"}

    @private.route("")
    class Secret(MethodView):
        @documents_errors(private)
        @private.response(200, PongSchema)
        def get(self) -> dict[str, Any]:
            return {"answer": "secret"}

    application = Flask(__name__)
    application.config.from_object(config.Test)
    application.config.update(settings)
    init_babel(application)
    init_api(application, [public, private])
    return application


@contextmanager
def two_workers(database_url: str, *, public_limit: int, addresses: str) -> Iterator[list[Flask]]:
    """Two applications on the test database, each with its own engine and pool (as two gunicorn workers
    have), counting requests in transactions of their own as in production (the caller patches
    ``limits.counter_transaction``); the counts they commit for ``addresses`` (a LIKE prefix such as
    "192.0.2.") are deleted after."""
    from registry import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "API_PUBLIC_RATE_LIMIT_PER_MINUTE": public_limit}
    pair = [create_app(settings), create_app(settings)]
    try:
        yield pair
    finally:
        with pair[0].app_context(), db.engine.begin() as connection:
            connection.execute(
                sa.delete(RateLimitCounter).where(RateLimitCounter.subject.like(f"address:{addresses}%"))
            )
        for application in pair:
            with application.app_context():
                db.engine.dispose()


def page_link(html: str, testid: str) -> str | None:
    """The address of a list's ``next-page``/``previous-page``/``first-page`` link, None when disabled."""
    match = re.search(rf'href="([^"]*)" data-testid="{testid}"', html)
    assert match, f"no {testid} link"
    return None if match.group(1) == "#" else match.group(1).replace("&amp;", "&")
