"""Users on the web: a manager invites a user by e-mail (a single-use, expiring link), within the roles it may
grant; disabling ends the account's sessions; another organisation's users are not found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.audit import services as audit
from registry.audit.models import AuditEvent
from registry.auth.models import Role, User, UserSession, UserToken
from registry.core.models import utcnow
from registry.extensions import db
from registry.notifications.models import OutboxMessage
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import AuthActions, field_errors, logged_in, post_form

NEW_PASSWORD = "đồng hồ nước chạy đúng giờ"


def users_page(organisation) -> str:
    return f"/organisations/{organisation.code}/users/"


def invite(client, organisation, email, *roles, name="Lê Thị Hoa"):
    return post_form(
        client,
        f"/organisations/{organisation.code}/users/invite",
        {"email": email, "name": name, "role": [role.value for role in roles]},
        page=users_page(organisation),
    )


def link_sent_to(email: str) -> str:
    """The path of the link in the latest e-mail to ``email`` waiting in the outbox."""
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no e-mail to {email} in the outbox"
    match = re.search(r"https?://[^/\s]+(/\S+)", message.text)
    assert match, message.text
    return match.group(1)


@pytest.fixture
def manager_client(client, auth, enterprise_manager):
    return logged_in(client, auth, enterprise_manager)


def test_a_manager_invites_a_user_who_sets_a_password_from_the_e_mail_and_is_logged_in(
    app, manager_client, enterprise, enterprise_manager
):
    response = invite(manager_client, enterprise, "Hoa.Le@Example.vn", Role.ENTERPRISE_VIEWER)
    assert response.status_code == 302
    listing = manager_client.get(users_page(enterprise)).get_data(as_text=True)
    assert "hoa.le@example.vn" in listing and "Invited" in listing and "Enterprise viewer" in listing

    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "hoa.le@example.vn")
    ).one()
    assert message.kind == "invitation" and message.language == "vi"
    assert enterprise.name in message.subject and enterprise_manager.name in message.text
    link = link_sent_to("hoa.le@example.vn")
    assert link.startswith("/invitation/")
    # Only the digest of the token is stored.
    assert not db.session.scalar(select(UserToken.id).where(UserToken.token_digest == link.rsplit("/", 1)[1]))

    invitee = app.test_client()
    assert invitee.get(link).status_code == 200
    answer = post_form(invitee, link, {"password": NEW_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert "hoa.le@example.vn" in invitee.get("/").get_data(as_text=True)

    # The link is spent: opening it again, or posting to it, finds nothing.
    other = app.test_client()
    assert other.get(link).status_code == 404
    assert post_form(other, link, {"password": NEW_PASSWORD}, page="/login").status_code == 404
    assert AuthActions(other).login("hoa.le@example.vn", NEW_PASSWORD).status_code == 302

    invited = db.session.scalar(select(User).where(User.email == "hoa.le@example.vn"))
    assert invited is not None and invited.organisation_id == enterprise.id
    assert {reason for reason in _reasons("users", invited.id)} == {
        "mời qua thư điện tử với vai trò Người xem của doanh nghiệp",
        "nhận lời mời: đặt mật khẩu đầu tiên của tài khoản",
    }


def _reasons(table: str, row_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.reason).where(AuditEvent.table_name == table, AuditEvent.row_id == str(row_id))
        )
    )


def test_an_expired_invitation_opens_nothing_and_a_new_one_replaces_it(app, manager_client, enterprise):
    invite(manager_client, enterprise, "late@example.vn", Role.ENTERPRISE_VIEWER)
    first = link_sent_to("late@example.vn")
    with audit.reason("test: three days later"):
        for token in db.session.scalars(select(UserToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    invitee = app.test_client()
    assert invitee.get(first).status_code == 404
    assert "Invitation expired" in manager_client.get(users_page(enterprise)).get_data(as_text=True)

    user = db.session.scalar(select(User).where(User.email == "late@example.vn"))
    page = f"/organisations/{enterprise.code}/users/{user.id}"
    assert post_form(manager_client, page + "/invite-again", {}, page=page).status_code == 302
    second = link_sent_to("late@example.vn")
    assert second != first and invitee.get(first).status_code == 404
    assert invitee.get(second).status_code == 200
    # A password the rules refuse keeps the link open.
    refused = post_form(invitee, second, {"password": "123456"})
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {"password"}
    assert post_form(invitee, second, {"password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_ADMIN, Role.DEPARTMENT_OFFICER, Role.PROVIDER_MANAGER], ids=lambda r: r.value
)
def test_a_manager_cannot_grant_a_role_beyond_its_own(manager_client, enterprise, enterprise_viewer, role):
    refused = invite(manager_client, enterprise, "boss@example.vn", role)
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True)) == {"role"}
    assert db.session.scalar(select(User.id).where(User.email == "boss@example.vn")) is None
    assert not db.session.scalars(select(OutboxMessage)).all()

    page = f"/organisations/{enterprise.code}/users/{enterprise_viewer.id}"
    changed = post_form(manager_client, page + "/roles", {"role": [role.value]}, page=page)
    assert changed.status_code == 422
    db.session.refresh(enterprise_viewer)
    assert [row.role for row in enterprise_viewer.role_rows] == [Role.ENTERPRISE_VIEWER.value]
    # The form offers only what it may grant.
    form = manager_client.get(page).get_data(as_text=True)
    assert f'value="{role.value}"' not in form and 'value="enterprise_manager"' in form


def test_the_department_admin_grants_any_role_that_fits_the_organisation(client, auth, department_admin, lab):
    admin = logged_in(client, auth, department_admin)
    assert invite(admin, lab, "tech@lab.vn", Role.PROVIDER_TECHNICIAN).status_code == 302
    # A lab is no Department: its people cannot be made the Department's.
    assert invite(admin, lab, "odd@lab.vn", Role.DEPARTMENT_OFFICER).status_code == 422


def test_a_manager_changes_roles_and_the_change_is_audited(manager_client, enterprise, enterprise_viewer):
    page = f"/organisations/{enterprise.code}/users/{enterprise_viewer.id}"
    saved = post_form(manager_client, page + "/roles", {"role": ["enterprise_manager"]}, page=page)
    assert saved.status_code == 302
    db.session.refresh(enterprise_viewer)
    assert [row.role for row in enterprise_viewer.role_rows] == ["enterprise_manager"]
    assert "vai trò đổi thành Quản lý doanh nghiệp" in _reasons(
        "user_roles", enterprise_viewer.role_rows[0].id
    )


def test_another_organisations_users_are_not_found(manager_client, enterprise):
    other = OrganisationFactory()
    stranger = user_with_role(Role.ENTERPRISE_VIEWER, other)
    db.session.commit()
    assert manager_client.get(users_page(other)).status_code == 404
    assert manager_client.get(f"/organisations/{other.code}/users/{stranger.id}").status_code == 404
    # Nor under the manager's own organisation's address.
    own_page = f"/organisations/{enterprise.code}/users/{stranger.id}"
    assert manager_client.get(own_page).status_code == 404
    refused = post_form(manager_client, own_page + "/disable", {}, page=users_page(enterprise))
    assert refused.status_code == 404
    db.session.refresh(stranger)
    assert stranger.active


def test_a_viewer_and_a_technician_see_no_users_page(client, auth, enterprise_viewer, enterprise):
    viewer = logged_in(client, auth, enterprise_viewer)
    assert viewer.get(users_page(enterprise)).status_code == 403
    assert "Users of my organisation" not in viewer.get("/").get_data(as_text=True)


def test_disabling_a_user_ends_its_sessions_and_re_enabling_lets_it_log_in(
    app, manager_client, enterprise, enterprise_viewer
):
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login(enterprise_viewer.email).status_code == 302
    assert elsewhere.get("/").status_code == 200
    page = f"/organisations/{enterprise.code}/users/{enterprise_viewer.id}"

    assert post_form(manager_client, page + "/disable", {}, page=page).status_code == 302
    assert elsewhere.get("/").status_code == 302  # off to the login page
    live = select(UserSession).where(
        UserSession.user_id == enterprise_viewer.id, UserSession.revoked_at.is_(None)
    )
    assert not db.session.scalars(live).all()
    assert AuthActions(elsewhere).login(enterprise_viewer.email).status_code == 200  # refused
    assert "Disabled" in manager_client.get(users_page(enterprise)).get_data(as_text=True)
    assert "tài khoản bị vô hiệu hóa" in _reasons("users", enterprise_viewer.id)

    assert post_form(manager_client, page + "/enable", {}, page=page).status_code == 302
    assert AuthActions(elsewhere).login(enterprise_viewer.email).status_code == 302


def test_a_manager_cannot_disable_itself(manager_client, enterprise, enterprise_manager):
    page = f"/organisations/{enterprise.code}/users/{enterprise_manager.id}"
    assert post_form(manager_client, page + "/disable", {}, page=page).status_code == 403
    db.session.refresh(enterprise_manager)
    assert enterprise_manager.active
    assert manager_client.get("/").status_code == 200


def test_the_department_officer_sees_the_users_but_does_not_manage_them(
    client, auth, department_officer, enterprise, enterprise_viewer
):
    officer = logged_in(client, auth, department_officer)
    page = officer.get(users_page(enterprise)).get_data(as_text=True)
    assert enterprise_viewer.email in page and 'data-testid="invite-form"' not in page
    token_page = users_page(enterprise)
    refused = post_form(
        officer, f"/organisations/{enterprise.code}/users/invite", {"email": "x@y.vn"}, page=token_page
    )
    assert refused.status_code == 403


def test_forms_without_a_csrf_token_are_refused(manager_client, enterprise, enterprise_viewer):
    response = manager_client.post(
        f"/organisations/{enterprise.code}/users/invite",
        data={"email": "a@b.vn", "role": ["enterprise_viewer"]},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User.id).where(User.email == "a@b.vn")) is None
    manager_client.post(f"/organisations/{enterprise.code}/users/{enterprise_viewer.id}/disable")
    db.session.refresh(enterprise_viewer)
    assert enterprise_viewer.active
