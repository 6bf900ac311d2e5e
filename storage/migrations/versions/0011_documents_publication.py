"""documents and publication: units' letterhead and signer, questions' summary and published time,
and a partial index of the few questions citizens rated or re-opened, for the reports' feedback columns

Revision ID: 0011_documents_publication
Revises: 0010_office_notices
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_documents_publication'
down_revision = '0010_office_notices'
branch_labels = None
depends_on = None

FEEDBACK = 'satisfied IS NOT NULL OR reopen_count > 0'
UNIT_COLUMNS = [
    ('doc_parent_body', sa.String(200)), ('doc_issuing_body', sa.String(200)), ('doc_symbol', sa.String(40)),
    ('doc_place', sa.String(100)), ('doc_signer_authority', sa.String(200)), ('doc_signer_title', sa.String(200)),
    ('doc_signer_name', sa.String(200)), ('doc_recipients', sa.Text()),
]


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name, type_ in UNIT_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=''))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_questions_published_at', ['published_at'], unique=False)
    # Only the questions with feedback (few): the reports count them per meeting, field, agency and month.
    op.create_index('ix_questions_feedback', 'questions', ['meeting_id', 'agency_id'], unique=False,
                    sqlite_where=sa.text(FEEDBACK), postgresql_where=sa.text(FEEDBACK))


def downgrade() -> None:
    op.drop_index('ix_questions_feedback', table_name='questions')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_published_at')
        batch_op.drop_column('published_at')
        batch_op.drop_column('summary')
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name, _ in reversed(UNIT_COLUMNS):
            batch_op.drop_column(name)
