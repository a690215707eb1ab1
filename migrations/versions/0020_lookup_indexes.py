"""The Department's registry-wide search looks a serial number, a certificate number and a stamp number up
across every owner and lab: one index each (the existing ones lead with the owner or the provider); a lab's
home shows its latest events (by provider and day).

Revision ID: 0020_lookup_indexes
Revises: 0019_user_tokens
Create Date: 2026-12-02 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_lookup_indexes'
down_revision = '0019_user_tokens'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX, never a batch (table copy): the events table keeps its triggers.
    op.create_index('ix_items_serial_key', 'items', ['serial_key'], unique=False)
    op.create_index('ix_events_certificate_number', 'events', ['certificate_number'], unique=False)
    op.create_index('ix_events_stamp_number', 'events', ['stamp_number'], unique=False)
    op.create_index('ix_events_provider_performed', 'events', ['provider_id', 'performed_on'], unique=False)


def downgrade():
    op.drop_index('ix_events_provider_performed', table_name='events')
    op.drop_index('ix_events_stamp_number', table_name='events')
    op.drop_index('ix_events_certificate_number', table_name='events')
    op.drop_index('ix_items_serial_key', table_name='items')
