"""Migration 0014 gives a verification token to every event recorded before it that carries a
certificate or stamp number (and to no other), on both databases."""

from __future__ import annotations

from typing import Any

import flask_migrate
import sqlalchemy as sa

from registry import create_app
from registry.auth.models import Role
from registry.extensions import db
from tests.factories import InstrumentFactory, lab_with_credentials, record_verification, user_with_role


def test_events_recorded_before_the_migration_get_a_token_each(
    separate_database: Any, committing_sessions: None
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": separate_database("tokens")})
    with app.app_context():
        flask_migrate.upgrade()
        technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab_with_credentials(code="TTKT-MIG"))
        for _ in range(5):
            record_verification(technician, InstrumentFactory())
        record_verification(
            technician,
            InstrumentFactory(),
            result="fail",
            certificate_number=None,
            stamp_number=None,
            record_number="BB-MIG-1",
        )
        db.session.commit()
        db.session.remove()
        # Back to before this revision (the column goes), and up again: the rows are as old ones were.
        flask_migrate.downgrade(revision="0011_suspects")
        flask_migrate.upgrade()
        rows = db.session.execute(
            sa.text("SELECT certificate_number, verification_token FROM events ORDER BY id")
        ).all()
        db.session.remove()
        db.engine.dispose()
    with_number = [token for number, token in rows if number]
    assert len(with_number) == 5 and len(set(with_number)) == 5
    assert all(token and len(token) == 22 for token in with_number)
    assert [token for number, token in rows if not number] == [None]
