"""The database's own guards: after `flask db upgrade` every trigger that keeps recorded events and the
audit trail unchanged is there, each refused statement is refused (on SQLite and PostgreSQL), and a
migration that re-creates a table keeps its triggers (migrations/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory

from registry import create_app
from registry.audit.models import AuditEvent
from registry.auth.models import Role
from registry.core.errors import ServiceError
from registry.events.models import Event, EventSignature, SignatureMeaning
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# What `flask db upgrade` must leave, by table. A migration that drops one (a batch_alter_table that
# re-creates the table without migrations/schema_triggers.py) fails here.
SQLITE_TRIGGERS = {
    "audit_events": {"audit_events_no_update", "audit_events_no_delete", "audit_events_no_replace"},
    "events": {
        "events_no_delete",
        "events_no_edit",
        "events_no_edit_computed",
        "events_keep_id",
        "events_keep_token",
        "events_no_replace",
    },
    "event_standards": {"event_standards_no_delete", "event_standards_no_update"},
    "event_signatures": {
        "event_signatures_no_update",
        "event_signatures_no_delete",
        "event_signatures_no_replace",
    },
    "suspicions": {"suspicions_no_update", "suspicions_no_delete", "suspicions_no_replace"},
    "impact_assessments": {
        "impact_assessments_no_update",
        "impact_assessments_no_delete",
        "impact_assessments_no_replace",
    },
    "plan_submissions": {
        "plan_submissions_no_update",
        "plan_submissions_no_delete",
        "plan_submissions_no_replace",
    },
    "plan_submission_rows": {
        "plan_submission_rows_no_update",
        "plan_submission_rows_no_delete",
        "plan_submission_rows_no_replace",
    },
}
POSTGRESQL_TRIGGERS = {
    "audit_events": {"audit_events_no_change", "audit_events_no_truncate"},
    "events": {
        "events_no_delete",
        "events_no_edit",
        "events_no_edit_computed",
        "events_keep_id",
        "events_keep_token",
    },
    "event_standards": {"event_standards_no_delete", "event_standards_no_update"},
    "event_signatures": {"event_signatures_no_change"},
    "suspicions": {"suspicions_no_change"},
    "impact_assessments": {"impact_assessments_no_change"},
    "plan_submissions": {"plan_submissions_no_change"},
    "plan_submission_rows": {"plan_submission_rows_no_change"},
}


def _triggers() -> dict[str, set[str]]:
    if db.session.get_bind().dialect.name == "postgresql":
        query = "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
    found: dict[str, set[str]] = {}
    for table, name in db.session.execute(sa.text(query)):
        found.setdefault(table, set()).add(name)
    return found


def test_the_migrated_database_carries_every_guarding_trigger(is_postgres):
    assert _triggers() == (POSTGRESQL_TRIGGERS if is_postgres else SQLITE_TRIGGERS)
    if is_postgres:
        functions = db.session.scalars(
            sa.text("SELECT proname FROM pg_proc WHERE proname IN (:a, :b, :c, :d, :e)"),
            {
                "a": "events_immutable",
                "b": "audit_events_append_only",
                "c": "event_signatures_permanent",
                "d": "suspects_append_only",
                "e": "plan_submissions_frozen",
            },
        )
        assert set(functions) == {
            "events_immutable",
            "audit_events_append_only",
            "event_signatures_permanent",
            "suspects_append_only",
            "plan_submissions_frozen",
        }


# --- Each statement the database refuses ------------------------------------------------------------

EVENT_COLUMNS = [column.name for column in Event.__table__.columns]
AUDIT_COLUMNS = [column.name for column in AuditEvent.__table__.columns]
SIGNATURE_COLUMNS = [column.name for column in EventSignature.__table__.columns]


def _copy(columns: list[str], table: str, **replaced: str) -> str:
    """``SELECT`` of every row of ``table``, with some columns replaced by SQL expressions."""
    return f"SELECT {', '.join(replaced.get(c, c) for c in columns)} FROM {table} WHERE true"  # noqa: S608


BOTH = [
    # The standards an event used: neither moved to another item nor to another event.
    "UPDATE event_standards SET item_id = (SELECT max(id) FROM items)",
    "UPDATE event_standards SET event_id = (SELECT max(id) FROM events)",
    "UPDATE event_standards SET item_id = item_id",
    # The computed end of a result's validity, kept beside the printed one (migration 0010), is recorded.
    "UPDATE events SET computed_valid_until = NULL",
    # A recorded event keeps its id (the certificate's history and the audit trail refer to it).
    "UPDATE events SET id = id + 1000",
    # Whether it was out of tolerance as found is recorded like the rest (the suspects stem from it).
    "UPDATE events SET as_found_out_of_tolerance = NOT as_found_out_of_tolerance",
    # The decision rule its points were judged by, and why its result differs from them (0015).
    "UPDATE events SET decision_rule = 'guarded_acceptance'",
    "UPDATE events SET result_reason = 'forged'",
    "UPDATE events SET below_cmc = '{\"point\": 1}'",
    # An upsert is an update, and is refused like one.
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) {_copy(EVENT_COLUMNS, 'events')} "
    "ON CONFLICT (id) DO UPDATE SET result = 'fail'",
    f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) {_copy(AUDIT_COLUMNS, 'audit_events')} "
    "ON CONFLICT (id) DO UPDATE SET reason = 'forged'",
    # A signature says who signed, when, and what it means: neither changed nor taken back.
    "UPDATE event_signatures SET signer_name = 'Người khác'",
    "DELETE FROM event_signatures",
    f"INSERT INTO event_signatures ({', '.join(SIGNATURE_COLUMNS)}) "
    f"{_copy(SIGNATURE_COLUMNS, 'event_signatures')} ON CONFLICT (id) DO UPDATE SET meaning = 'reviewed'",
]
SQLITE_ONLY = [
    # SQLite deletes the row a REPLACE conflicts with without firing its DELETE triggers.
    f"INSERT OR REPLACE INTO events ({', '.join(EVENT_COLUMNS)}) "
    + _copy(EVENT_COLUMNS, "events", result="'fail'"),
    # …whether the conflict is on the id or on the certificate (provider, number, revision).
    f"INSERT OR REPLACE INTO events ({', '.join(EVENT_COLUMNS[1:])}) "
    + _copy(EVENT_COLUMNS[1:], "events", result="'fail'"),
    f"INSERT OR REPLACE INTO audit_events ({', '.join(AUDIT_COLUMNS)}) "
    + _copy(AUDIT_COLUMNS, "audit_events", reason="'forged'"),
    f"INSERT OR REPLACE INTO event_signatures ({', '.join(SIGNATURE_COLUMNS[1:])}) "
    + _copy(SIGNATURE_COLUMNS[1:], "event_signatures", signer_name="'Người khác'"),
]


@pytest.mark.parametrize(
    "statement",
    [*BOTH, *(pytest.param(statement, marks=pytest.mark.sqlite_only) for statement in SQLITE_ONLY)],
)
def test_the_database_refuses_to_change_a_recorded_event_its_signatures_or_the_audit_trail(
    lab_technician, lab, statement
):
    standard = StandardFactory(owner=lab, valid=True)
    event = record_verification(lab_technician, InstrumentFactory(), standards_used=[standard])
    record_verification(lab_technician, InstrumentFactory())
    event.signatures.append(
        EventSignature(
            user_id=lab_technician.id,
            meaning=SignatureMeaning.PERFORMED.value,
            signer_name=lab_technician.name,
            signer_email=lab_technician.email,
        )
    )
    db.session.flush()
    guarded = ("events", "event_standards", "audit_events", "event_signatures")
    before = _rows(*guarded)

    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match=r"immutable|append-only|permanent"):
        db.session.execute(sa.text(statement))
    savepoint.rollback()

    assert _rows(*guarded) == before
    db.session.expire_all()
    assert (event.result, event.standards_used) == ("pass", [standard])


def _rows(*tables: str) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2"))]  # noqa: S608
        for table in tables
    }


def test_what_an_event_may_still_change_changes(lab_technician):
    """The state, its reason, the suspect flag and the version move (setting id to itself is no change)."""
    event = record_verification(lab_technician, InstrumentFactory())
    db.session.flush()
    db.session.execute(
        sa.text(
            "UPDATE events SET state = 'void', state_reason = 'x', suspect = true, version = version + 1, "
            "id = id WHERE id = :id"
        ),
        {"id": event.id},
    )
    db.session.expire_all()
    assert (event.state, event.suspect) == ("void", True)


def test_two_clerks_racing_for_one_certificate_still_get_a_field_error(lab_technician, monkeypatch, english):
    """On SQLite the new row is refused by events_no_replace before the unique index: the same error
    class, so the service still answers a field error, not a 500."""
    from registry.events import recording

    first = record_verification(lab_technician, InstrumentFactory())
    # The other clerk checked the number before the first one's event was stored.
    monkeypatch.setattr(recording, "_check_certificate_unused", lambda *args: None)
    monkeypatch.setattr(recording, "_next_revision", lambda *args: 0)
    with pytest.raises(ServiceError) as caught:
        record_verification(lab_technician, InstrumentFactory(), certificate_number=first.certificate_number)
    assert "just used" in str(caught.value.fields["certificate_number"])


# --- A migration that re-creates a table keeps its triggers -------------------------------------------


@pytest.mark.parametrize("table", ["audit_events", "event_standards"])
def test_a_batch_that_recreates_a_table_drops_its_triggers(table):
    """Why migrations/schema_triggers.py exists: a plain batch_alter_table that re-creates the table
    loses them (and the inventory above fails)."""
    connection = db.session.connection()
    with Operations.context(MigrationContext.configure(connection)):
        from alembic import op

        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    assert table not in _triggers()


REVISION = """\"\"\"A later revision that re-creates guarded tables (written by tests/test_immutability.py).

