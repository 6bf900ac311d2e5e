"""Proposed duplicates: each new question pointed at the earlier open question of its meeting it
most resembles, for the organiser's one-click merge.

Looking is kept out of the citizen's turn: `submit_question` stores a question with
`proposal_pending`, and `propose_pending` looks for many at once, reading each meeting's open
questions and indexing them once per batch instead of once per question. The flag is in the
database, so a question stored just before a crash is still looked at by the next pass.
"""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.analysis import Analyzer, bulk
from storage.models import Question

BATCH = 500
"""Questions looked at in one pass."""
CANDIDATES = 2000
"""The newest open questions of a meeting a new one is compared with."""


def propose_pending(session: Session, analyzer: Analyzer, *, limit: int = BATCH) -> int:
    """Looks for a duplicate to propose for up to `limit` questions stored with `proposal_pending`
    (oldest first) and clears their flag; how many were looked at."""
    pending = session.execute(
        select(Question.id, Question.meeting_id)
        .where(Question.proposal_pending.is_(True))
        .order_by(Question.meeting_id, Question.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not pending:
        return 0
    many = bulk(analyzer)
    changes: list[dict[str, object]] = []
    for meeting_id, rows in groupby(pending, key=lambda r: int(r.meeting_id)):
        asked = {int(r.id) for r in rows}
        newest = max(asked)
        # On the connection: plain rows, without the ORM's per-row work, for up to 2.000 of them.
        candidates = session.connection().execute(
            select(Question.id, Question.normalized_text)
            .where(
                Question.meeting_id == meeting_id,
                Question.id <= newest,
                Question.duplicate_of_id.is_(None),
                Question.status.in_(lifecycle.OPEN_STATUSES),
            )
            .order_by(Question.id.desc())
            .limit(CANDIDATES)
        ).all()
        items = [(int(c.id), c.normalized_text) for c in reversed(candidates)]
        positions = {qid: pos for pos, (qid, _) in enumerate(items)}
        found = many.propose(items, [positions[q] for q in sorted(asked) if q in positions])
        for pos, (best, score) in found.items():
            changes.append({"id": items[pos][0], "proposed_duplicate_of_id": best, "proposed_similarity": score})
    if changes:
        session.execute(update(Question), changes)
    session.execute(
        update(Question).where(Question.id.in_([int(r.id) for r in pending])).values(proposal_pending=False)
    )
    return len(pending)


__all__ = ["BATCH", "CANDIDATES", "propose_pending"]
