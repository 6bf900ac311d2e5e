"""office: e-mail and chat notices to users, working-day deadlines, active units and agencies

Revision ID: 0010_office_notices
Revises: 0009_inbox_outbox_leases
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_office_notices'
down_revision = '0009_inbox_outbox_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('deadline_days', sa.JSON(), nullable=True))
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.String(length=16), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_user_id_users', 'users', ['user_id'], ['id'])
        batch_op.create_index('ix_outbox_user_id', ['user_id'], unique=False)
    op.create_table(
        'officer_chats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_id', sa.String(length=128), nullable=True),
        sa.Column('code', sa.String(length=32), nullable=True),
        sa.Column('code_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'channel'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('officer_chats', schema=None) as batch_op:
        batch_op.create_index('ix_officer_chats_user_id', ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('officer_chats', schema=None) as batch_op:
        batch_op.drop_index('ix_officer_chats_user_id')
    op.drop_table('officer_chats')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_user_id')
        batch_op.drop_constraint('fk_outbox_user_id_users', type_='foreignkey')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('urgency')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('deadline_days')
        batch_op.drop_column('active')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
