"""Repairs and broken seals: the day an item last lost its validity that way.

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


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repaired_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('repaired_on')
