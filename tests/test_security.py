"""Security properties that hold for every page and every form, found by walking the URL map:
security headers, no inline script or style (so the CSP needs no 'unsafe-inline'), a CSRF token on
every form and a refusal of every POST without one, the session cookie's flags, and a Production
configuration that refuses to start without its secrets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient

import config
from registry import create_app
from registry.auth import tokens
from registry.auth.models import Role, TokenPurpose, User
from registry.events.models import Event
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import DEFAULT_PASSWORD, OrganisationFactory, user_with_role
from tests.helpers import (
    AuthActions,
    IsolatedClient,
    assert_security_headers,
    csrf_token_from,
    database_snapshot,
    enrol_two_factor,
    parse_csp,
)
from tests.matrix.base import fill
from tests.matrix.table import FORM_BODIES, URL_VALUES

TEMPLATES = Path(__file__).resolve().parents[1] / "registry" / "templates"


# --- helpers -----------------------------------------------------------------------------------


def new_client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


def new_logged_in_client(app: Flask, user: User) -> FlaskClient:
    client = new_client(app)
    assert AuthActions(client).login(user.email).status_code == 302
    return client


def csrf_token(client: FlaskClient) -> str:
    """A token for this client's session: every page carries the language form."""
    return csrf_token_from(client.get("/login", follow_redirects=True).get_data(as_text=True))


def web_rules(app: Flask, method: str) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or set())
        and rule.endpoint != "static"
        and not rule.rule.startswith("/api/")
    ]


def build_url(app: Flask, rule: Any, organisation: Organisation) -> str:
    """The route's URL for ``organisation``; a route with a URL_VALUES builder in tests/matrix/ (one
    whose ``code`` is not an organisation's, or with other arguments) gets its arguments from there."""
    builder = URL_VALUES.get(rule.endpoint)
    if builder is not None:
        values = builder(organisation)
    else:
        assert rule.arguments <= {"code"}, (
            f"{rule.rule} takes {sorted(rule.arguments)}: add a URL_VALUES builder in tests/matrix/"
        )
        values = {"code": organisation.code} if "code" in rule.arguments else {}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def post_body(endpoint: str, user: User, organisation: Organisation) -> dict[str, Any]:
    """A valid body for a POST to ``endpoint``: from POST_BODIES, else from the matrix's FORM_BODIES."""
    if endpoint in POST_BODIES:
        return POST_BODIES[endpoint](user, organisation)
    body = FORM_BODIES.get((endpoint, "POST"))
    assert body is not None, (
        f"add a valid body for {endpoint} to POST_BODIES or to FORM_BODIES in tests/matrix/"
    )
    return fill(body, user, organisation)


# --- security headers --------------------------------------------------------------------------


def test_csp_parser_reads_directives() -> None:
    csp = parse_csp("default-src 'self'; script-src 'self' 'unsafe-inline';frame-ancestors 'none'")
    assert csp == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "frame-ancestors": ["'none'"],
    }


HEADER_CASES: dict[str, tuple[str, str, bool, int]] = {
    # name: (method, path, as the logged-in admin, expected status)
    "login page": ("GET", "/login", False, 200),
    "home page": ("GET", "/", True, 200),
    "organisation list": ("GET", "/organisations/", True, 200),
    "redirect to login": ("GET", "/organisations/", False, 302),
    "404 page": ("GET", "/no-such-page", True, 404),
    "405 page": ("GET", "/logout", True, 405),
    "CSRF 400 page": ("POST", "/login", False, 400),
    "CSRF 400 page, logged in": ("POST", "/organisations/new", True, 400),
    "health check": ("GET", "/healthz", False, 200),
    "static file": ("GET", "/static/css/app.css", False, 200),
    "API 401": ("GET", "/api/v1/organisations", False, 401),
    "API 405": ("DELETE", "/api/v1/organisations", False, 405),
    "API 404": ("GET", "/api/v1/no-such-thing", False, 404),
    "OpenAPI document": ("GET", "/api/v1/openapi.json", False, 200),
}


