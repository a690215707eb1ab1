"""The permission matrix: every route × method × actor (anonymous and each of the six roles).

``EXPECTED`` (tests/matrix/table.py, from one module per domain in tests/matrix/) is the single table of
who may do what. A route added without a row there fails ``test_every_route_and_method_is_in_the_matrix``,
so nobody can add an endpoint and forget to decide who may use it. Rows of another organisation answer
404 to everyone outside the Department (the row is hidden, not forbidden); department-only actions on the
user's own organisation answer 403.

Web routes are driven through the real login form and with a valid CSRF token (this file tests
permissions, not CSRF: see test_security.py); API routes with a bearer token and a valid JSON body.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.auth.models import PROVIDER_ROLES, Role, User
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from, database_snapshot
from tests.matrix.base import ACTORS, ANONYMOUS, LOGIN, NONE, OTHER, OWN, Expected, Redirect, fill
from tests.matrix.table import EXPECTED, FORM_BODIES, JSON_BODIES, URL_VALUES

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
IGNORED_ENDPOINTS = frozenset({"static"})

CASES = [
    pytest.param(endpoint, method, target, actor, id=f"{endpoint}-{method}-{target}-{actor}")
    for (endpoint, method, target) in EXPECTED
    for actor in ACTORS
]


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
    url = _url(app, endpoint, method, values)
    is_api = url.startswith("/api/")
    # Built before the snapshot below: a body may make the rows it names.
    body = (JSON_BODIES if is_api else FORM_BODIES).get((endpoint, method))
    sent = fill(body, user, organisation) if body is not None else {}
    db.session.commit()

    if is_api:
        http = client if actor == ANONYMOUS else api(user)
        before = database_snapshot()
        response = http.open(url, method=method, json=sent or None)
    else:
        if actor != ANONYMOUS:
            assert auth.login(user.email).status_code == 302
        data = None
        if method != "GET":
            # Any page carries the language form and its token (the login page sends a logged-in
            # user home, which carries it too).
            token = csrf_token_from(client.get("/login", follow_redirects=True).get_data(as_text=True))
            data = {**sent, "csrf_token": token}
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
