"""Suspects (reverse traceability): an event's "as found out of tolerance", recorded and frozen with the
other recorded columns (events_no_edit is created again with it); why events are suspect (suspicions)
and the labs' impact assessments that close them, both append-only; the events that used a standard,
indexed.

Revision ID: 0011_suspects
Revises: 0010_legal_rules
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import schema_triggers


# revision identifiers, used by Alembic.
revision = '0011_suspects'
down_revision = '0010_legal_rules'
branch_labels = None
depends_on = None

# What an event records, as 0004_repairs listed it, and now also whether it was out of tolerance as found.
RECORDED_0004 = (
    "item_id", "provider_id", "kind", "performed_on", "result", "certificate_number", "record_number",
    "stamp_number", "revision", "original_id", "valid_until", "verifier_id", "technician",
    "measurement_points", "outside_accredited_scope", "override_reason", "created_at",
)
RECORDED = (*RECORDED_0004, "as_found_out_of_tolerance")
MESSAGE = "events are immutable: amend or void instead"
APPEND_ONLY = "suspicions and impact assessments are append-only"


def _no_edit(recorded, postgresql):
    if postgresql:
        return (
            f"CREATE TRIGGER events_no_edit BEFORE UPDATE OF {', '.join(recorded)} ON events "
            f"FOR EACH ROW WHEN ({' OR '.join(f'OLD.{c}::text IS DISTINCT FROM NEW.{c}::text' for c in recorded)}) "
            "EXECUTE FUNCTION events_immutable()"
        )
    return f"""CREATE TRIGGER events_no_edit BEFORE UPDATE OF {", ".join(recorded)} ON events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""


SQLITE_APPEND_ONLY = [
    statement
    for table in ("suspicions", "impact_assessments")
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
        # INSERT OR REPLACE would delete the row it conflicts with, firing no DELETE trigger.
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    )
]
POSTGRESQL_APPEND_ONLY = [
    f"""CREATE FUNCTION suspects_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""",
    *(
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION suspects_append_only()"
        for table in ("suspicions", "impact_assessments")
    ),
]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table('impact_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('assessed_by', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('closes_through', sa.Integer(), nullable=False),
    sa.Column('assessed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_impact_assessments_event_id_events')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_impact_assessments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_impact_assessments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_assessments'))
    )
    with op.batch_alter_table('impact_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impact_assessments_event_id'), ['event_id'], unique=False)

    op.create_table('suspicions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('cause_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=True),
    sa.Column('window_to', sa.Date(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cause_id'], ['events.id'], name=op.f('fk_suspicions_cause_id_events')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_suspicions_event_id_events')),
    sa.ForeignKeyConstraint(['standard_id'], ['items.id'], name=op.f('fk_suspicions_standard_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspicions')),
    sa.UniqueConstraint('event_id', 'cause_id', 'standard_id', name=op.f('uq_suspicions_event_id_cause_id_standard_id'))
    )
    with op.batch_alter_table('suspicions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspicions_cause_id'), ['cause_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspicions_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspicions_standard_id'), ['standard_id'], unique=False)

    # Plain CREATE INDEX and ADD COLUMN: neither re-creates the guarded tables on SQLite.
    op.create_index('ix_event_standards_item_id', 'event_standards', ['item_id'], unique=False)
    op.execute("DROP TRIGGER events_no_edit ON events" if postgresql else "DROP TRIGGER events_no_edit")
    op.add_column(
        'events',
        sa.Column('as_found_out_of_tolerance', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(_no_edit(RECORDED, postgresql))
    for statement in POSTGRESQL_APPEND_ONLY if postgresql else SQLITE_APPEND_ONLY:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP TRIGGER events_no_edit ON events" if postgresql else "DROP TRIGGER events_no_edit")
    with schema_triggers.batch_alter_table('events') as batch_op:
        batch_op.drop_column('as_found_out_of_tolerance')
    op.execute(_no_edit(RECORDED_0004, postgresql))
    op.drop_index('ix_event_standards_item_id', table_name='event_standards')
    op.drop_table('suspicions')  # their triggers go with them
    op.drop_table('impact_assessments')
    if postgresql:
        op.execute("DROP FUNCTION suspects_append_only()")