@pytest.mark.parametrize("case", HEADER_CASES)
def test_every_response_carries_the_security_headers(app: Flask, department_admin: User, case: str) -> None:
    method, path, as_admin, status = HEADER_CASES[case]
    client = new_logged_in_client(app, department_admin) if as_admin else new_client(app)
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_security_headers(response, case)
    response.close()


@pytest.fixture
def failing_app(database_url: str) -> Iterator[Flask]:
    """A second application with routes that raise, for the 500 pages (errors not propagated)."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @application.route("/boom")
    def boom() -> str:
        raise RuntimeError("planted failure")

    @application.route("/api/v1/boom")
    def api_boom() -> str:
        raise RuntimeError("planted failure")

    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_a_500_also_carries_the_security_headers_and_hides_the_error(failing_app: Flask, path: str) -> None:
    response = new_client(failing_app).get(path)
    assert response.status_code == 500
    assert_security_headers(response, f"500 on {path}")
    assert "planted failure" not in response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "internal_error"
    else:
        assert not find_inline_code(response.get_data(as_text=True)).problems


# --- no inline script or style -----------------------------------------------------------------


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP (script-src/style-src 'self') would block or that needs
    'unsafe-inline', and every POST form that carries no CSRF token."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.post_forms = 0
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        line = self.getpos()[0]
        if tag == "script" and not values.get("src", "").strip():
            self.problems.append(f"line {line}: inline <script>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        for name, value in values.items():
            if name == "style":
                self.problems.append(f"line {line}: style= attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"line {line}: {name}= event handler on <{tag}>")
            # Browsers ignore whitespace and control characters inside the scheme.
            squeezed = "".join(ch for ch in value if ch > " ").lower()
            if squeezed.startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}= on <{tag}>")
        if tag == "form":
            self._form = {
                "line": line,
                "post": values.get("method", "get").strip().lower() == "post",
                "token": False,
            }
        elif (
            tag == "input"
            and self._form is not None
            # A form with a prefix names it "prefix-csrf_token", which Flask-WTF's CSRFProtect reads too.
            and re.fullmatch(r"([\w-]+-)?csrf_token", values.get("name") or "")
            and values.get("type", "").lower() == "hidden"
            and values.get("value", "").strip()
        ):
            self._form["token"] = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self._close_form()

    def close(self) -> None:
        super().close()
        if self._form is not None:
            self._close_form()

    def _close_form(self) -> None:
        assert self._form is not None
        if self._form["post"]:
            self.post_forms += 1
            if not self._form["token"]:
                self.problems.append(f"line {self._form['line']}: POST form without a csrf_token")
        self._form = None


def find_inline_code(html: str) -> InlineCodeFinder:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder


@pytest.mark.parametrize(
    "html",
    [
        "<p>x</p><script>alert(1)</script>",
        "<script type='module'>import x from '/x.js'</script>",
        "<script src=''>alert(1)</script>",
        "<style>p { color: red }</style>",
        "<p style='color: red'>x</p>",
        "<img src='/a.png' onerror='alert(1)'>",
        "<body onload=init()>",
        "<a href='javascript:alert(1)'>x</a>",
        "<a href=' JaVa&#x09;ScRiPt:alert(1)'>x</a>",
        "<form action='javascript:void(0)' method='get'></form>",
        "<iframe src='javascript:alert(1)'></iframe>",
        "<form method='post'><input name='q'></form>",
        "<form method='POST'><input type='hidden' name='csrf_token' value=''></form>",
        "<form method='post'><input type='text' name='csrf_token' value='abc'></form>",
        "<form method='post'><input type='hidden' name='csrf_token_x' value='abc'></form>",
        "<form method='post'><input name='q'>",
    ],
)
def test_the_checker_catches_planted_inline_code(html: str) -> None:
    assert find_inline_code(html).problems, html


@pytest.mark.parametrize(
    "html",
    [
        "<script src='/static/vendor/x.js'></script>",
        "<link rel='stylesheet' href='/static/css/app.css'><link rel='icon' href='data:,'>",
        "<a href='/organisations/'>Tổ chức</a><p class='text-muted' data-bs-toggle='collapse'>x</p>",
        "<form method='get'><input name='q'></form>",
        "<form method='post'><input id='csrf_token' name='csrf_token' type='hidden' value='abc'></form>",
        "<form method='post'><input name='off-csrf_token' type='hidden' value='abc'></form>",
        "<p>javascript: is only text here</p>",
    ],
)
def test_the_checker_accepts_clean_html(html: str) -> None:
    assert find_inline_code(html).problems == []


SIGNED_BY_THE_LAB = {"events.sign"}


def _render_every_page(app: Flask, department_admin: User) -> list[tuple[str, Any]]:
    """Every HTML page the app renders: each GET web route as the department admin (the URL map
    decides which), the anonymous pages, the error pages, form errors and flash messages."""
    organisation: Organisation = OrganisationFactory()
    provider = user_with_role(Role.PROVIDER_MANAGER)
    db.session.commit()
    pages: list[tuple[str, Any]] = []

    anonymous = new_client(app)
    pages.append(("login page", anonymous.get("/login")))
    pages.append(("login required (flash)", anonymous.get("/organisations/", follow_redirects=True)))
    token = csrf_token(anonymous)
    wrong = {"email": department_admin.email, "password": "not the password", "csrf_token": token}
    pages.append(("wrong password", anonymous.post("/login", data=wrong)))
    pages.append(("404, anonymous", anonymous.get("/no-such-page")))
    pages.append(("405, anonymous", anonymous.get("/logout")))
    pages.append(("CSRF 400, anonymous", anonymous.post("/login", data={"email": "a@b.vn"})))

    outsider = new_logged_in_client(app, provider)
    pages.append(("403", outsider.get("/organisations/new")))
    pages.append(("404 of another organisation", outsider.get(f"/organisations/{organisation.code}")))

    client = new_logged_in_client(app, department_admin)
    # Give the organisation a history and the session a flash message before the walk.
    token = csrf_token(client)
    edit = {
        "name": "Tên đã sửa",
        "kinds": ["enterprise"],
        "reason": "Sửa tên",
        "version": str(organisation.version),
    }
    saved = client.post(
        f"/organisations/{organisation.code}/edit", data={**edit, "csrf_token": token}, follow_redirects=True
    )
    pages.append(("saved (flash and history)", saved))
    stale = client.post(f"/organisations/{organisation.code}/edit", data={**edit, "csrf_token": token})
    pages.append(("stale edit (conflict)", stale))
    invalid = {"code": "A B", "name": "", "kinds": [], "csrf_token": token}
    pages.append(("invalid new organisation", client.post("/organisations/new", data=invalid)))
    common = {"current_password": DEFAULT_PASSWORD, "new_password": "password1234", "csrf_token": token}
    pages.append(("refused password", client.post("/account/password", data=common)))
    pages.append(("404, logged in", client.get("/no-such-page")))

    # Two-factor sign-in: set up, the recovery codes, on, and the code step of the next login.
    enrolled = user_with_role(Role.PROVIDER_TECHNICIAN)
    db.session.commit()
    enrolling = new_logged_in_client(app, enrolled)
    enrolment = enrol_two_factor(enrolling)
    pages += [("two-factor set-up", enrolment.setup_page), ("recovery codes", enrolment.codes_page)]
    pages.append(("two-factor on", enrolling.get("/account/two-factor")))
    second_step = new_client(app)
    AuthActions(second_step).login(enrolled.email)
    pages.append(("login code", second_step.get("/login/code")))
    wrong_code = {"code": "000000", "csrf_token": csrf_token(second_step)}
    pages.append(("wrong login code", second_step.post("/login/code", data=wrong_code)))
    pages.append(("CSRF 400, logged in", client.post("/language", data={"lang": "en"})))
    # The public pages, as someone who scanned a code or typed an address: the form, and a wrong token.
    passer_by = new_client(app)
    pages.append(("public lookup form", passer_by.get("/verify")))
    pages.append(("unknown certificate token", passer_by.get("/verify/no-such-token")))
    # The pages the links sent by e-mail open, as their recipients (not logged in) see them.
    invited = user_with_role(Role.ENTERPRISE_VIEWER, organisation, password_hash="")
    invitation = tokens.issue(invited, TokenPurpose.INVITATION, why="test: an invitation")
    reset = tokens.issue(provider, TokenPurpose.PASSWORD_RESET, why="test: a password-reset link")
    db.session.commit()
    pages.append(("forgotten password", passer_by.get("/password/forgot")))
    pages.append(("invitation", passer_by.get(f"/invitation/{invitation}")))
    pages.append(("password reset", passer_by.get(f"/password/reset/{reset}")))
    pages.append(("link not valid", passer_by.get("/password/reset/no-such-token")))

    for rule in web_rules(app, "GET"):
        url = build_url(app, rule, organisation)
        walker = client
        if rule.endpoint in SIGNED_BY_THE_LAB:
            # Only the staff of the lab that recorded the event sign it: walked as a technician there.
            event = db.session.get(Event, int(url.split("/")[2]))
            assert event is not None
            walker = new_logged_in_client(app, user_with_role(Role.PROVIDER_TECHNICIAN, event.provider))
        # Followed: /login sends a logged-in user home.
        pages.append((f"GET {url}", walker.get(url, follow_redirects=True)))
    return pages


@pytest.fixture
def rendered_pages(app: Flask, department_admin: User) -> Iterator[tuple[list[tuple[str, Any]], set[str]]]:
    templates: set[str] = set()

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        templates.add(template.name)

    with template_rendered.connected_to(record, app):
        pages = _render_every_page(app, department_admin)
    yield pages, templates
    for _, response in pages:
        response.close()


IMPORT_TEMPLATES = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _html_pages(pages: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    html = []
    for label, response in pages:
        if response.mimetype == "text/html":
            html.append((label, response.get_data(as_text=True)))
        else:
            # The health check and the OpenAPI document (JSON), security.txt (text), a certificate's PDF,
            # the import templates (CSV and XLSX)
            assert response.mimetype in {
                "application/json",
                "text/plain",
                "application/pdf",
                *IMPORT_TEMPLATES,
            }, f"{label}: unexpected {response.mimetype}"
    return html


def test_the_walk_reaches_every_page_template(rendered_pages: Any) -> None:
    """So that a new page template that the walk below never renders fails here."""
    pages, rendered = rendered_pages
    for label, response in pages:
        if label.startswith("GET "):
            assert response.status_code == 200, f"{label} answered {response.status_code}"
    page_templates = {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if "{% extends" in path.read_text(encoding="utf-8")
    }
    assert page_templates, "no page templates found"
    assert page_templates <= rendered, f"never rendered by the walk: {sorted(page_templates - rendered)}"


def test_no_page_has_inline_script_or_style(rendered_pages: Any) -> None:
    pages, _ = rendered_pages
    problems = [
        f"{label}: {problem}"
        for label, html in _html_pages(pages)
        for problem in find_inline_code(html).problems
        if "csrf_token" not in problem
    ]
    assert not problems, "\n".join(problems)


def test_every_post_form_on_every_page_carries_a_csrf_token(rendered_pages: Any) -> None:
    pages, _ = rendered_pages
    forms = 0
    problems = []
    for label, html in _html_pages(pages):
        finder = find_inline_code(html)
        forms += finder.post_forms
        problems += [f"{label}: {problem}" for problem in finder.problems if "csrf_token" in problem]
    assert not problems, "\n".join(problems)
    assert forms > 20, "the walk found suspiciously few POST forms"


# --- CSRF on every POST ------------------------------------------------------------------------

# Valid bodies, so that the refusal can only come from the missing or wrong token.
POST_BODIES: dict[str, Callable[[User, Organisation], dict[str, Any]]] = {
    "auth.login": lambda user, org: {"email": user.email, "password": DEFAULT_PASSWORD},
    "auth.logout": lambda user, org: {},
    "auth.change_password": lambda user, org: {
        "current_password": DEFAULT_PASSWORD,
        "new_password": "một mật khẩu mới rất dài",
    },
    "auth.set_language": lambda user, org: {"lang": "en", "next": "/"},
    "organisations.create": lambda user, org: {
        "code": "CSRF-NEW",
        "name": "Công ty",
        "kinds": ["enterprise"],
    },
    "organisations.edit": lambda user, org: {
        "name": "Tên bị giả mạo",
        "kinds": org.kinds,
        "reason": "Yêu cầu giả mạo",
        "version": str(org.version),
    },
}


@pytest.mark.parametrize("token", ["missing", "garbage", "from another session"])
@pytest.mark.parametrize("actor", ["anonymous", "department_admin"])
def test_every_web_post_without_a_valid_csrf_token_answers_400_and_changes_nothing(
    app: Flask, department_admin: User, actor: str, token: str
) -> None:
    organisation: Organisation = OrganisationFactory()
    db.session.commit()
    client = new_client(app) if actor == "anonymous" else new_logged_in_client(app, department_admin)
    sent = {
        "missing": {},
        "garbage": {"csrf_token": "not-a-token"},
        "from another session": {"csrf_token": csrf_token(new_client(app))},
    }[token]

    routes = web_rules(app, "POST")
    assert {rule.endpoint for rule in routes} >= {"auth.login", "organisations.edit"}
    failures = []
    for rule in routes:
        url = build_url(app, rule, organisation)
        # Built before the snapshot: a body may make the rows it names.
        body = post_body(rule.endpoint, department_admin, organisation)
        before = database_snapshot()
        response = client.post(url, data={**body, **sent})
        if response.status_code != 400:
            failures.append(f"POST {url} answered {response.status_code}")
        if database_snapshot() != before:
            failures.append(f"POST {url} changed the database")
    assert not failures, "\n".join(failures)

    # Still logged in (or still out), and still in Vietnamese.
    home = client.get("/")
    assert home.status_code == (302 if actor == "anonymous" else 200)
    assert '<html lang="vi">' in client.get("/login", follow_redirects=True).get_data(as_text=True)


# --- session cookie ----------------------------------------------------------------------------


def cookie_attributes(response: Any, name: str) -> set[str]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie set; Set-Cookie: {response.headers.getlist('Set-Cookie')}")


@pytest.fixture
def production_app(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Flask]:
    """The Production class, on the test database. Production reads the environment when config.py
    is imported, so the values go on a subclass; check() reads it when called, so they go there too."""
    secret = "production-secret-for-this-test-only-0123456789"
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.setenv("DATABASE_URL", database_url)

    class ProductionForTest(config.Production):
        SECRET_KEY = secret
        SQLALCHEMY_DATABASE_URI = database_url

    application = create_app(ProductionForTest)
    assert application.config["ENV_NAME"] == "production"
    yield application
    with application.app_context():
        db.engine.dispose()


def test_production_session_cookie_is_secure_httponly_and_samesite_lax(production_app: Flask) -> None:
    user = user_with_role(Role.ENTERPRISE_VIEWER)
    db.session.commit()
    client = new_client(production_app)
    https = {"base_url": "https://registry.example.vn"}
    page = client.get("/login", **https)
    assert cookie_attributes(page, "registry_session") >= {"secure", "httponly", "samesite=lax"}
    response = client.post(
        "/login",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token_from(page.text)},
        # Flask-WTF checks the Referer of HTTPS form posts (WTF_CSRF_SSL_STRICT).
        headers={"Referer": "https://registry.example.vn/login"},
        **https,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert cookie_attributes(response, "registry_session") >= {"secure", "httponly", "samesite=lax", "path=/"}
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert_security_headers(response, "production login")
    assert client.get("/", **https).status_code == 200


# --- HSTS: over HTTPS only, as RFC 6797 says ---------------------------------------------------

HSTS = "max-age=31536000; includeSubDomains"
HSTS_PATHS = {
    # path: expected status, anonymous
    "/login": 200,
    "/no-such-page": 404,
    "/static/css/app.css": 200,
    "/api/v1/organisations": 401,
    "/.well-known/security.txt": 200,
}


@pytest.fixture
def proxied_app(database_url: str) -> Iterator[Flask]:
    """The application behind one trusted reverse proxy that terminates HTTPS."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXY_COUNT": 1})
    yield application
    with application.app_context():
        db.engine.dispose()


