"""Logging in and out, sessions, throttling and the password policy."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry import create_app
from registry.audit import services as audit
from registry.auth.models import LoginAttempt, UserSession
from registry.auth.passwords import check_password_policy
from registry.auth.views import safe_next
from registry.core.errors import ServiceError
from registry.core.models import utcnow
from registry.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import AuthActions, IsolatedClient, csrf_token_from


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


# Targets a redirect must never follow: header injection (CR, LF, and every other control or invisible
# character), other hosts (scheme, "//", backslashes, also percent-encoded), and what is not a path.
HOSTILE_TARGETS = [
    "/\r\nSet-Cookie: x=1",
    "/\nX",
    "/\rX",
    "/\tX",
    "/X\x00",
    "/\x0bX",
    "/\x1bX",
    "/\x7fX",
    "/\x85X",
    "/\u200bX",
    "/\u202eX",
    "/\u2028X",
    "/\ufeffX",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%0AX",
    "/%00",
    "/%5Cevil.example.com",
    "/%2F%2Fevil.example.com",
    "/\\evil.example.com",
    "\\\\evil.example.com",
    "//evil.example.com",
    "///evil.example.com",
    "//[",
    "https://evil.example.com/",
    "javascript:alert(1)",
    " /organisations/",
    "organisations/",
    "?next=/",
]


def _hidden_next(page: str) -> str:
    """The login form's ``next`` (the language form in the navigation bar has one too)."""
    login_form = page.split('action="/login"', 1)[1]
    match = re.search(r'<input id="next" name="next" type="hidden" value="([^"]*)">', login_form)
    assert match, "no next field on the login page"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_hostile_next_is_refused_and_the_login_still_goes_home(client, auth, department_officer, target):
    response = auth.login(department_officer.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not client.get_cookie("x")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_hostile_next_in_the_query_string_never_reaches_the_login_form(client, department_officer, target):
    page = client.get("/login?" + urlencode({"next": target}))
    assert page.status_code == 200
    assert _hidden_next(page.get_data(as_text=True)) == ""
    response = client.post(
        "/login?" + urlencode({"next": target}),
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "email": department_officer.email,
            "password": DEFAULT_PASSWORD,
            "next": _hidden_next(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_hostile_next_of_the_language_switch_goes_home_in_the_new_language(client, target):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not client.get_cookie("x")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["/organisations/", "/instruments/?q=c%C3%A2n&page=2", "/events/#top"])
def test_a_local_next_survives_the_login_page_and_the_login(client, department_officer, target):
    page = client.get("/login?" + urlencode({"next": target})).get_data(as_text=True)
    assert _hidden_next(page) == target
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page),
            "email": department_officer.email,
            "password": DEFAULT_PASSWORD,
            "next": _hidden_next(page),
        },
    )
    assert response.headers["Location"] == target


@given(st.one_of(st.text(max_size=40), st.text(max_size=40).map(lambda text: "/" + text)))
@settings(max_examples=500, deadline=None)
def test_safe_next_never_fails_and_only_ever_gives_a_local_path(app, target):
    with app.test_request_context("/login"):
        result = safe_next(target)
    assert result in {"/", target}
    assert result.startswith("/") and not result.startswith("//") and "\\" not in result
    assert not any(unicodedata.category(char).startswith("C") for char in result)
    assert not urlsplit(result).netloc


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


# --- Login throttling (registry/auth/sessions.py, login_wait) ---------------------------------------


def client_at(app, address):
    """A browser at ``address`` (the TCP peer, as without a proxy)."""
    app.test_client_class = IsolatedClient
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return AuthActions(browser)


def fail(auth, email, times):
    for n in range(times):
        assert auth.login(email, f"wrong password {n}").status_code == 200


def failed_logins(email, addresses, ago):
    """Failed logins of ``email`` already recorded, one from each of ``addresses``, ``ago`` before now."""
    at = utcnow() - ago
    db.session.add_all(LoginAttempt(email=email, address=address, at=at) for address in addresses)
    db.session.commit()


def test_repeated_failures_for_one_account_hold_back_even_the_right_password_from_that_address(
    app, auth, department_officer
):
    fail(auth, department_officer.email, app.config["LOGIN_FREE_FAILURES"])
    response = auth.login(department_officer.email)
    assert response.status_code == 429
    # The generic message, which says nothing of the account.
    assert "Đăng nhập sai quá nhiều lần. Hãy đợi vài phút rồi thử lại." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == app.config["LOGIN_BACKOFF_SECONDS"]


