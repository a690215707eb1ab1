"""The API's rate limit: requests counted per subject (a token, or a client address) and per one-minute
window, in the database so that the limit holds across gunicorn workers.

Revision ID: 0006_rate_limits
Revises: 0005_immutability
Create Date: 2026-12-01 15:48:03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_rate_limits'
down_revision = '0005_immutability'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_counters',
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'window_start', name=op.f('pk_rate_limit_counters'))
    )


def downgrade():
    op.drop_table('rate_limit_counters')
