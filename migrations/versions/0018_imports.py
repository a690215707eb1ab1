"""Imports: the web page's import jobs (the file between its preview and its confirmation, its state,
counts and every row's verdict), and batch entries in the audit trail (the ids a "create_batch" event
covers, so that each row's history finds it).

Revision ID: 0018_imports
Revises: 0017_list_indexes
Create Date: 2026-12-02 00:30:00

"""
from alembic import op
import sqlalchemy as sa

import schema_triggers


# revision identifiers, used by Alembic.
revision = '0018_imports'
down_revision = '0017_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('file_error', sa.Text(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_imports_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_imports_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports')),
    )
    op.create_index(op.f('ix_imports_organisation_id'), 'imports', ['organisation_id'], unique=False)
    # Adding columns and an index keeps the table (and its append-only triggers) on SQLite too.
    op.add_column('audit_events', sa.Column('first_row_id', sa.Integer(), nullable=True))
    op.add_column('audit_events', sa.Column('last_row_id', sa.Integer(), nullable=True))
    op.create_index('ix_audit_events_table_batch', 'audit_events', ['table_name', 'first_row_id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_table_batch', table_name='audit_events')
    with schema_triggers.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('last_row_id')
        batch_op.drop_column('first_row_id')
    op.drop_index(op.f('ix_imports_organisation_id'), table_name='imports')
    op.drop_table('imports')
