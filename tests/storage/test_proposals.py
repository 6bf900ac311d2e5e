"""Proposed duplicates are looked for after the question is stored, in batches, never lost."""

from __future__ import annotations

from sqlalchemy.orm import Session

from harness.factories import ask, make_world
from storage import lifecycle
from storage.actions import proposals, questions
from storage.analysis import PlainAnalyzer
from storage.models import Question

SAME = "Đường vào ấp 3 bị hư nặng"


def test_a_question_is_stored_pending_and_the_next_pass_proposes_the_earlier_one(session: Session) -> None:
    w = make_world(session)
    first = ask(session, w.meeting_a, SAME)
    other = ask(session, w.meeting_a, "Mất điện cả đêm ở xóm Bàu")
    second = ask(session, w.meeting_a, SAME.lower())
    assert second.proposal_pending and second.proposed_duplicate_of_id is None
    assert proposals.propose_pending(session, PlainAnalyzer()) == 3
    for q in (first, other, second):
        session.refresh(q)
        assert not q.proposal_pending
    # Only an earlier question is proposed: the first is never pointed at the later repeat.
    assert second.proposed_duplicate_of_id == first.id and second.proposed_similarity == 1.0
    assert first.proposed_duplicate_of_id is None and other.proposed_duplicate_of_id is None
    assert proposals.propose_pending(session, PlainAnalyzer()) == 0


def test_closed_merged_and_other_meetings_questions_are_not_proposed(session: Session) -> None:
    w = make_world(session)
    rejected = ask(session, w.meeting_a, SAME)
    questions.reject(session, rejected.id, reason="trùng", actor="org")
    elsewhere = ask(session, w.meeting_b, SAME)
    primary = ask(session, w.meeting_a, "Mất điện cả đêm ở xóm Bàu")
    merged = ask(session, w.meeting_a, SAME)
    questions.merge(session, primary.id, [merged.id], actor="org")
    new = ask(session, w.meeting_a, SAME)
    proposals.propose_pending(session, PlainAnalyzer())
    session.refresh(new)
    assert rejected.status == lifecycle.REJECTED and elsewhere.meeting_id != new.meeting_id
    assert new.proposed_duplicate_of_id is None


def test_a_pass_looks_at_a_bounded_batch_and_the_next_goes_on(session: Session) -> None:
    w = make_world(session)
    asked = [ask(session, w.meeting_a, f"{SAME} lần {i}").id for i in range(5)]
    assert proposals.propose_pending(session, PlainAnalyzer(), limit=3) == 3
    assert proposals.propose_pending(session, PlainAnalyzer(), limit=3) == 2
    pending = [q.proposal_pending for q in session.query(Question).filter(Question.id.in_(asked))]
    assert pending == [False] * 5
