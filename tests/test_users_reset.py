"""A forgotten password, from the login page: a single-use, expiring link by e-mail, the same answer whether
or not an account uses the address, throttled as logins are; setting the new password ends every session
and leaves two-factor sign-in on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.audit.models import AuditEvent
from registry.auth.models import Role, UserToken
from registry.core.models import utcnow
from registry.extensions import db
from registry.notifications.models import OutboxMessage
from tests.factories import user_with_role
from tests.helpers import AuthActions, enrol_two_factor, logged_in, post_form

NEW_PASSWORD = "cân điện tử đã kiểm định xong"


def ask_for_link(client, email):
    return post_form(client, "/password/forgot", {"email": email})


def mails_to(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)))


def reset_link(email: str) -> str:
    text = mails_to(email)[-1].text
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", text)
    assert match, text
    return match.group(1)


def test_the_login_page_leads_to_the_forgotten_password_form(client):
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login and "Quên mật khẩu?" in login
    assert client.get("/password/forgot").status_code == 200


def test_an_unknown_address_gets_exactly_the_answer_a_known_one_gets(app, department_officer):
    answers = []
    for email in (department_officer.email, "nobody@example.vn"):
        client = app.test_client()
        response = ask_for_link(client, email)
        answers.append(
            (
                response.status_code,
                response.headers.get("Location"),
                client.get("/login").get_data(as_text=True),
            )
        )
    assert answers[0][:2] == answers[1][:2] == (302, "/login")
    # The page after it says the same, word for word (only the CSRF token differs).
    scrub = lambda html: re.sub(r'value="[^"]{40,}"', "", html)  # noqa: E731
    assert scrub(answers[0][2]) == scrub(answers[1][2])
    assert "Nếu có tài khoản dùng địa chỉ này" in answers[0][2]
    assert len(mails_to(department_officer.email)) == 1 and not mails_to("nobody@example.vn")
    assert mails_to(department_officer.email)[0].kind == "reset"


def test_the_link_sets_a_new_password_once_and_ends_every_session(app, client, auth, department_officer):
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login(department_officer.email).status_code == 302
    ask_for_link(app.test_client(), department_officer.email)
    link = reset_link(department_officer.email)

    page = client.get(link)
    assert page.status_code == 200 and department_officer.email in page.get_data(as_text=True)
    answer = post_form(client, link, {"password": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert elsewhere.get("/").status_code == 302  # that session has ended

    assert client.get(link).status_code == 404  # spent
    assert auth.login(department_officer.email).status_code == 200  # the old password is refused
    assert auth.login(department_officer.email, NEW_PASSWORD).status_code == 302
    reasons = db.session.scalars(
        select(AuditEvent.reason).where(
            AuditEvent.table_name == "users", AuditEvent.row_id == str(department_officer.id)
        )
    ).all()
    assert "đặt lại mật khẩu bằng liên kết gửi qua thư điện tử" in reasons


def test_an_expired_link_opens_nothing(app, department_officer):
    ask_for_link(app.test_client(), department_officer.email)
    link = reset_link(department_officer.email)
    with audit.reason("test: an hour later"):
        for token in db.session.scalars(select(UserToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = app.test_client()
    assert client.get(link).status_code == 404
    assert post_form(client, link, {"password": NEW_PASSWORD}, page="/login").status_code == 404


def test_a_newer_link_replaces_the_older_one(app, department_officer):
    ask_for_link(app.test_client(), department_officer.email)
    first = reset_link(department_officer.email)
    ask_for_link(app.test_client(), department_officer.email)
    second = reset_link(department_officer.email)
    client = app.test_client()
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_a_reset_leaves_two_factor_sign_in_on(app, client, auth, enterprise_manager):
    logged_in(client, auth, enterprise_manager, language="")
    enrol_two_factor(client)
    ask_for_link(app.test_client(), enterprise_manager.email)
    stranger = app.test_client()
    assert (
        post_form(stranger, reset_link(enterprise_manager.email), {"password": NEW_PASSWORD}).status_code
        == 302
    )
    login = AuthActions(stranger).login(enterprise_manager.email, NEW_PASSWORD)
    assert login.status_code == 302 and login.headers["Location"] == "/login/code"


def test_requests_are_throttled_alike_for_known_and_unknown_addresses(app, department_officer):
    with time_machine.travel(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), tick=False):
        answers = {}
        for email in (department_officer.email, "nobody@example.vn"):
            client = app.test_client()
            for _ in range(app.config["LOGIN_FREE_FAILURES"]):
                assert ask_for_link(client, email).status_code == 302
            answers[email] = ask_for_link(client, email)
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert "Quá nhiều yêu cầu" in known.get_data(as_text=True)


def test_an_account_gets_a_few_reset_e_mails_an_hour_at_most(app, department_officer):
    cap = app.config["PASSWORD_RESETS_PER_HOUR"]
    for _ in range(cap + 1):
        assert ask_for_link(app.test_client(), department_officer.email).status_code == 302
    assert len(mails_to(department_officer.email)) == cap


def test_disabled_and_invited_accounts_get_no_link(app, enterprise):
    disabled = user_with_role(Role.ENTERPRISE_VIEWER, enterprise, active=False)
    invited = user_with_role(Role.ENTERPRISE_VIEWER, enterprise, password_hash="")
    db.session.commit()
    for user in (disabled, invited):
        assert ask_for_link(app.test_client(), user.email).status_code == 302
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_logged_in_user_opening_a_link_is_sent_home(
    app, client, auth, department_officer, enterprise_viewer
):
    ask_for_link(app.test_client(), enterprise_viewer.email)
    logged_in(client, auth, department_officer)
    response = client.get(reset_link(enterprise_viewer.email))
    assert response.status_code == 302 and response.headers["Location"] == "/"