def _hsts(client: FlaskClient, path: str, **kwargs: Any) -> str | None:
    response = client.get(path, **kwargs)
    assert response.status_code == HSTS_PATHS[path], f"{path}: answered {response.status_code}"
    value = response.headers.get("Strict-Transport-Security")
    response.close()
    return value


@pytest.mark.parametrize("path", HSTS_PATHS)
def test_every_response_over_https_carries_hsts(app: Flask, path: str) -> None:
    assert _hsts(new_client(app), path, base_url="https://registry.example.vn") == HSTS


@pytest.mark.parametrize("path", HSTS_PATHS)
def test_behind_a_trusted_proxy_hsts_follows_x_forwarded_proto(proxied_app: Flask, path: str) -> None:
    client = new_client(proxied_app)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert _hsts(client, path, headers=https) == HSTS
    assert _hsts(client, path, headers={**https, "X-Forwarded-Proto": "http"}) is None
    assert _hsts(client, path) is None


@pytest.mark.parametrize("path", HSTS_PATHS)
def test_no_hsts_over_plain_http_nor_from_an_untrusted_x_forwarded_proto(app: Flask, path: str) -> None:
    client = new_client(app)
    assert _hsts(client, path) is None
    # No trusted proxy (TRUSTED_PROXY_COUNT is 0): anyone could send the header.
    assert _hsts(client, path, headers={"X-Forwarded-Proto": "https"}) is None


