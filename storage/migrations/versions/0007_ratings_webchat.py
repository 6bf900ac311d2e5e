"""citizens rate answers, questions re-open, the web chat remembers

Ratings of answers and the counts reports read (questions.satisfied, questions.reopen_count), the
field a citizen picked in the chat kept apart from an organiser's confirmation, choices carried by
outbox messages, the web chat's transcript, and a hashed network address for the flood limit.

Revision ID: 0007_ratings_webchat
Revises: 0006_zalo_oa_tokens
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_ratings_webchat'
down_revision = '0006_zalo_oa_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id', 'reply_id')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_rated_at'), ['rated_at'], unique=False)

    op.create_table('chat_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chat_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_lines_citizen_id'), ['citizen_id'], unique=False)

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_field', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('satisfied', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_citizens_origin'), ['origin'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizens_origin'))
        batch_op.drop_column('origin')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('buttons')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('satisfied')
        batch_op.drop_column('citizen_field')
    with op.batch_alter_table('chat_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_lines_citizen_id'))
    op.drop_table('chat_lines')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_rated_at'))
        batch_op.drop_index(batch_op.f('ix_ratings_question_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_citizen_id'))
    op.drop_table('ratings')
