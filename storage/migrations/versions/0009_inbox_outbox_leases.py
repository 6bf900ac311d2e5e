"""bot: a durable inbox of channel updates, leased outbox rows, shared send rates

Every update is stored before it is handled (inbound_updates replaces processed_updates); every
reply is an outbox row; rate_slots lets several worker processes share a platform's limits.

Revision ID: 0009_inbox_outbox_leases
Revises: 0008_jobs
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_inbox_outbox_leases'
down_revision = '0008_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('update_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=128), nullable=False),
        sa.Column('chat_id', sa.String(length=128), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'update_id'),
    )
    op.create_index('ix_inbound_pending', 'inbound_updates', ['status', 'id'], unique=False)
    # Updates handled before the inbox existed stay recorded, so a late redelivery still changes nothing.
    op.execute(
        "INSERT INTO inbound_updates (channel, update_id, user_id, chat_id, status, received_at, handled_at) "
        "SELECT channel, update_id, '', '', 'handled', at, at FROM processed_updates"
    )
    op.drop_table('processed_updates')
    op.create_table(
        'rate_slots',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.Column('step', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbound_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('locked_by', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key('fk_outbox_inbound_id', 'inbound_updates', ['inbound_id'], ['id'])
        batch_op.create_index('ix_outbox_inbound_id', ['inbound_id'], unique=False)
        batch_op.create_index('ix_outbox_chat', ['channel', 'chat_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_chat')
        batch_op.drop_index('ix_outbox_inbound_id')
        batch_op.drop_constraint('fk_outbox_inbound_id', type_='foreignkey')
        batch_op.drop_column('locked_by')
        batch_op.drop_column('inbound_id')
    op.drop_table('rate_slots')
    op.create_table(
        'processed_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('update_id', sa.String(length=64), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'update_id'),
    )
    op.execute(
        "INSERT INTO processed_updates (channel, update_id, at) "
        "SELECT channel, update_id, received_at FROM inbound_updates WHERE status != 'pending'"
    )
    op.drop_index('ix_inbound_pending', table_name='inbound_updates')
    op.drop_table('inbound_updates')
