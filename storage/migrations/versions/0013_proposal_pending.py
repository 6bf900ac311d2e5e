"""duplicate proposals looked for in batches after the question is stored

Revision ID: 0013_proposal_pending
Revises: 0012_harden
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_proposal_pending'
down_revision = '0012_harden'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_questions_proposal_pending', ['proposal_pending'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_proposal_pending')
        batch_op.drop_column('proposal_pending')
