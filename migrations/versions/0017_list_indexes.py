"""The lists' indexes: their order (valid_until NULLS LAST, id) for the Department and for one owner,
the rarer statuses' columns, the events' and organisations' orders, the inbox; on PostgreSQL the
trigram index that serves the search's LIKE '%…%' (with the pg_trgm extension).

Revision ID: 0017_list_indexes
Revises: 0016_notifications
Create Date: 2026-12-02 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_list_indexes'
down_revision = '0016_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_kind_owner')
        batch_op.create_index('ix_items_kind_valid_until_id', ['kind', 'valid_until', 'id'], unique=False)
        batch_op.create_index(
            'ix_items_owner_kind_valid_until_id', ['owner_id', 'kind', 'valid_until', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_items_status_columns', ['kind', 'state', 'last_result', 'needs_reverification'], unique=False
        )
        batch_op.create_index(
            'ix_items_awaiting_reverification',
            ['kind', 'state'],
            unique=False,
            postgresql_where=sa.text('needs_reverification'),
            sqlite_where=sa.text('needs_reverification'),
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_performed_id', ['performed_on', 'id'], unique=False)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index('ix_organisations_name_id', ['name', 'id'], unique=False)
        batch_op.create_index('ix_organisations_created_id', ['created_at', 'id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(
            'ix_notifications_org_created_id', ['organisation_id', 'created_at', 'id'], unique=False
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index(
            'ix_items_search_trgm',
            'items',
            ['search_text'],
            postgresql_using='gin',
            postgresql_ops={'search_text': 'gin_trgm_ops'},
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_items_search_trgm', table_name='items')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_org_created_id')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('ix_organisations_created_id')
        batch_op.drop_index('ix_organisations_name_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_performed_id')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_awaiting_reverification')
        batch_op.drop_index('ix_items_status_columns')
        batch_op.drop_index('ix_items_owner_kind_valid_until_id')
        batch_op.drop_index('ix_items_kind_valid_until_id')
        batch_op.create_index('ix_items_kind_owner', ['kind', 'owner_id'], unique=False)
