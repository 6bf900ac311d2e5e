"""zalo: the Official Account's rotating access and refresh tokens

Revision ID: 0006_zalo_oa_tokens
Revises: 0005_drop_question_claims
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_zalo_oa_tokens'
down_revision = '0005_drop_question_claims'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'zalo_oa_tokens',
        sa.Column('app_id', sa.String(length=64), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seed_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('app_id'),
    )


def downgrade() -> None:
    op.drop_table('zalo_oa_tokens')
