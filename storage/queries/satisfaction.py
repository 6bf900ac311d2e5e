"""What citizens said of the answers: per question, satisfied / not satisfied / re-opened.

The model (written only by storage.actions.ratings):
- `Rating`: one row per answer with a final status sent to an asking citizen; `satisfied` is None
  until the citizen answers, then True ("Hài lòng") or False ("Chưa hài lòng", with `reason`);
- `Question.satisfied`: the citizen's latest rating of the question (None: never rated);
- `Question.reopen_count`: how many times the question was re-opened (by its citizen or an organiser);
- the audit trail has a `rating` event per rating and a `reopened` event per re-opening.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, case, event, exists, func, select
from sqlalchemy.orm import Mapper, Session, object_session

from storage import lifecycle
from storage.db import recall, remember
from storage.models import Citizen, Question, Rating


@dataclass(frozen=True)
class RatingCounts:
    satisfied: int = 0
    not_satisfied: int = 0
    reopened: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.not_satisfied


def rating_counts(session: Session, question_ids: Iterable[int]) -> dict[int, RatingCounts]:
    """Per question: ratings "Hài lòng", ratings "Chưa hài lòng", and times re-opened."""
    ids = list(question_ids)
    if not ids:
        return {}
    out = {qid: RatingCounts() for qid in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(
            select(Rating.question_id, func.sum(case((Rating.satisfied.is_(True), 1), else_=0)),
                   func.sum(case((Rating.satisfied.is_(False), 1), else_=0)))
            .where(Rating.question_id.in_(chunk)).group_by(Rating.question_id)
        ).all()
        for qid, yes, no in rows:
            out[int(qid)] = RatingCounts(int(yes or 0), int(no or 0), 0)
        for qid, count in session.execute(select(Question.id, Question.reopen_count).where(Question.id.in_(chunk))):
            current = out[int(qid)]
            out[int(qid)] = RatingCounts(current.satisfied, current.not_satisfied, int(count or 0))
    return out


def _newest_unrated(*columns: Any) -> Select[Any]:
    """The newest answer a citizen (`citizen_id`) was asked to rate and has not, while its question still stands."""
    return (select(*columns).join(Question, Question.id == Rating.question_id)
            .where(Rating.citizen_id == bindparam("citizen_id"), Rating.satisfied.is_(None),
                   Question.status.in_(lifecycle.RATED_STATUSES))
            .order_by(Rating.asked_at.desc(), Rating.id.desc()).limit(1))


def _besides(stmt: Select[Any]) -> Select[Any]:
    return stmt.where(Rating.question_id != bindparam("exclude"))


# Built once: `unrated` is asked in every turn, with two columns and no object loaded.
_PENDING = _newest_unrated(Rating)
_UNRATED = _newest_unrated(Rating.question_id, Rating.asked_at)
_PENDING_OTHER, _UNRATED_OTHER = _besides(_PENDING), _besides(_UNRATED)


def pending_rating(session: Session, citizen_id: int, exclude: int | None = None) -> Rating | None:
    """The newest answer this citizen was asked to rate and has not, while its question still stands."""
    if exclude is None:
        return session.scalars(_PENDING, {"citizen_id": citizen_id}).first()
    return session.scalars(_PENDING_OTHER, {"citizen_id": citizen_id, "exclude": exclude}).first()


# Whether any answer waits for the citizen's rating, as a column of the statement that reads the
# citizen at the start of a turn (`citizens.get_or_create_citizen`): most citizens have none, and
# then the turn need not ask `unrated`.
ANY_UNRATED = exists().where(Rating.citizen_id == Citizen.id, Rating.satisfied.is_(None)).correlate(Citizen)
_NONE_UNRATED = "doithoai.none_unrated"


def none_unrated(session: Session, citizen_id: int) -> None:
    """`ANY_UNRATED` was false for this citizen in this transaction: `unrated` is None without asking,
    until a rating is written in it (a rating only leaves the unrated otherwise)."""
    remember(session, _NONE_UNRATED, citizen_id)


@event.listens_for(Rating, "after_insert")
def _rating_written(_mapper: Mapper[Rating], _connection: Any, rating: Rating) -> None:
    session = object_session(rating)
    if session is not None:
        session.info.pop(_NONE_UNRATED, None)


def unrated(session: Session, citizen_id: int, exclude: int | None = None) -> Row[int, datetime] | None:
    """(question_id, asked_at) of what `pending_rating` returns."""
    if recall(session, _NONE_UNRATED) == citizen_id:
        return None
    if exclude is None:
        return session.execute(_UNRATED, {"citizen_id": citizen_id}).first()
    return session.execute(_UNRATED_OTHER, {"citizen_id": citizen_id, "exclude": exclude}).first()
