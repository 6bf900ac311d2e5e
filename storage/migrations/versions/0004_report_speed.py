"""reports: when each question was first resolved, and indexes the province report reads

Merges the citizen-side (0002) and console (0003) heads.

Revision ID: 0004
Revises: 0002, 0003
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = ('0002', '0003')
branch_labels = None
depends_on = None

# The same rule as before: a question is resolved when its first change of status to resolved was recorded.
BACKFILL = """
UPDATE questions SET resolved_at = (
    SELECT min(e.at) FROM status_events e
    WHERE e.question_id = questions.id AND e.to_value = 'resolved' AND e.kind = 'status')
WHERE id IN (SELECT question_id FROM status_events WHERE to_value = 'resolved' AND kind = 'status')
"""


def upgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('questions', schema=None) as batch_op:
        # The agencies' table (assigned, resolved, on time, overdue) reads only this index.
        batch_op.drop_index('ix_questions_agency_due')
        batch_op.create_index('ix_questions_agency_due', ['agency_id', 'duplicate_of_id', 'status', 'due_date',
                                                          'meeting_id', 'resolved_at'], unique=False)
        # Per field of a unit's meetings from a narrow index read alone; SQLite reads ix_questions_console.
        if op.get_bind().dialect.name == 'postgresql':
            batch_op.create_index('ix_questions_meeting_fields', ['meeting_id', 'status', 'confirmed_field',
                                                                  'suggested_field'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        if op.get_bind().dialect.name == 'postgresql':
            batch_op.drop_index('ix_questions_meeting_fields')
        batch_op.drop_index('ix_questions_agency_due')
        batch_op.create_index('ix_questions_agency_due', ['agency_id', 'duplicate_of_id', 'status', 'due_date',
                                                          'meeting_id'], unique=False)
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('resolved_at')
