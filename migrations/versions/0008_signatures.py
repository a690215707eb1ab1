"""Electronic signatures of events: who signed each revision, when, and what it means; never changed nor
deleted (triggers on both databases).

Revision ID: 0008_signatures
Revises: 0007_idempotency
Create Date: 2026-12-01 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_signatures'
down_revision = '0007_idempotency'
branch_labels = None
depends_on = None

MESSAGE = "signatures are permanent: sign the amended revision instead"
SQLITE = [
    f"""CREATE TRIGGER event_signatures_no_update BEFORE UPDATE ON event_signatures
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER event_signatures_no_delete BEFORE DELETE ON event_signatures
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    # INSERT OR REPLACE would delete the signature it conflicts with, firing no DELETE trigger.
    f"""CREATE TRIGGER event_signatures_no_replace BEFORE INSERT ON event_signatures
        WHEN EXISTS (SELECT 1 FROM event_signatures WHERE id = NEW.id
            OR (event_id = NEW.event_id AND meaning = NEW.meaning))
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
POSTGRESQL = [
    f"""CREATE FUNCTION event_signatures_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    "CREATE TRIGGER event_signatures_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON event_signatures "
    "FOR EACH STATEMENT EXECUTE FUNCTION event_signatures_permanent()",
]


def upgrade():
    op.create_table('event_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('meaning', sa.String(length=12), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_email', sa.String(length=254), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_signatures_event_id_events')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_signatures')),
    sa.UniqueConstraint('event_id', 'meaning', name=op.f('uq_event_signatures_event_id_meaning'))
    )
    with op.batch_alter_table('event_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_signatures_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_signatures_user_id'), ['user_id'], unique=False)
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_signatures_no_change ON event_signatures")
        op.execute("DROP FUNCTION event_signatures_permanent()")
    else:
        op.execute("DROP TRIGGER event_signatures_no_replace")
        op.execute("DROP TRIGGER event_signatures_no_delete")
        op.execute("DROP TRIGGER event_signatures_no_update")
    with op.batch_alter_table('event_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_signatures_user_id'))
        batch_op.drop_index(batch_op.f('ix_event_signatures_event_id'))
    op.drop_table('event_signatures')
