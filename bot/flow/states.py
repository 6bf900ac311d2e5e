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
# An answer with a final status arrived: "Hài lòng" / "Chưa hài lòng", then why.
RATING = "rating"
RATING_REASON = "rating_reason"
# Asked by a command in any state; afterwards the conversation goes back to where it was.
CONFIRMING_ERASE = "confirming_erase"
CHOOSING_WITHDRAW = "choosing_withdraw"

ALL: tuple[str, ...] = (
    START, AWAITING_CONSENT, CHOOSING_MEETING, ASKING_NAME, ASKING_LOCALITY, ASKING_PHONE,
    ASKING_QUESTION, CONFIRMING_FIELD, CHOOSING_FIELD, DONE, RATING, RATING_REASON, CONFIRMING_ERASE,
    CHOOSING_WITHDRAW,
)
# States in the middle of sending a question or answering the bot's own question: an answer to rate
# that arrives meanwhile waits until the citizen is done.
BUSY: frozenset[str] = frozenset({
    AWAITING_CONSENT, ASKING_NAME, ASKING_LOCALITY, ASKING_PHONE, CONFIRMING_FIELD, CHOOSING_FIELD, RATING,
    RATING_REASON, CONFIRMING_ERASE, CHOOSING_WITHDRAW,
})
