"""Suggestions for one question, from text analysis and past decisions: open questions that may
ask the same thing, earlier answers of the unit and its parent on the same concern, and the
agency that usually takes such questions. Suggestions only: nothing here writes, and a citizen
receives only what an organiser sends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.analysis import Analyzer
from storage.models import Agency, Meeting, Question, Reply, ReplyQuestion
from storage.reach import Reach, scope_questions

__all__ = [
    "AgencySuggestion",
    "EarlierAnswer",
    "agency_accuracy",
    "earlier_answers",
    "similar_open",
    "suggest_agency",
]

_CANDIDATES = 2000
_EARLIER_MIN = 0.3
"""Below this score an earlier answer is not shown as being on the same concern."""


def _field(question: Question) -> str:
    return question.confirmed_field or question.suggested_field or "khac"


def _ranked(analyzer: Analyzer, text: str, candidates: Sequence[tuple[Hashable, str]]) -> list[tuple[int, float]]:
    return [(int(str(cid)), float(score)) for cid, score in analyzer.find_similar(text, candidates)]


def similar_open(
    session: Session, reach: Reach, question: Question, analyzer: Analyzer, exclude: Sequence[int] = ()
) -> list[tuple[Question, float]]:
    """Open questions of the same meeting and unit, not merged into another, most similar first
    (the suggestions of the merge dialog)."""
    skip = {question.id, *exclude}
    stmt = scope_questions(
        select(Question).where(
            Question.meeting_id == question.meeting_id,
            Question.unit_id == question.unit_id,
            Question.status.in_(lifecycle.OPEN_STATUSES),
        ),
        reach,
    )
    rows = [q for q in session.scalars(stmt.order_by(Question.id.desc()).limit(_CANDIDATES))
            if q.id not in skip and q.duplicate_of_id is None]
    by_id = {q.id: q for q in rows}
    found = _ranked(analyzer, question.normalized_text or question.original_text,
                    [(q.id, q.normalized_text or q.original_text) for q in rows])
    return [(by_id[qid], score) for qid, score in found if qid in by_id]


@dataclass(frozen=True)
class EarlierAnswer:
    question: Question
    reply: Reply
    agency: str | None
    score: float


def earlier_answers(
    session: Session, reach: Reach, question: Question, analyzer: Analyzer, limit: int = 3
) -> list[EarlierAnswer]:
    """Answered questions of earlier meetings of the question's unit and its parent on the same
    concern, with their latest answer, agency and date, most similar first."""
    units = [question.unit_id] + ([question.unit.parent_id] if question.unit.parent_id is not None else [])
    starts = session.scalar(select(Meeting.starts_at).where(Meeting.id == question.meeting_id))
    stmt = scope_questions(
        select(Question)
        .join(Meeting, Meeting.id == Question.meeting_id)
        .where(Question.unit_id.in_(units), Question.meeting_id != question.meeting_id,
               Question.duplicate_of_id.is_(None), Meeting.starts_at < (starts or datetime.max),
               Question.id.in_(select(ReplyQuestion.question_id))),
        reach,
    )
    rows = list(session.scalars(stmt.order_by(Question.id.desc()).limit(_CANDIDATES)))
    if not rows:
        return []
    by_id = {q.id: q for q in rows}
    found = [(qid, s) for qid, s in _ranked(analyzer, question.normalized_text or question.original_text,
                                            [(q.id, q.normalized_text or q.original_text) for q in rows])
             if s >= _EARLIER_MIN][:limit]
    out = []
    for qid, score in found:
        reply = session.scalars(
            select(Reply).join(ReplyQuestion, ReplyQuestion.reply_id == Reply.id)
            .where(ReplyQuestion.question_id == qid).order_by(Reply.created_at.desc(), Reply.id.desc()).limit(1)
        ).first()
        if reply is not None:
            earlier = by_id[qid]
            out.append(EarlierAnswer(earlier, reply, earlier.agency.name if earlier.agency else None, score))
    return out


@dataclass(frozen=True)
class AgencySuggestion:
    agency: Agency
    confidence: float
    """Share of the past assignments counted that went to this agency."""
    assignments: int
    """How many past assignments the suggestion is based on."""
    basis: str
    """'unit', 'parent' or 'all': where the past assignments were counted."""


def _past_counts(session: Session, field: str, unit_ids: Sequence[int] | None, before: datetime | None) -> Counter[int]:
    field_expr = func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")
    stmt = (select(Question.agency_id, func.count()).where(Question.agency_id.is_not(None), field_expr == field)
            .group_by(Question.agency_id))
    if unit_ids is not None:
        stmt = stmt.where(Question.unit_id.in_(unit_ids))
    if before is not None:
        stmt = stmt.where(Question.created_at < before)
    return Counter({int(agency_id): int(n) for agency_id, n in session.execute(stmt).all() if agency_id is not None})


def suggest_agency(
    session: Session, question: Question, allowed: Sequence[Agency], before: datetime | None = None
) -> AgencySuggestion | None:
    """The agency that took most past questions of the same field in the question's unit (else its
    parent unit, else anywhere), among `allowed`; `before` counts only earlier assignments."""
    field = _field(question)
    allowed_ids = {a.id: a for a in allowed}
    scopes: list[tuple[str, list[int] | None]] = [("unit", [question.unit_id])]
    if question.unit.parent_id is not None:
        scopes.append(("parent", [question.unit_id, question.unit.parent_id]))
    scopes.append(("all", None))
    for basis, units in scopes:
        counts = Counter({k: v for k, v in _past_counts(session, field, units, before).items() if k in allowed_ids})
        total = sum(counts.values())
        if total:
            agency_id, n = counts.most_common(1)[0]
            # One more assignment elsewhere in the denominator: three of three is not certainty.
            return AgencySuggestion(allowed_ids[agency_id], round(n / (total + 1), 4), total, basis)
    return None


def agency_accuracy(session: Session, limit: int = 5000) -> dict[str, float | int]:
    """Top-1 accuracy of `suggest_agency` on past assignments, each judged only on the
    assignments made before it (the most recent `limit` assigned questions)."""
    stmt = (select(Question).where(Question.agency_id.is_not(None), Question.duplicate_of_id.is_(None))
            .order_by(Question.created_at.desc(), Question.id.desc()).limit(limit))
    rows = list(session.scalars(stmt))
    agencies = list(session.scalars(select(Agency)))
    judged = right = 0
    for q in rows:
        guess = suggest_agency(session, q, agencies, before=q.created_at)
        if guess is None:
            continue
        judged += 1
        right += guess.agency.id == q.agency_id
    return {"assigned": len(rows), "judged": judged, "top1": round(right / judged, 4) if judged else 0.0}
