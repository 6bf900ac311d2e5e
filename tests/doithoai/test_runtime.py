"""`doithoai serve`'s background passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from doithoai import runtime
from doithoai.config import Settings
from doithoai.context import Services
from harness.factories import ask, make_world
from storage.actions import proposals
from storage.models import Question


def test_a_pass_of_proposals_looks_at_every_waiting_question(sqlite_url: str, model_file: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proposals, "BATCH", 4)  # more than one batch waiting
    ctx = Services(Settings(_env_file=None, database_url=sqlite_url, model_path=model_file))  # type: ignore[call-arg]
    with ctx.transaction() as s:
        meeting = make_world(s).meeting_a
        texts = ["Đường vào ấp 3 bị hư nặng", "Mất điện cả đêm ở xóm Bàu"] * 5
        ids = [ask(s, meeting, t).id for t in texts]
    assert runtime.propose_once(ctx) == 10
    with ctx.transaction() as s:
        rows = s.execute(select(Question.id, Question.proposal_pending, Question.proposed_duplicate_of_id)
                         .where(Question.id.in_(ids)).order_by(Question.id)).all()
    assert not any(r.proposal_pending for r in rows)
    assert [r.proposed_duplicate_of_id for r in rows[:2]] == [None, None]
    assert all(r.proposed_duplicate_of_id == ids[i % 2] for i, r in enumerate(rows) if i >= 2)
    assert runtime.propose_once(ctx) == 0
    ctx.engine.dispose()
