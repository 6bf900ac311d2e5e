"""Citizens rate answers; "Chưa hài lòng" with a reason re-opens the question; counts for reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.factories import ask, make_citizen, make_world
from storage import lifecycle, queries
from storage.actions import citizens, questions, ratings, replies
from storage.analysis import PlainAnalyzer
from storage.errors import ForbiddenMove, InvalidInput, NotFound
from storage.models import Outbox, Question, Rating
from storage.queries import satisfaction
from storage.reach import Reach
from vntext import notices


def _answered(session: Session, status: str = lifecycle.RESOLVED) -> tuple[int, int]:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    questions.assign(session, q.id, w.agency_a.id, actor="org")
    replies.reply(session, q.id, "Đường đã được sửa xong.", author="officer", status=status)
    assert q.citizen_id is not None
    return q.id, q.citizen_id


def test_final_answer_carries_the_rating_question_and_waits(session: Session) -> None:
    qid, cid = _answered(session)
    row = session.scalars(select(Outbox).where(Outbox.reply_id.is_not(None))).one()
    assert row.text.endswith(notices.RATING_QUESTION) and "Đường đã được sửa xong." in row.text
    assert row.buttons == [[{"label": "Hài lòng", "data": f"rate:{qid}:yes"},
                            {"label": "Chưa hài lòng", "data": f"rate:{qid}:no"}]]
    pending = satisfaction.pending_rating(session, cid)
    assert pending is not None and pending.question_id == qid and pending.satisfied is None


def test_an_answer_without_final_status_asks_nothing(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    replies.reply(session, q.id, "Đang xem xét.", author="org", status=lifecycle.TRIAGED)
    assert session.scalars(select(Rating)).all() == []
    assert session.scalars(select(Outbox)).one().buttons is None


def test_satisfied(session: Session) -> None:
    qid, cid = _answered(session)
    ratings.rate(session, qid, citizen_id=cid, satisfied=True)
    q = session.get(Question, qid)
    assert q.satisfied is True and q.status == lifecycle.RESOLVED and q.reopen_count == 0
    assert satisfaction.rating_counts(session, [qid])[qid] == satisfaction.RatingCounts(1, 0, 0)
    with pytest.raises(ForbiddenMove):
        ratings.rate(session, qid, citizen_id=cid, satisfied=False)


def test_unsatisfied_with_reason_reopens_to_the_agency(session: Session) -> None:
    qid, cid = _answered(session)
    ratings.rate(session, qid, citizen_id=cid, satisfied=False)
    assert ratings.reopen_by_citizen(session, qid, citizen_id=cid, reason="Đường vẫn còn ổ gà") is True
    q = session.get(Question, qid)
    assert q.status == lifecycle.ASSIGNED and q.satisfied is False and q.reopen_count == 1
    trail = [(e.kind, e.from_value, e.to_value, e.note) for e in queries.events_of(session, qid)]
    assert ("rating", None, "unsatisfied", None) in trail
    assert ("reopened", "resolved", "assigned", "Đường vẫn còn ổ gà") in trail
    assert satisfaction.rating_counts(session, [qid])[qid] == satisfaction.RatingCounts(0, 1, 1)
    assert satisfaction.pending_rating(session, cid) is None
    with pytest.raises(ForbiddenMove):
        ratings.reopen_by_citizen(session, qid, citizen_id=cid, reason="lần nữa")
    # Answered again and rated again: the latest rating is what the question shows.
    replies.reply(session, qid, "Đã vá xong ổ gà.", author="officer", status=lifecycle.RESOLVED)
    ratings.rate(session, qid, citizen_id=cid, satisfied=True)
    assert session.get(Question, qid).satisfied is True
    assert satisfaction.rating_counts(session, [qid])[qid] == satisfaction.RatingCounts(1, 1, 1)


def test_only_the_citizen_rates_their_own_answered_question(session: Session) -> None:
    qid, _ = _answered(session)
    other = make_citizen(session)
    with pytest.raises(NotFound):
        ratings.rate(session, qid, citizen_id=other.id, satisfied=True)
    w_q = ask(session, session.get(Question, qid).meeting, "Điện chập chờn", citizen=other)
    with pytest.raises(NotFound):
        ratings.rate(session, w_q.id, citizen_id=other.id, satisfied=True)


def test_organiser_reopens_with_a_reason_and_duplicates_follow(session: Session) -> None:
    w = make_world(session)
    a = ask(session, w.meeting_a, "Đường ấp 3 hư")
    b = ask(session, w.meeting_a, "Đường ấp 3 hư nặng")
    questions.merge(session, a.id, [b.id], actor="org")
    replies.reply(session, a.id, "Đã sửa.", author="org", status=lifecycle.RESOLVED)
    assert len(session.scalars(select(Rating)).all()) == 2
    with pytest.raises(InvalidInput):
        ratings.reopen(session, a.id, reason="  ", actor="org")
    ratings.reopen(session, b.id, reason="Kiểm tra lại hiện trường", actor="org")
    for q in (a, b):
        assert q.status == lifecycle.TRIAGED and q.reopen_count == 1
    assert satisfaction.pending_rating(session, a.citizen_id or 0) is None
    with pytest.raises(ForbiddenMove):
        ratings.reopen(session, a.id, reason="lần nữa", actor="org")


def test_the_field_a_citizen_picks_is_no_confirmation(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    q = questions.submit_question(session, meeting_id=w.meeting_a.id, text="Cống nghẹt", channel="web",
                                  citizen_id=c.id, citizen_field="moi_truong", analyzer=PlainAnalyzer())
    assert q.confirmed_field is None and q.citizen_field == "moi_truong" and q.needs_review
    everything = Reach.admin()
    assert queries.confirmed_examples(session, everything) == []
    assert queries.confirmed_examples(session, everything, corrections_only=True) == []


def test_unrated_is_read_with_the_citizen_and_again_once_a_rating_is_written(session: Session) -> None:
    w = make_world(session)
    citizen = make_citizen(session, channel="telegram")  # read with none to rate
    assert satisfaction.unrated(session, citizen.id) is None
    q = ask(session, w.meeting_a, citizen=citizen)
    questions.assign(session, q.id, w.agency_a.id, actor="org")
    replies.reply(session, q.id, "Đường đã được sửa xong.", author="officer", status=lifecycle.RESOLVED)
    # The rating written in this transaction is seen.
    pending = satisfaction.unrated(session, citizen.id)
    assert pending is not None and pending[0] == q.id
    again = citizens.get_or_create_citizen(session, channel="telegram", channel_user_id=citizen.channel_user_id,
                                           chat_id=citizen.chat_id)
    assert satisfaction.unrated(session, again.id) == pending
    assert satisfaction.unrated(session, again.id, exclude=q.id) is None
    ratings.rate(session, q.id, citizen_id=citizen.id, satisfied=True)
    assert satisfaction.unrated(session, citizen.id) is None
