"""The decision rule of an event's measurement points (simple or guarded acceptance, ILAC-G8:2019), why
a stated result differs from what they give, and a calibration point below the accredited CMC: recorded and
frozen with the other recorded columns (events_no_edit is created again with them).

Revision ID: 0013_decision_rule
Revises: 0012_serial_key
Create Date: 2026-12-01 20:45:00

"""

from alembic import op
import sqlalchemy as sa

import schema_triggers


# revision identifiers, used by Alembic.
revision = "0013_decision_rule"
down_revision = "0012_serial_key"
branch_labels = None
depends_on = None

# What an event records, as 0011_suspects listed it, and now its decision rule, the reason a stated result
# differs from the points, and a point below the accredited CMC.
RECORDED_0011 = (
    "item_id",
    "provider_id",
    "kind",
    "performed_on",
    "result",
    "certificate_number",
    "record_number",
    "stamp_number",
    "revision",
    "original_id",
    "valid_until",
    "verifier_id",
    "technician",
    "measurement_points",
    "outside_accredited_scope",
    "override_reason",
    "created_at",
    "as_found_out_of_tolerance",
)
RECORDED = (*RECORDED_0011, "decision_rule", "result_reason", "below_cmc")
MESSAGE = "events are immutable: amend or void instead"


def _no_edit(recorded, postgresql):
    if postgresql:
        return (
            f"CREATE TRIGGER events_no_edit BEFORE UPDATE OF {', '.join(recorded)} ON events "
            f"FOR EACH ROW WHEN ({' OR '.join(f'OLD.{c}::text IS DISTINCT FROM NEW.{c}::text' for c in recorded)}) "
            "EXECUTE FUNCTION events_immutable()"
        )
    return f"""CREATE TRIGGER events_no_edit BEFORE UPDATE OF {", ".join(recorded)} ON events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""


def _drop_no_edit(postgresql):
    op.execute("DROP TRIGGER events_no_edit ON events" if postgresql else "DROP TRIGGER events_no_edit")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_no_edit(postgresql)
    # Plain ADD COLUMN: it does not re-create the guarded table on SQLite.
    op.add_column("events", sa.Column("decision_rule", sa.String(length=24), nullable=True))
    op.add_column("events", sa.Column("result_reason", sa.Text(), nullable=True))
    op.add_column("events", sa.Column("below_cmc", sa.JSON(), nullable=True))
    op.execute(_no_edit(RECORDED, postgresql))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_no_edit(postgresql)
    with schema_triggers.batch_alter_table("events") as batch_op:
        batch_op.drop_column("below_cmc")
        batch_op.drop_column("result_reason")
        batch_op.drop_column("decision_rule")
    op.execute(_no_edit(RECORDED_0011, postgresql))
