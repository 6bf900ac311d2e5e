"""A question and its attachments are stored together, once, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from harness.factories import make_citizen, make_world
from storage.actions import attachments, meetings
from storage.actions.attachments import Upload
from storage.errors import IntakeClosed, InvalidInput
from storage.models import Attachment, Question

PHOTOS = [Upload(kind="photo", file_ref=f"telegram:p{n}", mime_type="image/jpeg", size=10) for n in range(2)]


def _count(session: Session, model: type[Attachment] | type[Question]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_question_and_attachments_stored_together_once(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    args = {"meeting_id": w.meeting_a.id, "text": "Đường ngập, có ảnh", "channel": "web", "citizen_id": c.id,
            "idempotency_key": "web:1:0"}
    first = attachments.submit_with_attachments(session, uploads=PHOTOS, **args)
    again = attachments.submit_with_attachments(session, uploads=PHOTOS, **args)
    assert again.id == first.id and first.ticket
    refs = session.scalars(select(Attachment.file_ref).where(Attachment.question_id == first.id)).all()
    assert sorted(refs) == ["telegram:p0", "telegram:p1"]


def test_a_refusal_stores_neither_and_leaves_the_transaction_usable(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    meetings.set_meeting_state(session, w.meeting_a.id, "held")
    with pytest.raises(IntakeClosed):
        attachments.submit_with_attachments(session, meeting_id=w.meeting_a.id, text="Hỏi", channel="web",
                                            citizen_id=c.id, uploads=PHOTOS)
    bad = [*PHOTOS[:1], Upload(kind="video", file_ref="telegram:v")]
    with pytest.raises(InvalidInput):
        attachments.submit_with_attachments(session, meeting_id=w.meeting_b.id, text="Hỏi", channel="web",
                                            citizen_id=c.id, uploads=bad)
    assert _count(session, Question) == 0 and _count(session, Attachment) == 0
    session.flush()


def test_more_than_the_limit_is_refused(session: Session) -> None:
    w = make_world(session)
    many = [Upload(kind="photo", file_ref=f"telegram:{n}") for n in range(attachments.MAX_PER_QUESTION + 1)]
    with pytest.raises(InvalidInput):
        attachments.submit_with_attachments(session, meeting_id=w.meeting_a.id, text="Hỏi", channel="web",
                                            citizen_id=None, uploads=many)
