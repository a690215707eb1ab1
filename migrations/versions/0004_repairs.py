"""Repairs and broken seals (the day an item last lost its validity that way), and events made
immutable in the database: no row deleted, no recorded value changed (only the state, its reason, the
suspect flag and the version move).

Revision ID: 0004_repairs
Revises: 0003_events
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_repairs'
down_revision = '0003_events'
branch_labels = None
depends_on = None

# What an event records: never changed once stored (an amendment is a new row).
RECORDED = (
    "item_id", "provider_id", "kind", "performed_on", "result", "certificate_number", "record_number",
    "stamp_number", "revision", "original_id", "valid_until", "verifier_id", "technician",
    "measurement_points", "outside_accredited_scope", "override_reason", "created_at",
)
MESSAGE = "events are immutable: amend or void instead"

SQLITE = [
    f"""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER events_no_edit BEFORE UPDATE OF {", ".join(RECORDED)} ON events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER event_standards_no_delete BEFORE DELETE ON event_standards
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
POSTGRESQL = [
    f"""CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    "CREATE TRIGGER events_no_delete BEFORE DELETE OR TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_immutable()",
    f"CREATE TRIGGER events_no_edit BEFORE UPDATE OF {', '.join(RECORDED)} ON events "
    f"FOR EACH ROW WHEN ({' OR '.join(f'OLD.{c}::text IS DISTINCT FROM NEW.{c}::text' for c in RECORDED)}) "
    "EXECUTE FUNCTION events_immutable()",
    "CREATE TRIGGER event_standards_no_delete BEFORE DELETE OR TRUNCATE ON event_standards "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_immutable()",
]


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repaired_on', sa.Date(), nullable=True))
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_standards_no_delete ON event_standards")
        op.execute("DROP TRIGGER events_no_edit ON events")
        op.execute("DROP TRIGGER events_no_delete ON events")
        op.execute("DROP FUNCTION events_immutable()")
    else:
        op.execute("DROP TRIGGER event_standards_no_delete")
        op.execute("DROP TRIGGER events_no_edit")
        op.execute("DROP TRIGGER events_no_delete")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('repaired_on')
