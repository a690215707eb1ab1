"""The audit trail: who, when, what, old and new values, reason; append-only; replayable."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.audit.services import Author, acting_as, history, reason, versions
from registry.auth.models import Role
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.organisations.services import create_organisation, update_organisation
from tests.factories import UserFactory
from tests.helpers import SYSTEM


def _row_as_dict(organisation: Organisation) -> dict[str, object]:
    """The row as JSON would hold it, read column by column."""
    row = {}
    for column in Organisation.__table__.columns:
        value = getattr(organisation, column.key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        row[column.key] = value
    return row


def test_every_version_of_a_row_can_be_rebuilt_from_the_trail():
    with acting_as(Author(None, "test")):
        organisation = create_organisation(
            SYSTEM, code="ctn-kt", name="Công ty Cấp nước", kinds=["enterprise"]
        )
        seen = [_row_as_dict(organisation)]
        update_organisation(
            SYSTEM,
            organisation,
            {"name": "Công ty CP Cấp thoát nước Kon Tum"},
            reason="Tên đầy đủ theo giấy phép",
        )
        seen.append(_row_as_dict(organisation))
        update_organisation(
            SYSTEM, organisation, {"kinds": ["enterprise", "provider"]}, reason="Cũng là đơn vị hiệu chuẩn"
        )
        seen.append(_row_as_dict(organisation))

    assert versions("organisations", organisation.id) == seen


def test_a_change_records_who_when_what_and_why():
    with acting_as(Author(None, "cli")):
        organisation = create_organisation(SYSTEM, code="X1", name="Tên cũ", kinds=["enterprise"])
        update_organisation(SYSTEM, organisation, {"name": "Tên mới"}, reason="Sửa chính tả")

    created, updated = history("organisations", organisation.id)
    assert created.action == "create" and created.old_values is None
    assert updated.action == "update"
    assert updated.old_values == {"name": "Tên cũ", "search_text": "x1 ten cu", "version": 1}
    assert updated.new_values == {"name": "Tên mới", "search_text": "x1 ten moi", "version": 2}
    assert updated.reason == "Sửa chính tả"
    assert updated.actor_label == "cli"
    assert updated.occurred_at.tzinfo is not None


def test_a_change_without_a_reason_is_refused_and_nothing_is_written():
    organisation = create_organisation(SYSTEM, code="X2", name="Tên", kinds=["enterprise"])
    db.session.commit()
    before = len(history("organisations", organisation.id))
    from registry.core.errors import ServiceError

    with pytest.raises(ServiceError) as caught:
        update_organisation(SYSTEM, organisation, {"name": "Khác"}, reason="   ")
    assert "reason" in caught.value.fields
    db.session.rollback()
    assert len(history("organisations", organisation.id)) == before


def test_web_edits_are_attributed_to_the_logged_in_user(client, auth):
    from registry.auth.models import Role
    from tests.factories import OrganisationFactory, user_with_role
    from tests.helpers import csrf_token_from

    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    target = OrganisationFactory(code="TARGET", name="Trước")
    db.session.commit()
    auth.login(officer.email)
    page = client.get("/organisations/TARGET/edit").get_data(as_text=True)
    response = client.post(
        "/organisations/TARGET/edit",
        data={
            "csrf_token": csrf_token_from(page),
            "name": "Sau",
            "kinds": ["enterprise"],
            "reason": "Đổi tên",
            "version": "1",
        },
    )
    assert response.status_code == 302
    last = history("organisations", target.id)[-1]
    assert (last.actor_id, last.actor_label, last.reason) == (officer.id, officer.email, "Đổi tên")


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET reason = 'forged'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_or_remove_audit_rows(statement):
    create_organisation(SYSTEM, code="X3", name="Tên", kinds=["enterprise"])
    db.session.flush()
    assert db.session.scalar(select(sa.func.count(AuditEvent.id))) > 0
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    savepoint.rollback()
    assert db.session.scalar(select(sa.func.count(AuditEvent.id)).where(AuditEvent.reason == "forged")) == 0


def test_password_hashes_never_reach_the_trail(app):
    from tests.factories import UserFactory

    user = UserFactory()
    created = history("users", user.id)[0]
    assert "password_hash" not in (created.new_values or {})


def test_a_row_taken_out_of_its_parents_list_is_audited_as_deleted(enterprise):
    """A delete-orphan relationship deletes the row in the flush without it ever being in session.deleted:
    the trail still records it, with its reason."""
    user = UserFactory(organisation=enterprise, with_roles=[Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER])
    db.session.flush()
    with acting_as(Author(None, "test")), reason("viewer role withdrawn"):
        removed = user.role_rows.pop()
    deleted = db.session.scalars(
        select(AuditEvent).where(AuditEvent.table_name == "user_roles", AuditEvent.action == "delete")
    ).all()
    assert [(event.row_id, event.reason) for event in deleted] == [(str(removed.id), "viewer role withdrawn")]
    assert deleted[0].old_values is not None and deleted[0].old_values["role"] == removed.role


def test_a_request_s_author_does_not_outlive_the_request(app, department_officer):
    """A request run in this thread (as Flask's own test client runs it, or as a worker runs its next
    request) leaves no author behind to be named for what is written after it."""
    from flask.testing import FlaskClient

    from registry.audit.services import _author
    from registry.auth.services import create_api_token

    token = create_api_token(department_officer, department_officer)
    in_thread = FlaskClient(app, app.response_class, use_cookies=True)
    response = in_thread.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert _author.get() is None