def test_production_sends_hsts_over_https_and_never_over_plain_http(production_app: Flask) -> None:
    client = new_client(production_app)
    assert _hsts(client, "/login", base_url="https://registry.example.vn") == HSTS
    # (The test client would use Production's PREFERRED_URL_SCHEME, https, unless told.)
    assert _hsts(client, "/login", base_url="http://registry.example.vn") is None


def test_session_cookie_is_httponly_and_samesite_in_the_test_configuration(
    client: FlaskClient, auth: Any
) -> None:
    user = user_with_role(Role.ENTERPRISE_VIEWER)
    db.session.commit()
    response = auth.login(user.email)
    assert response.status_code == 302
    assert cookie_attributes(response, "registry_session") >= {"httponly", "samesite=lax"}


@pytest.mark.parametrize("name", sorted(config.CONFIGS))
def test_every_configuration_sets_httponly_and_samesite(name: str) -> None:
    settings = config.CONFIGS[name]
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE in {"Lax", "Strict"}
    assert settings.REMEMBER_COOKIE_HTTPONLY is True
    if name == "production":
        assert settings.SESSION_COOKIE_SECURE is True
        assert settings.REMEMBER_COOKIE_SECURE is True


# --- Production refuses to start without its secrets ------------------------------------------


@pytest.mark.parametrize(
    "missing",
    [("SECRET_KEY",), ("DATABASE_URL",), ("SECRET_KEY", "DATABASE_URL")],
    ids=lambda names: "+".join(names),
)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_check_refuses_to_run_without_its_secrets(
    monkeypatch: pytest.MonkeyPatch, missing: tuple[str, ...], how: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://registry@db/registry")
    for name in missing:
        if how == "unset":
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, "")
    with pytest.raises(config.ConfigError) as caught:
        config.Production.check()
    for name in missing:
        assert name in str(caught.value)
    with pytest.raises(config.ConfigError):
        create_app(config.Production)


def test_production_check_passes_with_both_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://registry@db/registry")
    config.Production.check()
