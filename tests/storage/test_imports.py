"""Batched import on SQLite and PostgreSQL: bad rows reported by number, good rows kept, resumable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from harness.factories import make_world
from storage import lifecycle
from storage.actions.imports import ImportRow, import_rows
from storage.clock import LOCAL_TZ, utcnow
from storage.db import session_scope
from storage.models import Meeting, Question, Reply, StatusEvent

FIELDS = {"giao_thong": "Giao thông", "dien": "Điện"}


@pytest.fixture
def transaction(sessions: sessionmaker[Session]) -> Iterator[object]:
    with session_scope(sessions) as s:
        make_world(s)

    def tx() -> AbstractContextManager[Session]:
        return session_scope(sessions)

    yield tx


def test_bad_rows_reported_good_rows_kept(transaction: object, sessions: sessionmaker[Session]) -> None:
    rows = [
        ImportRow(2, "MA", "Đường ấp 3 hư", field="giao_thong", status="resolved", answer="Đã sửa."),
        ImportRow(3, "NOPE", "không có hội nghị"),
        ImportRow(4, "MA", "   "),
        ImportRow(5, "MA", "trạng thái lạ", status="xong"),
        ImportRow(6, "mb", "Mất điện ấp 5", status="Đang thực hiện"),
        ImportRow(7, "MA", "lĩnh vực lạ", field="xyz"),
        ImportRow(8, "MA", "Có ký tự\x00 NUL"),
        ImportRow(9, "MA", "Cầu ấp 9 gãy", field="giao thông"),
        ImportRow(10, "MA", "trả lời có NUL", answer="a\x00b"),
    ]
    result = import_rows(transaction, rows, source="t1", known_fields=FIELDS, batch_size=4)  # type: ignore[arg-type]
    assert result.imported == 3
    assert [n for n, _ in result.errors] == [3, 4, 5, 7, 8, 10]
    assert "NOPE" in result.errors[0][1] and "NUL" in result.errors[4][1] and "xyz" in result.errors[3][1]
    with sessions() as s:
        stored = s.scalars(select(Question).order_by(Question.id)).all()
        assert [(q.original_text, q.status, q.confirmed_field) for q in stored] == [
            ("Đường ấp 3 hư", lifecycle.RESOLVED, "giao_thong"), ("Mất điện ấp 5", lifecycle.IN_PROGRESS, None),
            ("Cầu ấp 9 gãy", lifecycle.RECEIVED, "giao_thong")]
        assert all(q.ticket and q.ticket.startswith("HG-") for q in stored)
        assert stored[0].resolved_at is not None and s.scalar(select(func.count()).select_from(Reply)) == 1
        kinds = s.execute(select(StatusEvent.question_id, StatusEvent.to_value).order_by(StatusEvent.id)).all()
        assert [k.to_value for k in kinds if k.question_id == stored[0].id] == ["received", "resolved"]


class Crash(Exception):
    pass


def test_a_crashed_import_continues_where_it_stopped(transaction: object, sessions: sessionmaker[Session]) -> None:
    rows = [ImportRow(n, "MA", f"Câu hỏi số {n} về đường ấp {n}") for n in range(2, 52)]

    @contextmanager
    def crashing() -> Iterator[Session]:
        with transaction() as s:  # type: ignore[operator]
            yield s
            if s.scalar(select(func.count()).select_from(Question)) > 20:
                raise Crash  # the third batch's transaction dies before it commits

    with pytest.raises(Crash):
        import_rows(crashing, rows, source="t2", batch_size=10)  # type: ignore[arg-type]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 20
    again = import_rows(transaction, rows, source="t2", batch_size=10)  # type: ignore[arg-type]
    assert (again.imported, again.skipped, again.errors) == (30, 20, [])
    with sessions() as s:
        texts = s.scalars(select(Question.original_text)).all()
        assert len(texts) == 50 and len(set(texts)) == 50


def test_duplicates_grouped_per_meeting_at_the_end(transaction: object, sessions: sessionmaker[Session]) -> None:
    rows = [ImportRow(2, "MA", "Đường ấp 3 hư nặng"), ImportRow(3, "MB", "Đường ấp 3 hư nặng"),
            ImportRow(4, "MA", "Điện ấp 1 yếu"), ImportRow(5, "MA", "đường ấp 3  hư nặng")]
    result = import_rows(transaction, rows, source="t3", batch_size=2)  # type: ignore[arg-type]
    assert result.proposed_duplicates == 1
    with sessions() as s:
        by_text = {(q.meeting.code, q.original_text): q for q in s.scalars(select(Question))}
        first, repeat = by_text[("MA", "Đường ấp 3 hư nặng")], by_text[("MA", "đường ấp 3  hư nặng")]
        assert repeat.proposed_duplicate_of_id == first.id
        assert by_text[("MB", "Đường ấp 3 hư nặng")].proposed_duplicate_of_id is None


def test_a_row_the_database_refuses_is_reported_and_the_rest_kept(transaction: object,
                                                                   sessions: sessionmaker[Session]) -> None:
    rows = [ImportRow(n, "MB" if n == 6 else "MA", f"Câu hỏi số {n} về cầu ấp {n}") for n in range(2, 12)]
    opened = 0

    @contextmanager
    def meeting_b_goes() -> Iterator[Session]:
        nonlocal opened
        opened += 1
        with transaction() as s:  # type: ignore[operator]
            if opened == 2:  # the meetings were read: one of them is deleted while the rows are checked
                s.execute(delete(Meeting).where(Meeting.code == "MB"))
            yield s

    result = import_rows(meeting_b_goes, rows, source="t4", batch_size=20)  # type: ignore[arg-type]
    assert result.imported == 9
    assert [n for n, _ in result.errors] == [6]
    assert result.errors[0][1].startswith("cơ sở dữ liệu không nhận dòng này: ")
    with sessions() as s:
        keys = s.scalars(select(Question.idempotency_key))
        assert sorted(keys) == sorted(f"import:t4:{n}" for n in range(2, 12) if n != 6)


def test_dates_before_1900_or_to_come_are_bad_rows(transaction: object) -> None:
    rows = [ImportRow(2, "MA", "Đường ấp 1", created_at=datetime(1, 1, 1, tzinfo=LOCAL_TZ)),
            ImportRow(3, "MA", "Đường ấp 2", created_at=utcnow() + timedelta(days=40)),
            ImportRow(4, "MA", "Đường ấp 3", created_at=datetime(1999, 12, 31, tzinfo=LOCAL_TZ))]
    result = import_rows(transaction, rows, source="t5")  # type: ignore[arg-type]
    assert result.imported == 1 and [n for n, _ in result.errors] == [2, 3]
    assert "không hợp lệ" in result.errors[0][1]
