"""Notifications: the ledger (unique per recipient organisation, subject, valid_until and stage), each
organisation's reminder stages and recipients, and the e-mail outbox.

Revision ID: 0016_notifications
Revises: 0015_plan
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_notifications'
down_revision = '0015_plan'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notifications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('organisation_id', 'subject_type', 'subject_id', 'valid_until', 'stage', name='uq_notifications_once'),
    )
    op.create_index('ix_notifications_org_read', 'notifications', ['organisation_id', 'read_at'], unique=False)
    op.create_index(op.f('ix_notifications_batch'), 'notifications', ['batch'], unique=False)
    op.create_table('notification_settings',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('stages', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notification_settings_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_notification_settings')),
    )
    op.create_table('reminder_stages',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['notification_settings.organisation_id'], name=op.f('fk_reminder_stages_organisation_id_notification_settings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'days_before', name=op.f('pk_reminder_stages')),
    )
    op.create_table('notification_recipients',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('receives', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_recipients')),
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('notification_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id')),
    )
    op.create_index('ix_outbox_unsent', 'outbox', ['sent_at', 'id'], unique=False)
    op.create_index(op.f('ix_outbox_user_id'), 'outbox', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_outbox_user_id'), table_name='outbox')
    op.drop_index('ix_outbox_unsent', table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('notification_recipients')
    op.drop_table('reminder_stages')
    op.drop_table('notification_settings')
    op.drop_index(op.f('ix_notifications_batch'), table_name='notifications')
    op.drop_index('ix_notifications_org_read', table_name='notifications')
    op.drop_table('notifications')
