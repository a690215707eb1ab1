"""Error pages that cannot fail: a body over the 16 MiB limit answers 413, a body that cannot be read answers
400, and an error page that cannot be rendered answers a minimal page; each with its own status, the
application's page (or the API's error shape) and the security headers, never Werkzeug's bare 500."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.testing import FlaskClient

from registry import create_app
from registry.auth.models import User
from registry.extensions import db
from tests.helpers import (
    AuthActions,
    IsolatedClient,
    assert_error,
    assert_security_headers,
    csrf_token_from,
    database_snapshot,
)

LIMIT = 16 * 1024 * 1024
TOO_LARGE = 17 * 1024 * 1024
TOO_LARGE_MESSAGE = "Tệp tải lên quá lớn."  # "The upload is too large.", on the application's page
BOUNDARY = "registry-test-boundary"


def multipart(fields: dict[str, str], upload_size: int) -> bytes:
    """A multipart/form-data body with ``fields`` and a file of ``upload_size`` bytes (a fixed boundary, so
    that its length is known to the byte)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + b"x" * upload_size
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_body(client: FlaskClient, path: str, body: bytes, content_type: str, **kwargs: Any) -> Any:
    return client.post(path, data=body, content_type=content_type, **kwargs)


def post_too_large(client: FlaskClient, path: str, encoding: str, fields: dict[str, str]) -> Any:
    """A POST of 17 MiB to ``path``: a file upload, a form, or a body streamed without a Content-Length
    (chunked, as a reverse proxy may pass it on)."""
    if encoding == "multipart":
        return post_body(
            client, path, multipart(fields, TOO_LARGE), f"multipart/form-data; boundary={BOUNDARY}"
        )
    form = "&".join(f"{name}={value}" for name, value in fields.items()).encode()
    body = form + b"&note=" + b"x" * TOO_LARGE
    if encoding == "urlencoded":
        return post_body(client, path, body, "application/x-www-form-urlencoded")
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True},
    )


def logged_in_client(app: Flask, user: User) -> FlaskClient:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert AuthActions(client).login(user.email).status_code == 302
    return client


def assert_application_page(response: Any, status: int, what: str) -> str:
    """The response is ``status`` with the application's own error page (layout, language form and all)."""
    assert response.status_code == status, f"{what}: answered {response.status_code}"
    assert response.mimetype == "text/html", what
    page: str = response.get_data(as_text=True)
    assert 'id="language-form"' in page, f"{what}: not the application's page"
    assert f'<h1 class="display-6">{status}</h1>' in page, what
    assert_security_headers(response, what)
    return page


# --- 413 -------------------------------------------------------------------------------------------------