Revision ID: 9999_recreate
Revises: {head}
\"\"\"
import sqlalchemy as sa

import schema_triggers

revision = "9999_recreate"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    for table in {tables!r}:
        with schema_triggers.batch_alter_table(table, recreate={recreate!r}) as batch_op:
            batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade():
    pass
"""


@pytest.mark.usefixtures("committing_sessions")
def test_a_revision_that_recreates_a_guarded_table_with_the_helper_keeps_its_triggers_and_rows(
    tmp_path, separate_database, is_postgres
):
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    # SQLite re-creates the tables (as it would to alter a column); PostgreSQL alters them in place (a
    # re-created table there would also start its ids again from 1).
    tables = ["audit_events", "event_standards", "events"]
    recreate = "auto" if is_postgres else "always"
    migrations = shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    (migrations / "versions" / "9999_recreate.py").write_text(
        REVISION.format(head=head, tables=tables, recreate=recreate)
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": separate_database("recreate")})
    with app.app_context():
        flask_migrate.upgrade(directory=str(migrations), revision=head)
        lab = lab_with_credentials()
        standard = StandardFactory(owner=lab, valid=True)
        record_verification(
            user_with_role(Role.PROVIDER_TECHNICIAN, lab), InstrumentFactory(), standards_used=[standard]
        )
        db.session.commit()
        before = _rows("events", "event_standards", "audit_events")
        expected = _triggers()
        db.session.remove()

        flask_migrate.upgrade(directory=str(migrations))

        assert _triggers() == expected
        assert {
            table: [row[: len(rows[0])] for row in _rows(table)[table]] for table, rows in before.items()
        } == before
        with pytest.raises(sa.exc.DatabaseError, match=r"immutable|append-only"):
            db.session.execute(sa.text("DELETE FROM event_standards"))
        db.session.rollback()
        if not is_postgres:  # env.py turned the foreign keys off while migrating, and back on
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        # The re-created tables take new rows as before (their keys and defaults survived).
        record_verification(
            user_with_role(Role.PROVIDER_TECHNICIAN, lab_with_credentials()),
            InstrumentFactory(),
            standards_used=[],
        )
        db.session.commit()
        assert len(_rows("audit_events")["audit_events"]) > len(before["audit_events"])
        db.session.remove()
        db.engine.dispose()
