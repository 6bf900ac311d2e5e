"""console: answer templates and meeting agendas

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('field', sa.String(length=40), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('answer_templates', schema=None) as batch_op:
        batch_op.create_index('ix_answer_templates_field', ['field'], unique=False)
    op.create_table(
        'agenda_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('official', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id']),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'question_id'),
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_meeting_id', ['meeting_id'], unique=False)
    # The console's queue sorts and filters a meeting's primaries by creation time.
    with op.batch_alter_table('questions', schema=None) as batch_op:
        # Covers the queue's filters, sorting and counts, so a page reads the index, not the rows. SQLite also
        # keeps the search text in it; PostgreSQL cannot (index entries are limited to about 2.700 bytes).
        columns = ['meeting_id', 'duplicate_of_id', 'status', 'confirmed_field', 'suggested_field', 'created_at',
                   'needs_review', 'channel', 'unit_id', 'confidence']
        if op.get_bind().dialect.name == 'sqlite':
            columns.append('search_text')
        batch_op.create_index('ix_questions_console', columns, unique=False)
        batch_op.create_index('ix_questions_agency_due', ['agency_id', 'duplicate_of_id', 'status', 'due_date',
                                                          'meeting_id'], unique=False)
        batch_op.create_index('ix_questions_proposed', ['proposed_duplicate_of_id'], unique=False)
        # Questions per month for reports: a range scan of this index per month.
        batch_op.create_index('ix_questions_created_cover', ['created_at', 'meeting_id', 'status'], unique=False)
    # When each question was first resolved, for the agencies' on-time rate.
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index('ix_status_events_outcome', ['to_value', 'kind', 'question_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index('ix_status_events_outcome')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_created_cover')
        batch_op.drop_index('ix_questions_proposed')
        batch_op.drop_index('ix_questions_agency_due')
        batch_op.drop_index('ix_questions_console')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_items_meeting_id')
    op.drop_table('agenda_items')
    with op.batch_alter_table('answer_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_templates_field')
    op.drop_table('answer_templates')
