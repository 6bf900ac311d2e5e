"""Historical questions from a spreadsheet, in batches: each good row kept, each bad row reported by number.

Rows are checked without the database (meeting, field, status, text), analysed in bulk, and written
one transaction per batch. Each question's idempotency key is "import:<source>:<row number>", so a run
that stopped (a crash, Ctrl-C) continues where it stopped when started again on the same file. When
every batch is in, duplicates are grouped per meeting and proposed to the organisers.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions.bulk import insert_many, reserve_ids
from storage.actions.questions import MAX_TEXT, root_code
from storage.analysis import Analysis, Analyzer, PlainAnalyzer, bulk, fold
from storage.analysis_pool import AnalysisPool
from storage.clock import utcnow
from storage.models import Meeting, Question, Reply, ReplyQuestion, StatusEvent

BATCH_SIZE = 2000
CHANNEL = "import"
NOTE = "Nhập từ dữ liệu cũ"
EARLIEST = 1900
"""A question dated before this year, or after today, is a typing error in the file."""
_SLACK = timedelta(days=1)


@dataclass
class ImportRow:
    number: int
    meeting_code: str
    text: str
    field: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    answer: str | None = None


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    """Rows already imported by an earlier run of the same file."""
    proposed_duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Meeting:
    id: int
    unit_id: int
    root: str


@dataclass(frozen=True)
class _Good:
    row: ImportRow
    meeting: _Meeting
    text: str
    field: str | None
    status: str
    answer: str | None


def _fields_by_name(known_fields: dict[str, str] | set[str] | None) -> dict[str, str] | None:
    """Field codes and labels (folded) to codes; None accepts any field."""
    if known_fields is None:
        return None
    pairs = known_fields.items() if isinstance(known_fields, dict) else ((c, c) for c in known_fields)
    names: dict[str, str] = {}
    for code, label in pairs:
        names[fold(code)] = code
        names[fold(label)] = code
    return names


_STATUS_NAMES = {**{fold(s): s for s in lifecycle.STATUSES}, **{fold(v): k for k, v in lifecycle.LABELS.items()}}


_SURROGATE = re.compile("[\ud800-\udfff]")


# A file names few fields and statuses, each on many rows.
_folded = lru_cache(maxsize=4096)(fold)


def _bad_characters(value: str) -> str | None:
    if "\x00" in value:
        return "có ký tự NUL (\\x00)"
    if _SURROGATE.search(value):
        return "có ký tự không hợp lệ (nửa cặp UTF-16)"
    return None


def check_row(row: ImportRow, meetings: dict[str, _Meeting], fields: dict[str, str] | None) -> _Good | str:
    """The row ready to store, or why not (in Vietnamese)."""
    meeting = meetings.get((row.meeting_code or "").strip().upper())
    if meeting is None:
        return f"không có hội nghị mã «{row.meeting_code}»"
    text = row.text.strip()
    answer = (row.answer or "").strip() or None
    for value in (text, answer or "", row.field or "", row.status or ""):
        problem = _bad_characters(value)
        if problem:
            return problem
    if not text:
        return "nội dung câu hỏi trống"
    if len(text) > MAX_TEXT:
        return f"nội dung dài quá {MAX_TEXT:,} ký tự".replace(",", ".")
    code: str | None = None
    if row.field and row.field.strip():
        code = row.field.strip() if fields is None else fields.get(_folded(row.field))
        if code is None:
            return f"lĩnh vực «{row.field}» không có trong danh mục"
    status = _STATUS_NAMES.get(_folded(row.status or lifecycle.RECEIVED))
    if status is None:
        return f"trạng thái «{row.status}» không hợp lệ"
    if row.created_at is not None and (row.created_at.year < EARLIEST or row.created_at > utcnow() + _SLACK):
        return f"ngày {row.created_at:%d/%m/%Y} không hợp lệ (trước năm {EARLIEST} hoặc chưa đến)"
    return _Good(row, meeting, text, code, status, answer)


def _meetings(session: Session) -> dict[str, _Meeting]:
    out: dict[str, _Meeting] = {}
    roots: dict[int, str] = {}
    for meeting in session.scalars(select(Meeting)):
        if meeting.unit_id not in roots:
            roots[meeting.unit_id] = root_code(session, meeting.unit)
        out[meeting.code.upper()] = _Meeting(meeting.id, meeting.unit_id, roots[meeting.unit_id])
    return out


def _key(source: str, number: int) -> str:
    return f"import:{source}:{number}"


def _done(session: Session, keys: Sequence[str]) -> set[str]:
    return set(session.scalars(select(Question.idempotency_key).where(Question.idempotency_key.in_(keys))))


def _store_batch(session: Session, batch: Sequence[_Good], analyses: Sequence[Analysis], source: str,
                 actor: str) -> int:
    """Writes one batch (questions with their tickets, status events, answers); returns how many were new.

    Ids are taken first, so every row is written once, in bulk, already naming the others."""
    keys = [_key(source, g.row.number) for g in batch]
    done = _done(session, keys)
    todo = [(g, a, k) for g, a, k in zip(batch, analyses, keys, strict=True) if k not in done]
    if not todo:
        return 0
    ids = reserve_ids(session, Question, len(todo))
    answered = [qid for qid, (good, _, _) in zip(ids, todo, strict=True) if good.answer]
    reply_ids = dict(zip(answered, reserve_ids(session, Reply, len(answered)), strict=True))
    now = utcnow()
    questions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for qid, (good, analysis, key) in zip(ids, todo, strict=True):
        at = good.row.created_at or now
        questions.append({
            "id": qid, "ticket": f"{good.meeting.root}-{at.year}-{qid:06d}",
            "meeting_id": good.meeting.id, "unit_id": good.meeting.unit_id, "channel": CHANNEL,
            "original_text": good.text, "normalized_text": analysis.normalized, "search_text": analysis.search_text,
            "suggested_field": analysis.field, "confidence": analysis.confidence,
            "alternatives": [list(x) for x in analysis.alternatives], "confirmed_field": good.field,
            "needs_review": analysis.needs_review and good.field is None, "status": good.status,
            "idempotency_key": key, "created_at": at, "updated_at": at,
            "resolved_at": at if good.status == lifecycle.RESOLVED else None,
        })
        events.append({"question_id": qid, "kind": "status", "from_value": None, "to_value": lifecycle.RECEIVED,
                       "actor": actor, "note": None, "at": at})
        if good.status != lifecycle.RECEIVED:
            events.append({"question_id": qid, "kind": "status", "from_value": lifecycle.RECEIVED,
                           "to_value": good.status, "actor": actor, "note": NOTE, "at": at})
        if good.answer:
            replies.append({"id": reply_ids[qid], "text": good.answer, "author": actor, "created_at": at})
            links.append({"reply_id": reply_ids[qid], "question_id": qid})
    insert_many(session, Question, questions)
    insert_many(session, StatusEvent, events)
    insert_many(session, Reply, replies)
    insert_many(session, ReplyQuestion, links)
    return len(todo)


def _batches(rows: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass
class _Batch:
    """One batch on its way: the rows read, the good ones still to store, their analyses coming."""

    rows: int
    todo: list[_Good]
    texts: list[str]
    analyses: Future[list[Analysis]]

    def analysed(self) -> list[Analysis]:
        by_text = dict(zip(self.texts, self.analyses.result(), strict=True))
        return [by_text[g.text] for g in self.todo]


def import_rows(
    transaction: Transaction,
    rows: Iterable[ImportRow],
    *,
    source: str,
    analyzer: Analyzer | None = None,
    actor: str = "import",
    known_fields: dict[str, str] | set[str] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    grouping_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Imports `rows` in batches of `batch_size`, one transaction each; `source` names the file (its hash).

    `known_fields` maps field codes to labels (either is accepted in the file); a field outside it
    is a bad row, never stored as a confirmed field. With `workers` > 0 the analysis runs in that many
    processes while this one reads and writes. `progress(n)` is called after each batch of n rows,
    `grouping_progress(done, total)` as the meetings' duplicates are grouped at the end.
    """
    fields = _fields_by_name(known_fields)
    result = ImportResult()
    with transaction() as session:
        meetings = _meetings(session)
    with AnalysisPool(bulk(analyzer or PlainAnalyzer()), workers) as pool:
        # Batches analysed ahead of the one being written: enough to keep every worker busy.
        waiting: deque[_Batch] = deque()
        for rows_read in _batches(rows, batch_size):
            waiting.append(_prepare(transaction, rows_read, meetings, fields, source, pool, result))
            while len(waiting) > workers or (waiting and waiting[0].analyses.done()):
                _write(transaction, waiting.popleft(), source, actor, result, progress)
        while waiting:
            _write(transaction, waiting.popleft(), source, actor, result, progress)
        with transaction() as session:
            result.proposed_duplicates = propose_duplicates(session, source, pool, grouping_progress)
    result.errors.sort()
    return result


