"""An organisation's page: its instruments by status (each count opens the list filtered to them), a lab's
standards, its contacts, its recent events, and its users for its managers and the Department only."""

from __future__ import annotations

import pytest

from registry.auth.models import Role
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    StandardFactory,
    UserFactory,
    record_verification,
    user_with_role,
)
from tests.helpers import logged_in


@pytest.fixture
def company(lab_technician):
    manager = user_with_role(Role.ENTERPRISE_MANAGER, name="Hoàng Quản Lý", email="quanly@congty.vn")
    owner = manager.organisation
    InstrumentFactory.create_batch(2, owner=owner, overdue=True)
    InstrumentFactory(owner=owner, valid=True)
    UserFactory(organisation=owner, email="cu@congty.vn", active=False, with_roles=[Role.ENTERPRISE_VIEWER])
    viewer = user_with_role(Role.ENTERPRISE_VIEWER, owner, email="xem@congty.vn")
    record_verification(lab_technician, InstrumentFactory(owner=owner), certificate_number="GCN-ORG-1")
    db.session.commit()
    return manager, viewer


def test_the_page_shows_instruments_by_status_linking_to_the_list(client, auth, company):
    manager, _viewer = company
    code = manager.organisation.code
    html = logged_in(client, auth, manager).get(f"/organisations/{code}").get_data(as_text=True)
    panel = html[html.index('data-testid="organisation-instruments"') : html.index('data-testid="contacts"')]
    assert "4 instruments in all" in panel
    assert f"/instruments/?owner={code}&amp;status=overdue" in panel and "<strong>2</strong>" in panel
    assert "GCN-ORG-1" in html[html.index('data-testid="organisation-events"') :]


def test_managers_see_the_users_and_viewers_only_the_contacts(client, auth, company):
    manager, viewer = company
    code = manager.organisation.code
    as_manager = logged_in(client, auth, manager).get(f"/organisations/{code}").get_data(as_text=True)
    members = as_manager[as_manager.index('data-testid="members"') :]
    assert "xem@congty.vn" in members and "cu@congty.vn" in members
    assert "Enterprise viewer" in members and "Disabled" in members

    auth.logout()
    as_viewer = logged_in(client, auth, viewer).get(f"/organisations/{code}").get_data(as_text=True)
    assert 'data-testid="members"' not in as_viewer
    contacts = as_viewer[as_viewer.index('data-testid="contacts"') :]
    assert "quanly@congty.vn" in contacts and "Hoàng Quản Lý" in contacts
    assert "cu@congty.vn" not in as_viewer


def test_the_department_sees_any_organisations_users(client, auth, company, department_officer):
    manager, _viewer = company
    html = logged_in(client, auth, department_officer).get(f"/organisations/{manager.organisation.code}")
    assert "xem@congty.vn" in html.get_data(as_text=True).split('data-testid="members"')[1]


def test_another_organisations_page_is_not_found(client, auth, company):
    other = user_with_role(Role.ENTERPRISE_MANAGER)
    db.session.commit()
    manager, _viewer = company
    response = logged_in(client, auth, other).get(f"/organisations/{manager.organisation.code}")
    assert response.status_code == 404


def test_a_labs_page_shows_its_standards_by_status(client, auth, lab, lab_technician):
    StandardFactory(owner=lab, due_soon=True)
    db.session.commit()
    html = logged_in(client, auth, lab_technician).get(f"/organisations/{lab.code}").get_data(as_text=True)
    standards = html[html.index('data-testid="organisation-standards"') :]
    assert f"/standards/?owner={lab.code}&amp;status=due_soon" in standards
    # A technician is not a manager: the lab's users stay hidden.
    assert 'data-testid="members"' not in html
