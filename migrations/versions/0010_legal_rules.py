"""Legal rules (issue 10): Group 2 membership follows the rule in force on a day, so the type's fixed
``group2`` flag goes; verifier cards get their start (``valid_from``: null on cards entered before it was
asked); an event keeps the computed end of its validity beside the date printed on the certificate
(``computed_valid_until``: null on events recorded before), guarded like the other recorded values by a
trigger of its own (``events_no_edit_computed``; ``events_no_edit`` is left as it is).

Revision ID: 0010_legal_rules
Revises: 0009_two_factor
Create Date: 2026-12-01 19:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_legal_rules"
down_revision = "0009_two_factor"
branch_labels = None
depends_on = None

MESSAGE = "events are immutable: amend or void instead"

SQLITE = [
    f"""CREATE TRIGGER events_no_edit_computed BEFORE UPDATE OF computed_valid_until ON events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
POSTGRESQL = [
    "CREATE TRIGGER events_no_edit_computed BEFORE UPDATE OF computed_valid_until ON events "
    "FOR EACH ROW WHEN (OLD.computed_valid_until IS DISTINCT FROM NEW.computed_valid_until) "
    "EXECUTE FUNCTION events_immutable()",
]


def upgrade():
    with op.batch_alter_table("instrument_types", schema=None) as batch_op:
        batch_op.drop_column("group2")
    with op.batch_alter_table("verifiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
    # Adding a column alters events in place on both databases (no re-created table, no lost trigger).
    op.add_column("events", sa.Column("computed_valid_until", sa.Date(), nullable=True))
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_no_edit_computed ON events")
        op.drop_column("events", "computed_valid_until")
    else:
        op.execute("DROP TRIGGER events_no_edit_computed")
        import schema_triggers

        with schema_triggers.batch_alter_table("events") as batch_op:
            batch_op.drop_column("computed_valid_until")
    with op.batch_alter_table("verifiers", schema=None) as batch_op:
        batch_op.drop_column("valid_from")
    with op.batch_alter_table("instrument_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group2", sa.Boolean(), nullable=False, server_default=sa.true()))
