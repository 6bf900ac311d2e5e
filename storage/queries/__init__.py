"""Reads for the console, the bots, the CLI and reports, one module per subject.

Every organiser-facing read takes a `Reach`. Callers use `from storage import queries` and
`queries.<name>`; the modules say where each read lives. The citizen's own chat (`chat`) and the
ratings of answers (`satisfaction`) are imported as modules: `from storage.queries import chat`.
"""

from __future__ import annotations

from storage.queries.accounts import latest_job, list_api_keys, list_users
from storage.queries.citizens import citizen_questions, conversations_in_state, count_questions_since, web_messages
from storage.queries.classifier import classifier_accuracy, confirmed_examples
from storage.queries.meetings import agenda_of, conclusion_items, list_meetings, list_open_meetings, meetings_page
from storage.queries.publication import PublishedItem, published_answers
from storage.queries.questions import (
    asker_count,
    attachments_of,
    duplicates_of,
    events_of,
    field_column,
    get_question_by_ticket,
    list_questions,
    open311_requests,
    overdue,
    proposed_duplicates,
    status_counts,
)
from storage.queries.replies import deliveries_of, latest_replies, list_templates, replies_of
from storage.queries.triage import QUEUE_SORTS, QueueFilter, QueuePage, asker_counts, queue, queue_page, queue_statement
from storage.queries.units import list_agencies, list_units

__all__ = [
    "QUEUE_SORTS",
    "PublishedItem",
    "QueueFilter",
    "QueuePage",
    "agenda_of",
    "asker_count",
    "asker_counts",
    "attachments_of",
    "citizen_questions",
    "classifier_accuracy",
    "conclusion_items",
    "confirmed_examples",
    "conversations_in_state",
    "count_questions_since",
    "deliveries_of",
    "duplicates_of",
    "events_of",
    "field_column",
    "get_question_by_ticket",
    "latest_job",
    "latest_replies",
    "list_agencies",
    "list_api_keys",
    "list_meetings",
    "list_open_meetings",
    "list_questions",
    "list_templates",
    "list_units",
    "list_users",
    "meetings_page",
    "open311_requests",
    "overdue",
    "proposed_duplicates",
    "published_answers",
    "queue",
    "queue_page",
    "queue_statement",
    "replies_of",
    "status_counts",
    "web_messages",
]