def test_the_limit_is_16_mib(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded", "streamed"])
@pytest.mark.parametrize("path", ["/login", "/language", "/instruments/new"])
def test_a_post_over_16_mib_answers_413_with_the_application_page(
    client: FlaskClient, path: str, encoding: str
) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    before = database_snapshot()
    response = post_too_large(client, path, encoding, {"csrf_token": token, "lang": "en"})
    page = assert_application_page(response, 413, f"{encoding} POST {path}")
    assert TOO_LARGE_MESSAGE in page
    assert database_snapshot() == before
    # Nothing of the refused request stuck: the next page is still in Vietnamese, and works.
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/language", "/instruments/new", "/organisations/new"])
def test_a_logged_in_post_over_16_mib_answers_413_and_keeps_the_session(
    app: Flask, department_admin: User, path: str
) -> None:
    client = logged_in_client(app, department_admin)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    before = database_snapshot()
    response = post_too_large(client, path, "multipart", {"csrf_token": token, "code": "BIG", "name": "Big"})
    page = assert_application_page(response, 413, f"logged-in POST {path}")
    assert TOO_LARGE_MESSAGE in page
    assert department_admin.email in page  # the layout of a logged-in user
    assert database_snapshot() == before
    assert client.get("/").status_code == 200


def test_an_api_post_over_16_mib_answers_413_in_the_api_error_shape(
    department_admin_api: FlaskClient,
) -> None:
    before = database_snapshot()
    body = b'{"code": "BIG", "name": "' + b"x" * TOO_LARGE + b'", "kinds": ["enterprise"]}'
    response = department_admin_api.post("/api/v1/organisations", data=body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert_security_headers(response, "API 413")
    assert database_snapshot() == before


def test_a_body_of_exactly_16_mib_is_read_and_one_byte_more_is_refused(client: FlaskClient) -> None:
    """At the limit the login form is read as usual (and refuses the wrong password); one byte over, 413."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    fields = {"csrf_token": token, "email": "nobody@example.vn", "password": "not the password"}
    upload = LIMIT - len(multipart(fields, 0))
    content_type = f"multipart/form-data; boundary={BOUNDARY}"

    at_limit = multipart(fields, upload)
    assert len(at_limit) == LIMIT
    response = post_body(client, "/login", at_limit, content_type)
    assert response.status_code == 200
    assert "không đúng" in response.get_data(as_text=True)  # "…is not correct"

    over = multipart(fields, upload + 1)
    assert_application_page(post_body(client, "/login", over, content_type), 413, "one byte over")


def test_an_api_body_of_exactly_16_mib_gets_its_field_errors(department_admin_api: FlaskClient) -> None:
    head, tail = b'{"code": "BIG", "name": "', b'", "kinds": ["enterprise"]}'
    body = head + b"x" * (LIMIT - len(head) - len(tail)) + tail
    assert len(body) == LIMIT
    response = department_admin_api.post("/api/v1/organisations", data=body, content_type="application/json")
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name"}


# --- bodies that cannot be read ----------------------------------------------------------------------------

MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
FORM = "application/x-www-form-urlencoded"

# name: (content type, body, environ overrides, expected status)
MALFORMED: dict[str, tuple[str, bytes, dict[str, Any], int]] = {
    "multipart that is not multipart": (MULTIPART, b"csrf_token=abc&lang=en", {}, 400),
    "multipart without a boundary": ("multipart/form-data", b"--x\r\n\r\nabc\r\n--x--\r\n", {}, 400),
    "multipart cut short": (
        MULTIPART,
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="lang"\r\n\r\nen'.encode(),
        {},
        400,
    ),
    "multipart part without a name": (
        MULTIPART,
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nen\r\n--{BOUNDARY}--\r\n".encode(),
        {},
        400,
    ),
    "form that is not UTF-8": (FORM, b"lang=\xff\xfe&next=/\xc0", {}, 400),
    "Content-Length not a number": (FORM, b"lang=en", {"CONTENT_LENGTH": "abc"}, 400),
    "negative Content-Length": (FORM, b"lang=en", {"CONTENT_LENGTH": "-1"}, 400),
    "two Content-Lengths": (FORM, b"lang=en", {"CONTENT_LENGTH": "7, 7"}, 400),
    "Content-Length longer than the body": (FORM, b"lang=en", {"CONTENT_LENGTH": "1000"}, 400),
    "Content-Length beyond any limit": (FORM, b"lang=en", {"CONTENT_LENGTH": "9" * 30}, 413),
}


def _send_malformed(client: FlaskClient, path: str, case: str) -> Any:
    content_type, body, overrides, _ = MALFORMED[case]
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": str(len(body)), **overrides},
    )


@pytest.mark.parametrize("case", MALFORMED)
@pytest.mark.parametrize("path", ["/login", "/language"])
def test_a_body_that_cannot_be_read_answers_its_error_with_the_application_page(
    client: FlaskClient, path: str, case: str
) -> None:
    before = database_snapshot()
    response = _send_malformed(client, path, case)
    assert_application_page(response, MALFORMED[case][3], f"{case} to {path}")
    assert database_snapshot() == before


@pytest.mark.parametrize("case", MALFORMED)
def test_an_api_body_that_cannot_be_read_answers_the_api_error_shape(
    department_admin_api: FlaskClient, case: str
) -> None:
    before = database_snapshot()
    response = _send_malformed(department_admin_api, "/api/v1/organisations", case)
    assert 400 <= response.status_code < 500, f"{case}: answered {response.status_code}"
    assert_error(response, response.status_code)
    assert_security_headers(response, f"API: {case}")
    assert database_snapshot() == before


def test_a_405_page_says_which_methods_are_allowed(client: FlaskClient) -> None:
    response = client.get("/logout")
    assert_application_page(response, 405, "GET /logout")
    assert "POST" in response.headers["Allow"]


# --- an error page that cannot be rendered -----------------------------------------------------------------


class BrokenJSON(DefaultJSONProvider):
    def response(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("planted failure in the JSON encoder")


@pytest.fixture
def broken_app(database_url: str) -> Iterator[Flask]:
    """An application whose every page fails to render (the layout raises, as when the database is down),
    whose JSON responses fail too, and with a route that raises: errors not propagated, as in production."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @application.context_processor
    def _broken_layout() -> dict[str, Any]:
        raise RuntimeError("planted failure in the layout")

    @application.route("/boom")
    def boom() -> str:
        raise RuntimeError("planted failure in a view")

    application.json = BrokenJSON(application)
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.engine.dispose()


BROKEN_CASES: dict[str, tuple[str, str, bytes | None, int]] = {
    # name: (method, path, body, expected status)
    "404": ("GET", "/no-such-page", None, 404),
    "405": ("GET", "/logout", None, 405),
    "400, no CSRF token": ("POST", "/login", b"email=a%40b.vn", 400),
    "413": ("POST", "/language", b"lang=" + b"x" * TOO_LARGE, 413),
    "500": ("GET", "/boom", None, 500),
    "API 404": ("GET", "/api/v1/no-such-thing", None, 404),
    "API 405": ("DELETE", "/api/v1/organisations", None, 405),
}


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_an_error_page_that_cannot_be_rendered_falls_back_to_a_minimal_page(
    broken_app: Flask, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    method, path, body, status = BROKEN_CASES[case]
    response = broken_app.test_client().open(path, method=method, data=body, content_type=FORM)
    assert response.status_code == status
    assert_security_headers(response, case)
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "planted failure" not in text
    if path.startswith("/api/"):
        assert response.mimetype == "application/json"
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    else:
        assert response.mimetype == "text/html"
        assert re.search(rf"<h1>{status}</h1>", text)
        assert "<script" not in text and "style" not in text
    if status == 405:
        assert response.headers["Allow"]
    # The failure is logged for the operator.
    assert "planted failure" in caplog.text
