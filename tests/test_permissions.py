"""The permission matrix: every route × method × actor (anonymous and each of the six roles).

``EXPECTED`` is the single table of who may do what. A route added without a row there fails
``test_every_route_and_method_is_in_the_matrix``, so nobody can add an endpoint and forget to decide
who may use it. Rows of another organisation answer 404 to everyone outside the Department (the row
is hidden, not forbidden); department-only actions on the user's own organisation answer 403.

Web routes are driven through the real login form and with a valid CSRF token (this file tests
permissions, not CSRF: see test_security.py); API routes with a bearer token and a valid JSON body.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import tests.matrix
from registry.auth.models import PROVIDER_ROLES, Role, User
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import DEFAULT_PASSWORD, OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from, database_snapshot

ANONYMOUS = "anonymous"
ACTORS = (ANONYMOUS, *(role.value for role in Role))
assert ACTORS == (
    "anonymous",
    "department_admin",
    "department_officer",
    "provider_manager",
    "provider_technician",
    "enterprise_manager",
    "enterprise_viewer",
), "the columns of EXPECTED follow this order"

# Which organisation fills the route's ``<code>``: none, the actor's own, or another one (of the
# same kind as the actor's, so that one lab cannot see another lab, nor one enterprise another).
NONE, OWN, OTHER = "-", "own", "other"

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
IGNORED_ENDPOINTS = frozenset({"static"})

NEW_CODE = "PERM-NEW"


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``to`` (``{code}`` is the target organisation's code); ``prefix``: Location starts so."""

    to: str
    prefix: bool = False


Expected = int | Redirect

LOGIN = Redirect("/login?next=", prefix=True)  # not logged in: off to the login page, and back after
HOME = Redirect("/")
OUT = Redirect("/login")  # logged out: by logout, and by a password change (ends every session)
BACK = Redirect("/organisations/")  # the language switch returns to the page it was given
CREATED = Redirect(f"/organisations/{NEW_CODE}")
SAVED = Redirect("/organisations/{code}")

API_LIST = "organisations_api.Organisations"
API_ONE = "organisations_api.OrganisationByCode"

# fmt: off
EXPECTED: dict[tuple[str, str, str], tuple[Expected, ...]] = {
    # (endpoint, method, target)             anonym.  d_admin  d_offic. p_manag. p_tech.  e_manag. e_view.
    ("auth.login", "GET", NONE):             (200,     HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.login", "POST", NONE):            (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.logout", "POST", NONE):           (OUT,     OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.change_password", "GET", NONE):   (LOGIN,   200,     200,     200,     200,     200,     200),
    ("auth.change_password", "POST", NONE):  (LOGIN,   OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.set_language", "POST", NONE):     (BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK),
    ("home.index", "GET", NONE):             (LOGIN,   200,     200,     200,     200,     200,     200),
    ("home.health", "GET", NONE):            (200,     200,     200,     200,     200,     200,     200),
    ("organisations.index", "GET", NONE):    (LOGIN,   200,     200,     200,     200,     200,     200),
    ("organisations.create", "GET", NONE):   (LOGIN,   200,     200,     403,     403,     403,     403),
    ("organisations.create", "POST", NONE):  (LOGIN,   CREATED, CREATED, 403,     403,     403,     403),
    ("organisations.detail", "GET", OWN):    (LOGIN,   200,     200,     200,     200,     200,     200),
    ("organisations.detail", "GET", OTHER):  (LOGIN,   200,     200,     404,     404,     404,     404),
    ("organisations.edit", "GET", OWN):      (LOGIN,   200,     200,     403,     403,     403,     403),
    ("organisations.edit", "GET", OTHER):    (LOGIN,   200,     200,     404,     404,     404,     404),
    ("organisations.edit", "POST", OWN):     (LOGIN,   SAVED,   SAVED,   403,     403,     403,     403),
    ("organisations.edit", "POST", OTHER):   (LOGIN,   SAVED,   SAVED,   404,     404,     404,     404),
    (API_LIST, "GET", NONE):                 (401,     200,     200,     200,     200,     200,     200),
    (API_LIST, "POST", NONE):                (401,     201,     201,     403,     403,     403,     403),
    (API_ONE, "GET", OWN):                   (401,     200,     200,     200,     200,     200,     200),
    (API_ONE, "GET", OTHER):                 (401,     200,     200,     404,     404,     404,     404),
    (API_ONE, "PATCH", OWN):                 (401,     200,     200,     403,     403,     403,     403),
    (API_ONE, "PATCH", OTHER):               (401,     200,     200,     404,     404,     404,     404),
    ("openapi_json", "GET", NONE):           (200,     200,     200,     200,     200,     200,     200),
}
# fmt: on

# Valid request bodies, so that a refusal can only come from the permission check.
FORM_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("auth.login", "POST"): {"email": "{email}", "password": DEFAULT_PASSWORD},
    ("auth.logout", "POST"): {},
    ("auth.change_password", "POST"): {
        "current_password": DEFAULT_PASSWORD,
        "new_password": "một mật khẩu mới rất dài",
    },
    ("auth.set_language", "POST"): {"lang": "en", "next": "/organisations/"},
    ("organisations.create", "POST"): {
        "code": NEW_CODE,
        "name": "Công ty Kiểm tra Quyền",
        "kinds": ["enterprise"],
    },
    ("organisations.edit", "POST"): {
        "name": "Tên mới sau khi sửa",
        "kinds": "{kinds}",
        "reason": "Đổi tên theo quyết định số 12",
        "version": "{version}",
    },
}
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    (API_LIST, "POST"): {
        "code": NEW_CODE,
        "name": "Công ty Kiểm tra Quyền",
        "kinds": ["enterprise"],
    },
    (API_ONE, "PATCH"): {
        "name": "Tên mới sau khi sửa",
        "reason": "Đổi tên theo quyết định số 12",
        "version": "{version}",
    },
}