def test_the_wait_doubles_with_each_failure_and_the_right_password_works_once_it_is_over(
    app, auth, department_officer
):
    base = app.config["LOGIN_BACKOFF_SECONDS"]
    with time_machine.travel(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), tick=False) as clock:
        fail(auth, department_officer.email, app.config["LOGIN_FREE_FAILURES"])
        for wait in (base, 2 * base, 4 * base):
            refused = auth.login(department_officer.email, "another guess")
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == wait
            clock.shift(wait)
            assert auth.login(department_officer.email, "another guess").status_code == 200
        # The wait stops growing at LOGIN_BACKOFF_MAX_MINUTES.
        for _ in range(10):
            clock.shift(app.config["LOGIN_BACKOFF_MAX_MINUTES"] * 60)
            assert auth.login(department_officer.email, "another guess").status_code == 200
        assert int(auth.login(department_officer.email).headers["Retry-After"]) == (
            app.config["LOGIN_BACKOFF_MAX_MINUTES"] * 60
        )
        clock.shift(app.config["LOGIN_BACKOFF_MAX_MINUTES"] * 60)
        assert auth.login(department_officer.email).status_code == 302


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(app, department_officer):
    """Failures from other addresses slow those addresses down, never the address the user logs in from."""
    home = client_at(app, "203.0.113.10")
    assert home.login(department_officer.email).status_code == 302
    home.logout()

    attacker = client_at(app, "198.51.100.66")
    fail(attacker, department_officer.email, app.config["LOGIN_FREE_FAILURES"])
    assert attacker.login(department_officer.email, "another guess").status_code == 429
    # A botnet: far more failures than any limit, from many addresses, the hard cap included.
    failed_logins(
        department_officer.email,
        [f"192.0.2.{n % 250}" for n in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 50)],
        timedelta(minutes=5),
    )
    assert client_at(app, "198.51.100.67").login(department_officer.email).status_code == 429

    assert home.login(department_officer.email).status_code == 302


def test_a_botnet_is_slowed_down_on_the_account_it_attacks(app, department_officer):
    """Each address stays under its own limits, yet the account's failures from strangers add up."""
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    failed_logins(department_officer.email, [f"192.0.2.{n}" for n in range(free - 1)], timedelta(minutes=1))
    fail(client_at(app, "198.51.100.1"), department_officer.email, 1)
    refused = client_at(app, "198.51.100.2").login(department_officer.email)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == app.config["LOGIN_BACKOFF_SECONDS"]


def test_the_hard_cap_stops_guessing_for_a_month_but_not_the_real_user(app, department_officer):
    home = client_at(app, "203.0.113.10")
    assert home.login(department_officer.email).status_code == 302
    home.logout()
    cap = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    # Spread over the month, each long out of the back-off window: only the cap counts them.
    days = app.config["LOGIN_ACCOUNT_WINDOW_DAYS"]
    for n in range(cap):
        failed_logins(
            department_officer.email, [f"192.0.2.{n % 250}"], timedelta(days=2 + n * (days - 3) / cap)
        )

    refused = client_at(app, "198.51.100.2").login(department_officer.email)
    assert refused.status_code == 429
    # Until the oldest of them is LOGIN_ACCOUNT_WINDOW_DAYS old.
    oldest = timedelta(days=2 + (cap - 1) * (days - 3) / cap)
    expected = (timedelta(days=days) - oldest).total_seconds()
    assert abs(int(refused.headers["Retry-After"]) - expected) < 60
    assert home.login(department_officer.email).status_code == 302


def test_one_address_guessing_many_accounts_is_held_back_on_the_accounts_that_do_not_know_it(
    app, department_officer, enterprise_manager
):
    office = client_at(app, "203.0.113.10")
    assert office.login(enterprise_manager.email).status_code == 302
    office.logout()
    for n in range(app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]):
        office.login(f"guess{n}@example.vn", "wrong password here")
    assert office.login(department_officer.email).status_code == 429
    # A colleague who logs in from this address (behind the same office router) is not held back.
    assert office.login(enterprise_manager.email).status_code == 302


def test_the_same_answer_whether_the_account_exists_or_not(app, auth, department_officer):
    with time_machine.travel(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), tick=False):
        fail(auth, department_officer.email, app.config["LOGIN_FREE_FAILURES"])
        fail(auth, "nobody@example.vn", app.config["LOGIN_FREE_FAILURES"])
        existing, unknown = auth.login(department_officer.email), auth.login("nobody@example.vn")
    assert existing.status_code == unknown.status_code == 429
    assert existing.headers["Retry-After"] == unknown.headers["Retry-After"]


def test_throttling_is_counted_in_the_database_so_every_worker_sees_it(app, department_officer):
    """Two separate clients (think: two gunicorn workers) share the count."""
    app.test_client_class = IsolatedClient
    for n in range(app.config["LOGIN_FREE_FAILURES"]):
        AuthActions(app.test_client()).login(department_officer.email, f"wrong password {n}")
    assert AuthActions(app.test_client()).login(department_officer.email).status_code == 429


@pytest.fixture
def proxied_app(database_url):
    """The application behind one trusted reverse proxy (TRUSTED_PROXY_COUNT=1)."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXY_COUNT": 1})
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.engine.dispose()


def forwarded_for(application, address):
    browser = application.test_client()
    browser.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return AuthActions(browser)


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(proxied_app, department_officer):
    real_user = forwarded_for(proxied_app, "203.0.113.10")
    assert real_user.login(department_officer.email).status_code == 302
    real_user.logout()
    attacker = forwarded_for(proxied_app, "198.51.100.66")
    fail(attacker, department_officer.email, proxied_app.config["LOGIN_FREE_FAILURES"])
    assert attacker.login(department_officer.email).status_code == 429
    assert real_user.login(department_officer.email).status_code == 302
    addresses = db.session.scalars(select(LoginAttempt.address).distinct()).all()
    assert addresses == ["198.51.100.66"]


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, department_officer):
    app.test_client_class = IsolatedClient
    attacker = forwarded_for(app, "198.51.100.66")
    fail(attacker, department_officer.email, app.config["LOGIN_FREE_FAILURES"])
    # Claiming another address does not escape the back-off: both are the proxy's (here, the TCP peer's).
    assert forwarded_for(app, "203.0.113.10").login(department_officer.email).status_code == 429


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
