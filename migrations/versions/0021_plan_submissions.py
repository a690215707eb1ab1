"""Submitted plan reports, frozen: the figures and files as they were, who submitted them and when, and the
rows each indicator counted; never changed nor deleted (triggers on both databases).

Revision ID: 0021_plan_submissions
Revises: 0020_lookup_indexes
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_plan_submissions'
down_revision = '0020_lookup_indexes'
branch_labels = None
depends_on = None

MESSAGE = "submitted reports are frozen: submit a new one instead"
TABLES = ("plan_submissions", "plan_submission_rows")
SQLITE = [
    statement
    for table in TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        # INSERT OR REPLACE would delete the row it conflicts with, firing no DELETE trigger.
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    )
]
POSTGRESQL = [
    f"""CREATE FUNCTION plan_submissions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    *(
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION plan_submissions_frozen()"
        for table in TABLES
    ),
]


def upgrade():
    op.create_table('plan_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('report_json', sa.LargeBinary(), nullable=False),
    sa.Column('report_xlsx', sa.LargeBinary(), nullable=False),
    sa.Column('report_docx', sa.LargeBinary(), nullable=False),
    sa.Column('sha256_json', sa.String(length=64), nullable=False),
    sa.Column('sha256_xlsx', sa.String(length=64), nullable=False),
    sa.Column('sha256_docx', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_submissions_plan_id_plans')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_plan_submissions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_submissions'))
    )
    op.create_index(op.f('ix_plan_submissions_plan_id'), 'plan_submissions', ['plan_id'], unique=False)
    op.create_table('plan_submission_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['plan_indicators.id'], name=op.f('fk_plan_submission_rows_indicator_id_plan_indicators')),
    sa.ForeignKeyConstraint(['submission_id'], ['plan_submissions.id'], name=op.f('fk_plan_submission_rows_submission_id_plan_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_submission_rows'))
    )
    op.create_index('ix_plan_submission_rows_submission_indicator', 'plan_submission_rows', ['submission_id', 'indicator_id'], unique=False)
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
        op.execute("DROP FUNCTION plan_submissions_frozen()")
    else:
        for table in TABLES:
            for suffix in ("no_replace", "no_delete", "no_update"):
                op.execute(f"DROP TRIGGER {table}_{suffix}")
    op.drop_index('ix_plan_submission_rows_submission_indicator', table_name='plan_submission_rows')
    op.drop_table('plan_submission_rows')
    op.drop_index(op.f('ix_plan_submissions_plan_id'), table_name='plan_submissions')
    op.drop_table('plan_submissions')