# Each domain adds its rows, bodies and URL builders in its own module of tests/matrix/ (so that work on
# different domains never edits the same table): ROWS, FORM_BODIES, JSON_BODIES and URL_VALUES, where
# URL_VALUES maps an endpoint to a function building its URL arguments from the target organisation
# (creating the row it needs: an instrument owned by that organisation, say).
URL_VALUES: dict[str, Callable[[Organisation], dict[str, Any]]] = {}
for _module_info in sorted(pkgutil.iter_modules(tests.matrix.__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"tests.matrix.{_module_info.name}")
    for _name, _target in (
        ("ROWS", EXPECTED),
        ("FORM_BODIES", FORM_BODIES),
        ("JSON_BODIES", JSON_BODIES),
        ("URL_VALUES", URL_VALUES),
    ):
        _extra = getattr(_module, _name, {})
        assert not _extra.keys() & _target.keys(), f"tests/matrix/{_module_info.name}.py repeats {_name} keys"
        _target.update(_extra)

CASES = [
    pytest.param(endpoint, method, target, actor, id=f"{endpoint}-{method}-{target}-{actor}")
    for (endpoint, method, target) in EXPECTED
    for actor in ACTORS
]


def _fill(body: dict[str, Any], user: User, organisation: Organisation | None) -> dict[str, Any]:
    values: dict[str, Any] = {"{email}": user.email}
    if organisation is not None:
        values |= {"{kinds}": organisation.kinds, "{version}": organisation.version}
    return {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}


def _make_actor(actor: str) -> User:
    """The acting user. Anonymous requests get one too, never logged in: it owns the "own" row."""
    return user_with_role(Role.ENTERPRISE_VIEWER if actor == ANONYMOUS else Role(actor))


def _other_organisation(user: User) -> Organisation:
    """Another lab for a lab, another enterprise for an enterprise (and for the Department)."""
    return OrganisationFactory(provider=True) if user.has_role(*PROVIDER_ROLES) else OrganisationFactory()


def _url_values(endpoint: str, organisation: Organisation | None) -> dict[str, Any]:
    if organisation is None:
        return {}
    builder = URL_VALUES.get(endpoint)
    return builder(organisation) if builder else {"code": organisation.code}


def _url(app: Flask, endpoint: str, method: str, values: dict[str, Any]) -> str:
    return app.url_map.bind("localhost").build(endpoint, values, method=method)


def _is_refusal(expected: Expected) -> bool:
    return expected == LOGIN or expected in (401, 403, 404)


def _check(response: Any, expected: Expected, values: dict[str, Any], context: str) -> None:
    location = response.headers.get("Location")
    got = f"{context}: answered {response.status_code}" + (f" → {location}" if location else "")
    if isinstance(expected, Redirect):
        want = expected.to.format(**values)
        assert response.status_code == 302, got
        assert location is not None, got
        assert location.startswith(want) if expected.prefix else location == want, f"{got}, expected {want}"
    else:
        assert response.status_code == expected, got


@pytest.mark.parametrize(("endpoint", "method", "target", "actor"), CASES)
def test_permission(
    app: Flask,
    client: FlaskClient,
    auth: Any,
    api: Any,
    endpoint: str,
    method: str,
    target: str,
    actor: str,
) -> None:
    expected = EXPECTED[(endpoint, method, target)][ACTORS.index(actor)]
    user = _make_actor(actor)
    organisation = {NONE: None, OWN: user.organisation, OTHER: _other_organisation(user)}[target]
    values = _url_values(endpoint, organisation)
    db.session.commit()
    url = _url(app, endpoint, method, values)

    if url.startswith("/api/"):
        http = client if actor == ANONYMOUS else api(user)
        body = JSON_BODIES.get((endpoint, method))
        before = database_snapshot()
        response = http.open(url, method=method, json=_fill(body, user, organisation) if body else None)
    else:
        if actor != ANONYMOUS:
            assert auth.login(user.email).status_code == 302
        data = None
        if method != "GET":
            # Any page carries the language form and its token (the login page sends a logged-in
            # user home, which carries it too).
            token = csrf_token_from(client.get("/login", follow_redirects=True).get_data(as_text=True))
            data = {**_fill(FORM_BODIES.get((endpoint, method), {}), user, organisation), "csrf_token": token}
        before = database_snapshot()
        response = client.open(url, method=method, data=data)

    _check(response, expected, values, f"{actor} {method} {url}")
    if _is_refusal(expected):
        assert database_snapshot() == before, f"{actor} {method} {url} was refused but changed the database"


def test_every_route_and_method_is_in_the_matrix(app: Flask) -> None:
    """A new route, or a new method on one, must get its row in EXPECTED before the suite passes."""
    routes: set[tuple[str, str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED_ENDPOINTS:
            continue
        assert rule.arguments <= {"code"} or rule.endpoint in URL_VALUES, (
            f"{rule.rule} takes {sorted(rule.arguments)}: add a URL_VALUES builder in tests/matrix/"
        )
        targets = (OWN, OTHER) if rule.arguments else (NONE,)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            routes |= {(rule.endpoint, method, target) for target in targets}

    missing = sorted(routes - EXPECTED.keys())
    assert not missing, f"routes with no row in EXPECTED: {missing}"
    stale = sorted(EXPECTED.keys() - routes)
    assert not stale, f"rows in EXPECTED for routes that no longer exist: {stale}"
    short = sorted(key for key, row in EXPECTED.items() if len(row) != len(ACTORS))
    assert not short, f"rows without one answer per actor {ACTORS}: {short}"


@pytest.mark.parametrize("role", [Role.PROVIDER_MANAGER, Role.ENTERPRISE_MANAGER])
def test_another_organisation_looks_exactly_like_a_missing_one(api: Any, role: Role) -> None:
    """No oracle: outside the Department, another organisation's code answers as a made-up one."""
    user = user_with_role(role)
    other = _other_organisation(user)
    db.session.commit()
    http = api(user)
    for method, body in (("GET", None), ("PATCH", {"name": "Tên", "reason": "Thử"})):
        hidden = http.open(f"/api/v1/organisations/{other.code}", method=method, json=body)
        missing = http.open("/api/v1/organisations/NO-SUCH-ORG", method=method, json=body)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_json() == missing.get_json()


def test_the_api_ignores_a_logged_in_browser_session(client: FlaskClient, auth: Any) -> None:
    """The API takes bearer tokens only: a session cookie (which a cross-site form would carry) is
    not enough, so the API needs no CSRF token."""
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    db.session.commit()
    auth.login(admin.email)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/organisations").status_code == 401
    response = client.post("/api/v1/organisations", json={"code": "X1", "name": "X", "kinds": ["enterprise"]})
    assert response.status_code == 401
