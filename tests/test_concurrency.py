"""Two saves of the same row at the same moment: the database-level version check catches the loser."""

from __future__ import annotations

import sqlalchemy as sa

from registry.auth.models import Role
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from


def test_a_save_racing_another_answers_409_and_keeps_the_winner(app, client, auth, monkeypatch):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    organisation = OrganisationFactory(code="RACE", name="Ban đầu")
    db.session.commit()
    auth.login(officer.email)
    token = csrf_token_from(client.get("/organisations/RACE/edit").get_data(as_text=True))

    from registry.organisations import services

    real_update = services.update_organisation

    def update_after_a_concurrent_save(actor, row, changes, **kwargs):
        # The other request commits between our version check and our flush.
        db.session.execute(
            sa.update(Organisation).where(Organisation.id == row.id).values(name="Người khác", version=2),
            execution_options={"synchronize_session": False},
        )
        return real_update(actor, row, changes, **kwargs)

    monkeypatch.setattr(
        "registry.organisations.views.services.update_organisation", update_after_a_concurrent_save
    )
    response = client.post(
        "/organisations/RACE/edit",
        data={"csrf_token": token, "name": "Tôi", "kinds": ["enterprise"], "reason": "Sửa", "version": "1"},
    )
    assert response.status_code == 409
    db.session.expire_all()
    # The request rolled back everything, the simulated concurrent save included: nothing half-written.
    assert db.session.get(Organisation, organisation.id).name == "Ban đầu"
