"""Historical questions from a spreadsheet, in batches: each good row kept, each bad row reported by number.

Rows are checked without the database (meeting, field, status, text), analysed in bulk, and written
one transaction per batch. Each question's idempotency key is "import:<source>:<row number>", so a run
that stopped (a crash, Ctrl-C) continues where it stopped when started again on the same file. When
every batch is in, duplicates are grouped per meeting and proposed to the organisers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions.questions import MAX_TEXT, root_code
from storage.analysis import Analysis, Analyzer, PlainAnalyzer, fold
from storage.clock import utcnow
from storage.models import Meeting, Question, Reply, ReplyQuestion, StatusEvent

BATCH_SIZE = 2000
CHANNEL = "import"
NOTE = "Nhập từ dữ liệu cũ"


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


@runtime_checkable
class BulkAnalyzer(Protocol):
    """What an analyzer offers for many texts at once (`doithoai.wiring.NlpAnalyzer` has it)."""

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]: ...

    def group_duplicates(self, items: Sequence[tuple[int, str]]) -> list[tuple[int, int, float]]:
        """(id, id of the group's first member, similarity) per item, in input order."""
        ...


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


def _bad_characters(value: str) -> str | None:
    if "\x00" in value:
        return "có ký tự NUL (\\x00)"
    if any(unicodedata.category(c) == "Cs" for c in value):
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
        code = row.field.strip() if fields is None else fields.get(fold(row.field))
        if code is None:
            return f"lĩnh vực «{row.field}» không có trong danh mục"
    status = _STATUS_NAMES.get(fold(row.status or lifecycle.RECEIVED))
    if status is None:
        return f"trạng thái «{row.status}» không hợp lệ"
    return _Good(row, meeting, text, code, status, answer)


def _meetings(session: Session) -> dict[str, _Meeting]:
    out: dict[str, _Meeting] = {}
    roots: dict[int, str] = {}
    for meeting in session.scalars(select(Meeting)):
        if meeting.unit_id not in roots:
            roots[meeting.unit_id] = root_code(session, meeting.unit)
        out[meeting.code.upper()] = _Meeting(meeting.id, meeting.unit_id, roots[meeting.unit_id])
    return out


def _analyses(analyzer: Analyzer, texts: Sequence[str]) -> list[Analysis]:
    if isinstance(analyzer, BulkAnalyzer):
        return analyzer.analyze_many(texts)
    return [analyzer.analyze(t) for t in texts]


def _key(source: str, number: int) -> str:
    return f"import:{source}:{number}"


def _store_batch(session: Session, batch: Sequence[_Good], analyses: Sequence[Analysis], source: str,
                 actor: str) -> int:
    """Writes one batch (questions, tickets, status events, answers); returns how many were new."""
    keys = [_key(source, g.row.number) for g in batch]
    done = set(session.scalars(select(Question.idempotency_key).where(Question.idempotency_key.in_(keys))))
    todo = [(g, a, k) for g, a, k in zip(batch, analyses, keys, strict=True) if k not in done]
    if not todo:
        return 0
    now = utcnow()
    values: list[dict[str, Any]] = []
    for good, analysis, key in todo:
        at = good.row.created_at or now
        values.append({
            "meeting_id": good.meeting.id, "unit_id": good.meeting.unit_id, "channel": CHANNEL,
            "original_text": good.text, "normalized_text": analysis.normalized, "search_text": analysis.search_text,
            "suggested_field": analysis.field, "confidence": analysis.confidence,
            "alternatives": [list(x) for x in analysis.alternatives], "confirmed_field": good.field,
            "needs_review": analysis.needs_review and good.field is None, "status": good.status,
            "idempotency_key": key, "created_at": at, "updated_at": at,
            "resolved_at": at if good.status == lifecycle.RESOLVED else None,
        })
    ids = list(session.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True), values))
    session.execute(update(Question), [
        {"id": qid, "ticket": f"{good.meeting.root}-{v['created_at'].year}-{qid:06d}"}
        for qid, (good, _, _), v in zip(ids, todo, values, strict=True)])
    events: list[dict[str, Any]] = []
    for qid, (good, _, _), v in zip(ids, todo, values, strict=True):
        events.append({"question_id": qid, "kind": "status", "from_value": None, "to_value": lifecycle.RECEIVED,
                       "actor": actor, "note": None, "at": v["created_at"]})
        if good.status != lifecycle.RECEIVED:
            events.append({"question_id": qid, "kind": "status", "from_value": lifecycle.RECEIVED,
                           "to_value": good.status, "actor": actor, "note": NOTE, "at": v["created_at"]})
    session.execute(insert(StatusEvent), events)
    answered = [(qid, good) for qid, (good, _, _) in zip(ids, todo, strict=True) if good.answer]
    if answered:
        reply_ids = list(session.scalars(insert(Reply).returning(Reply.id, sort_by_parameter_order=True), [
            {"text": good.answer, "author": actor, "created_at": good.row.created_at or now} for _, good in answered]))
        session.execute(insert(ReplyQuestion), [
            {"reply_id": rid, "question_id": qid} for rid, (qid, _) in zip(reply_ids, answered, strict=True)])
    return len(todo)


