"""`doithoai train --with-corrections` takes organisers' corrections from the database."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from doithoai.context import Services
from harness.factories import make_world
from nlp.corpus import default_corpus_dir
from storage.actions import questions
from storage.analysis import PlainAnalyzer


def test_train_with_corrections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", f"sqlite:///{tmp_path}/c.db")
    model = tmp_path / "model.joblib"
    monkeypatch.setenv("DOITHOAI_MODEL_PATH", str(model))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["init-db"]).exit_code == 0
    ctx = Services()
    with ctx.transaction() as session:
        w = make_world(session)
        q = questions.submit_question(session, meeting_id=w.meeting_a.id, text="Cống thoát nước ấp 4 bị nghẹt",
                                      channel="web", analyzer=PlainAnalyzer())
        q.suggested_field = "nuoc_sach"
        questions.set_field(session, q.id, "moi_truong", actor="org")
    corpus = tmp_path / "corpus"  # a small corpus: what is tested is that the corrections are taken
    corpus.mkdir()
    for code in ("dien", "nuoc_sach", "giao_thong", "moi_truong", "khac"):
        lines = (default_corpus_dir() / f"{code}.txt").read_text(encoding="utf-8").splitlines()[:40]
        (corpus / f"{code}.txt").write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["train", "--with-corrections", "--corpus", str(corpus)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert model.exists()
    assert "(1 câu sửa của cán bộ)" in " ".join(result.output.split())
    assert joblib.load(model) is not None