def _prepare(transaction: Transaction, rows: Sequence[ImportRow], meetings: dict[str, _Meeting],
             fields: dict[str, str] | None, source: str, pool: AnalysisPool, result: ImportResult) -> _Batch:
    """Checks a batch's rows and sends the good ones not stored yet to be analysed."""
    good: list[_Good] = []
    for row in rows:
        checked = check_row(row, meetings, fields)
        if isinstance(checked, str):
            result.errors.append((row.number, checked))
        else:
            good.append(checked)
    todo = good
    if good:
        # Rows a stopped run already stored are neither analysed nor written again.
        with transaction() as session:
            done = _done(session, [_key(source, g.row.number) for g in good])
        todo = [g for g in good if _key(source, g.row.number) not in done]
        result.skipped += len(good) - len(todo)
    # A text repeated in the batch is analysed once.
    texts = list(dict.fromkeys(g.text for g in todo))
    return _Batch(len(rows), todo, texts, pool.analyze_many(texts))


def _write(transaction: Transaction, batch: _Batch, source: str, actor: str, result: ImportResult,
           progress: Callable[[int], None] | None) -> None:
    if batch.todo:
        _store(transaction, batch.todo, batch.analysed(), source, actor, result)
    if progress is not None:
        progress(batch.rows)


def _store(transaction: Transaction, todo: Sequence[_Good], analyses: Sequence[Analysis], source: str, actor: str,
           result: ImportResult) -> None:
    """Stores the rows in one transaction. When the database refuses one of them, the others are still
    kept: the rows are stored again in halves, down to the row it refuses, which is reported."""
    try:
        with transaction() as session:
            added = _store_batch(session, todo, analyses, source, actor)
    except (IntegrityError, DataError) as exc:
        if len(todo) == 1:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            result.errors.append((todo[0].row.number, f"cơ sở dữ liệu không nhận dòng này: {reason}"))
            return
        half = len(todo) // 2
        _store(transaction, todo[:half], analyses[:half], source, actor, result)
        _store(transaction, todo[half:], analyses[half:], source, actor, result)
        return
    result.imported += added
    result.skipped += len(todo) - added


def propose_duplicates(session: Session, source: str, pool: AnalysisPool,
                       progress: Callable[[int, int], None] | None = None) -> int:
    """Groups each meeting's questions from this import and proposes each repeat as a duplicate of the
    group's first; returns how many were proposed. `progress(done, total)` counts meetings."""
    rows = session.execute(
        select(Question.id, Question.meeting_id, Question.normalized_text)
        .where(Question.idempotency_key.like(f"{_key(source, 0)[:-1]}%"), Question.duplicate_of_id.is_(None))
        .order_by(Question.id)).all()
    by_meeting: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        by_meeting.setdefault(int(row.meeting_id), []).append((int(row.id), row.normalized_text))
    groups = [by_meeting[m] for m in sorted(by_meeting)]
    changes: list[dict[str, Any]] = []
    for done, hits in enumerate(pool.group_duplicates(groups), start=1):
        changes.extend({"id": qid, "proposed_duplicate_of_id": head, "proposed_similarity": float(sim)}
                       for qid, head, sim in hits if head != qid)
        if progress is not None:
            progress(done, len(groups))
    if changes:
        session.execute(update(Question), changes)
    return len(changes)
