"""The home page: a panel per role, with the user's own counts by status."""

from __future__ import annotations

from registry.auth.models import Role
from registry.extensions import db
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role


def test_an_enterprise_manager_sees_its_own_instruments_by_status(client, auth):
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    InstrumentFactory.create_batch(3, owner=manager.organisation)
    InstrumentFactory(owner=manager.organisation, overdue=True)
    InstrumentFactory.create_batch(5, owner=OrganisationFactory())  # someone else's
    db.session.commit()
    auth.login(manager.email)
    html = client.get("/").get_data(as_text=True)
    panel = html[html.index('data-testid="enterprise-counts"') :]
    panel = panel[: panel.index("</ul>")]
    assert "<strong>3</strong>" in panel and "<strong>1</strong>" in panel
    assert "/instruments/?status=overdue" in panel
    assert "<strong>5</strong>" not in panel


def test_a_new_organisation_sees_an_empty_state(client, auth):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    db.session.commit()
    auth.login(viewer.email)
    html = client.get("/").get_data(as_text=True)
    assert "Chưa đăng ký phương tiện đo nào." in html