def _batches(rows: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


Transaction = Callable[[], AbstractContextManager[Session]]


def import_rows(
    transaction: Transaction,
    rows: Iterable[ImportRow],
    *,
    source: str,
    analyzer: Analyzer | None = None,
    actor: str = "import",
    known_fields: dict[str, str] | set[str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Imports `rows` in batches of `batch_size`, one transaction each; `source` names the file (its hash).

    `known_fields` maps field codes to labels (either is accepted in the file); a field outside it
    is a bad row, never stored as a confirmed field. `progress(n)` is called after each batch.
    """
    analyzer = analyzer or PlainAnalyzer()
    fields = _fields_by_name(known_fields)
    result = ImportResult()
    with transaction() as session:
        meetings = _meetings(session)
    touched: set[int] = set()
    for batch in _batches(rows, batch_size):
        good: list[_Good] = []
        for row in batch:
            checked = check_row(row, meetings, fields)
            if isinstance(checked, str):
                result.errors.append((row.number, checked))
            else:
                good.append(checked)
        if good:
            analyses = _analyses(analyzer, [g.text for g in good])
            with transaction() as session:
                added = _store_batch(session, good, analyses, source, actor)
            result.imported += added
            result.skipped += len(good) - added
            touched.update(g.meeting.id for g in good)
        if progress is not None:
            progress(len(batch))
    for meeting_id in sorted(touched):
        with transaction() as session:
            result.proposed_duplicates += propose_duplicates(session, meeting_id, source, analyzer)
    result.errors.sort()
    return result


def _group_plain(items: Sequence[tuple[int, str]]) -> list[tuple[int, int, float]]:
    first: dict[str, int] = {}
    out = []
    for qid, text in items:
        head = first.setdefault(fold(text), qid)
        out.append((qid, head, 1.0))
    return out


def propose_duplicates(session: Session, meeting_id: int, source: str, analyzer: Analyzer) -> int:
    """Groups the meeting's questions from this import and proposes each repeat as a duplicate of the first."""
    rows = session.execute(
        select(Question.id, Question.normalized_text)
        .where(Question.meeting_id == meeting_id, Question.idempotency_key.like(f"import:{source}:%"),
               Question.duplicate_of_id.is_(None))
        .order_by(Question.id)).all()
    items = [(int(r.id), r.normalized_text) for r in rows]
    hits = analyzer.group_duplicates(items) if isinstance(analyzer, BulkAnalyzer) else _group_plain(items)
    changes = [{"id": qid, "proposed_duplicate_of_id": head, "proposed_similarity": float(sim)}
               for qid, head, sim in hits if head != qid]
    if changes:
        session.execute(update(Question), changes)
    return len(changes)
