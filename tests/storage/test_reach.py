from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from harness.factories import ask, make_world
from storage import queries
from storage.actions import questions
from storage.errors import NotFound, OutOfReach
from storage.reach import Reach, require_question, require_unit


def test_organiser_sees_own_unit_and_below_only(session: Session) -> None:
    w = make_world(session)
    qa = ask(session, w.meeting_a)
    qb = ask(session, w.meeting_b)
    reach_a = Reach.for_unit(w.district_a)
    assert [q.id for q in queries.list_questions(session, reach_a)] == [qa.id]
    with pytest.raises(NotFound):
        require_question(session, qb.id, reach_a)
    with pytest.raises(NotFound):
        queries.get_question_by_ticket(session, qb.ticket or "", reach_a)
    with pytest.raises(OutOfReach):
        require_unit(session, w.district_b.id, reach_a)
    assert {m.code for m in queries.list_meetings(session, reach_a)} == {"MA"}
    province = Reach.for_unit(w.province)
    assert {q.id for q in queries.list_questions(session, province)} == {qa.id, qb.id}
    assert len(queries.list_questions(session, Reach.admin())) == 2


def test_agency_sees_only_its_assignments(session: Session) -> None:
    w = make_world(session)
    qa = ask(session, w.meeting_a)
    ask(session, w.meeting_a)
    questions.assign(session, qa.id, w.agency_a.id, actor="org")
    reach = Reach.for_agency(w.agency_a)
    assert [q.id for q in queries.list_questions(session, reach)] == [qa.id]
    assert {m.code for m in queries.list_meetings(session, reach)} == {"MA"}
