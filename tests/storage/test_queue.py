from __future__ import annotations

import multiprocessing as mp
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from harness.factories import ask, make_meeting, make_world
from storage.actions import delivery, questions
from storage.actions.outbox import enqueue
from storage.clock import utcnow
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.models import Outbox
from storage.queries import queue as unit_queue
from storage.reach import Reach


def test_queue_order_meeting_date_then_askers_then_age(session: Session) -> None:
    w = make_world(session)
    soon = make_meeting(session, w.district_a, "SOON", days=2)
    later = w.meeting_a
    old_single = ask(session, later, "một người hỏi", created_at=utcnow() - timedelta(days=3))
    crowd = ask(session, later, "nhiều người hỏi")
    questions.merge(session, crowd.id, [ask(session, later, "x").id, ask(session, later, "y").id], actor="t")
    first = ask(session, soon, "hội nghị sớm hơn")
    rows = unit_queue(session, w.district_a, Reach.for_unit(w.district_a))
    assert [q.id for q in rows] == [first.id, crowd.id, old_single.id]


def test_queue_skips_assigned_and_duplicates(session: Session) -> None:
    w = make_world(session)
    a = ask(session, w.meeting_a)
    b = ask(session, w.meeting_a)
    questions.assign(session, a.id, w.agency_a.id, actor="t")
    rows = unit_queue(session, w.district_a, Reach.for_unit(w.district_a))
    assert [q.id for q in rows] == [b.id]


def test_outbox_claim_retry_and_fail(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        row = enqueue(s, channel="web", chat_id="c1", text="xin chào", key="k1")
        assert enqueue(s, channel="web", chat_id="c1", text="khác", key="k1").id == row.id
        rid = row.id
    with session_scope(sessions) as s:
        claimed = delivery.claim(s, "w1")
        assert [r.id for r in claimed] == [rid] and claimed[0].locked_by == "w1"
        assert delivery.claim(s, "w2") == []  # held by the lease
        delivery.mark_failed(s, rid, "HTTP 500", worker="w2")  # not w2's row: nothing changes
        assert claimed[0].attempts == 1 and claimed[0].last_error is None
        delivery.mark_failed(s, rid, "HTTP 429", retry_after=30, worker="w1")
    with session_scope(sessions) as s:
        assert delivery.claim(s, "w1") == []  # not due yet
        due = delivery.claim(s, "w1", now=utcnow() + timedelta(seconds=31))
        assert [r.id for r in due] == [rid]
        delivery.mark_failed(s, rid, "HTTP 400: chat not found", permanent=True)
    with session_scope(sessions) as s:
        failed = s.get(Outbox, rid)
        assert failed is not None and failed.status == "failed" and "chat not found" in (failed.last_error or "")
        delivery.retry(s, rid)
        claimed = delivery.claim(s, "w1")
        delivery.mark_delivered(s, [claimed[0].id])
        delivery.mark_delivered(s, [claimed[0].id])
    with session_scope(sessions) as s:
        done = s.get(Outbox, rid)
        assert done is not None and done.status == "sent" and done.delivered_at is not None


def test_a_chat_gets_its_messages_in_order(sessions: sessionmaker[Session]) -> None:
    """A later message to a chat waits while an earlier one is in flight or waiting for its retry."""
    with session_scope(sessions) as s:
        first = enqueue(s, channel="zalo", chat_id="c1", text="1", key="a").id
        second = enqueue(s, channel="zalo", chat_id="c1", text="2", key="b").id
        other = enqueue(s, channel="zalo", chat_id="c2", text="x", key="c").id
    with session_scope(sessions) as s:
        assert [r.id for r in delivery.claim(s, "w1")] == [first, other]
        assert delivery.claim(s, "w2") == []
        delivery.postpone(s, first, 30, "429", worker="w1")
    with session_scope(sessions) as s:
        assert delivery.claim(s, "w2") == []  # the first waits for its retry: the second waits behind it
        assert delivery.claim(s, "w2", now=utcnow() + timedelta(seconds=31))[0].id == first
        delivery.mark_delivered(s, [first])
    with session_scope(sessions) as s:
        assert [r.id for r in delivery.claim(s, "w2")] == [second]


def test_leases_are_renewed_only_by_their_holder(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        rid = enqueue(s, channel="zalo", chat_id="c1", text="1", key="a").id
    with session_scope(sessions) as s:
        delivery.claim(s, "w1", lease=timedelta(seconds=1))
    later = utcnow() + timedelta(seconds=5)
    with session_scope(sessions) as s:
        assert delivery.renew(s, [rid], "w2") == set()
        assert delivery.renew(s, [rid], "w1") == {rid}  # renewed for a full lease from now
        assert delivery.claim(s, "w2", now=later) == []
    with session_scope(sessions) as s:
        delivery.release(s, rid, "w1")
        row = s.get(Outbox, rid)
        assert row is not None and row.attempts == 0 and row.locked_by is None
        assert [r.id for r in delivery.claim(s, "w2", now=later)] == [rid]


def _claimer(url: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    got: list[int] = []
    while True:
        with session_scope(factory) as s:
            rows = delivery.claim(s, "p", limit=25)
            if not rows:
                break
            got.extend(r.id for r in rows)
    engine.dispose()
    out.put(got)


def test_four_processes_claim_each_item_exactly_once(pg_database: str) -> None:
    from tests.conftest import _truncate

    engine = make_engine(pg_database)
    _truncate(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as s:
        now = utcnow()
        s.execute(insert(Outbox), [
            {"channel": "web", "chat_id": f"c{i}", "text": "t", "idempotency_key": f"load:{i}", "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for i in range(2000)
        ])
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(pg_database, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    claimed = [i for r in results for i in r]
    with session_scope(factory) as s:
        all_ids = set(s.scalars(select(Outbox.id)))
    assert len(claimed) == 2000 and set(claimed) == all_ids
    assert sum(1 for r in results if r) >= 2, "the work was not shared between processes"
    engine.dispose()


@pytest.mark.parametrize("n", [3])
def test_outbox_claims_are_disjoint(sessions: sessionmaker[Session], n: int) -> None:
    with session_scope(sessions) as s:
        for i in range(n * 4):
            enqueue(s, channel="web", chat_id=f"c{i}", text="t", key=f"k{i}")
    seen: list[int] = []
    for _ in range(n):
        with session_scope(sessions) as s:
            seen.extend(r.id for r in delivery.claim(s, "w", limit=4))
    assert len(seen) == len(set(seen)) == n * 4
