"""Immutability without gaps: a recorded event keeps its id, the standards it used are never changed or
moved to another event or item, and on SQLite an INSERT OR REPLACE cannot swap a recorded event or an audit row
for another (SQLite deletes the old row without firing its DELETE triggers).

Revision ID: 0005_immutability
Revises: 0004_repairs
Create Date: 2026-12-01 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005_immutability'
down_revision = '0004_repairs'
branch_labels = None
depends_on = None

# The SQL is written here, once, and never edited: a later change of these triggers is a new revision.
# A batch_alter_table that re-creates one of these tables keeps them with
# migrations/schema_triggers.py (see migrations/README.md).
MESSAGE = "events are immutable: amend or void instead"
AUDIT_MESSAGE = "audit_events is append-only"

SQLITE = [
    f"""CREATE TRIGGER events_keep_id BEFORE UPDATE OF id ON events
        WHEN NEW.id IS NOT OLD.id
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER event_standards_no_update BEFORE UPDATE ON event_standards
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    # A new row that would take a recorded event's id or certificate (provider, number, revision):
    # INSERT OR REPLACE would delete the recorded one; a plain INSERT fails as the unique index would.
    f"""CREATE TRIGGER events_no_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR (provider_id = NEW.provider_id
            AND certificate_number = NEW.certificate_number AND revision = NEW.revision))
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
        WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END""",
]
# PostgreSQL has no REPLACE; INSERT … ON CONFLICT DO UPDATE fires the UPDATE triggers of 0001 and 0004.
POSTGRESQL = [
    "CREATE TRIGGER events_keep_id BEFORE UPDATE OF id ON events "
    "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION events_immutable()",
    "CREATE TRIGGER event_standards_no_update BEFORE UPDATE ON event_standards "
    "FOR EACH ROW EXECUTE FUNCTION events_immutable()",
]


def upgrade():
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_standards_no_update ON event_standards")
        op.execute("DROP TRIGGER events_keep_id ON events")
    else:
        op.execute("DROP TRIGGER audit_events_no_replace")
        op.execute("DROP TRIGGER events_no_replace")
        op.execute("DROP TRIGGER event_standards_no_update")
        op.execute("DROP TRIGGER events_keep_id")
