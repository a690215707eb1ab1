"""Logging in and out, sessions, throttling and the password policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth.models import UserSession
from registry.auth.passwords import check_password_policy
from registry.core.errors import ServiceError
from registry.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import csrf_token_from


def test_login_shows_the_home_page_in_vietnamese(client, auth, department_officer):
    response = auth.login(department_officer.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Trang chủ" in page
    assert department_officer.email in page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth, department_officer):
    response = auth.login(department_officer.email, "not the password at all")
    assert response.status_code == 200
    assert "không đúng" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(auth, department_officer):
    unknown = auth.login("nobody@example.vn", "whatever password").get_data(as_text=True)
    wrong = auth.login(department_officer.email, "whatever password").get_data(as_text=True)
    assert "không đúng" in unknown and "không đúng" in wrong


def test_login_without_csrf_token_is_rejected(client, department_officer):
    response = client.post("/login", data={"email": department_officer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/organisations/", "/organisations/"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_leads_to_local_paths(auth, department_officer, target, expected):
    response = auth.login(department_officer.email, next_url=target)
    assert response.headers["Location"] == expected


def test_login_starts_a_new_session_and_logout_ends_it_on_the_server(client, auth, department_officer):
    client.get("/login")
    before = client.get_cookie("registry_session")
    auth.login(department_officer.email)
    after = client.get_cookie("registry_session")
    assert before is None or before.value != after.value
    stolen_cookie = after.value

    auth.logout()
    assert client.get("/").status_code == 302
    # Replaying the cookie captured before logout does not bring the session back.
    client.set_cookie("registry_session", stolen_cookie)
    assert client.get("/").status_code == 302


def test_password_change_ends_every_session(app, client, auth, department_officer):
    other_device = app.test_client()
    auth.login(department_officer.email)
    from tests.helpers import AuthActions

    AuthActions(other_device).login(department_officer.email)
    assert other_device.get("/").status_code == 200

    page = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token_from(page),
            "current_password": DEFAULT_PASSWORD,
            "new_password": "một mật khẩu mới rất dài",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert other_device.get("/").status_code == 302
    assert auth.login(department_officer.email, "một mật khẩu mới rất dài").status_code == 302
    live = db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == department_officer.id, UserSession.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1


def test_password_change_refuses_a_common_password_and_keeps_the_old_one(client, auth, department_officer):
    auth.login(department_officer.email)
    page = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token_from(page),
            "current_password": DEFAULT_PASSWORD,
            "new_password": "password1234",
        },
    )
    assert response.status_code == 422
    assert "quá phổ biến" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_repeated_failures_for_one_account_answer_429_even_with_the_right_password(
    app, auth, department_officer
):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert auth.login(department_officer.email, "wrong password here").status_code == 200
    response = auth.login(department_officer.email)
    assert response.status_code == 429


def test_repeated_failures_from_one_address_answer_429_for_every_account(app, auth, department_officer):
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        auth.login(f"guess{n}@example.vn", "wrong password here")
    assert auth.login(department_officer.email).status_code == 429


def test_throttling_is_counted_in_the_database_so_every_worker_sees_it(app, department_officer):
    """Two separate clients (think: two gunicorn workers) share the count."""
    from tests.helpers import AuthActions, IsolatedClient

    app.test_client_class = IsolatedClient
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for n in range(limit):
        worker = AuthActions(app.test_client())
        worker.login(department_officer.email, f"wrong password {n}")
    assert AuthActions(app.test_client()).login(department_officer.email).status_code == 429


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short", "ít nhất"),
        ("password123", "quá phổ biến"),
        ("qwertyuiop", "quá phổ biến"),
        ("x" * 300, "tối đa"),
    ],
)
def test_password_policy(app, password, reason):
    from flask_babel import force_locale

    with force_locale("vi"), pytest.raises(ServiceError) as caught:
        check_password_policy(password)
    assert reason in str(caught.value.fields["password"])


def test_passwords_are_stored_as_argon2id(department_officer):
    assert department_officer.password_hash.startswith("$argon2id$")


def test_inactive_user_cannot_log_in(client, auth, department_officer):
    with audit.reason("test set-up"):
        department_officer.active = False
    db.session.commit()
    auth.login(department_officer.email)
    assert client.get("/").status_code == 302
