"""The conversation's states, as named strings; the diagram is flow.mmd beside this file."""

from __future__ import annotations

START = "start"
AWAITING_CONSENT = "awaiting_consent"
CHOOSING_MEETING = "choosing_meeting"
ASKING_NAME = "asking_name"
ASKING_LOCALITY = "asking_locality"
ASKING_PHONE = "asking_phone"
ASKING_QUESTION = "asking_question"
CONFIRMING_FIELD = "confirming_field"
CHOOSING_FIELD = "choosing_field"
DONE = "done"

ALL: tuple[str, ...] = (
    START, AWAITING_CONSENT, CHOOSING_MEETING, ASKING_NAME, ASKING_LOCALITY, ASKING_PHONE,
    ASKING_QUESTION, CONFIRMING_FIELD, CHOOSING_FIELD, DONE,
)
