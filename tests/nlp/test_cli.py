from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from doithoai.nlp_commands import register
from nlp.classify import Classifier
from nlp.corpus import default_corpus_dir

runner = CliRunner()


def make_app(
    corrections: list[tuple[str, str]] | None = None, agency: dict[str, float | int] | None = None
) -> typer.Typer:
    app = typer.Typer()
    register(
        app,
        corrections=(lambda: corrections) if corrections is not None else None,
        agency_accuracy=(lambda: agency) if agency is not None else None,
    )

    @app.command("noop")
    def noop() -> None:  # two commands keep Typer from collapsing the app into one command
        pass

    return app


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_contract(classifier: Classifier, model_path: Path) -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "Xóm tôi mất điện liên tục"}, ensure_ascii=False),
            "duong vao ap 3 bi hu nang",
            "{not json",
            json.dumps({"id": 7, "text": ""}),
            json.dumps({"txt": "x"}),
            json.dumps({"text": 5}),
            "",
        ]
    )
    result = runner.invoke(make_app(), ["classify", "--model", str(model_path)], input=stdin)
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert len(out) == 6
    assert out[0]["field"] == "dien" and set(out[0]) == {"field", "confidence", "alternatives"}
    assert isinstance(out[0]["alternatives"], list) and out[0]["alternatives"][0][0] == "dien"
    assert 0.0 <= float(out[0]["confidence"]) <= 1.0  # type: ignore[arg-type]
    assert out[1]["field"] == "giao_thong"
    assert "error" in out[2] and "error" in out[4] and "error" in out[5]
    assert out[3]["field"] == "khac" and out[3]["id"] == 7


def test_duplicates_contract() -> None:
    rows = [
        {"id": "q1", "text": "Đường vào ấp 3 bị hư nặng"},
        {"id": "q2", "text": "Mất điện ở xóm 4"},
        {"id": "q3", "text": "duong vao ap 3 bi hu nang qua"},
        {"text": "no id"},
        {"id": 4, "text": "mat dien o xom 4 hoai"},
    ]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nbroken {\n"
    result = runner.invoke(make_app(), ["duplicates"], input=stdin)
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert len(out) == 6
    assert out[0] == {"id": "q1", "group": "q1", "similarity": 1.0}
    assert out[2]["group"] == "q1" and out[4]["group"] == "q2"
    assert "error" in out[3]
    assert out[5]["group"] == 6  # a plain line gets its line number as id


def test_similar_contract() -> None:
    rows = [
        {"id": "q1", "text": "Đường vào ấp 3 bị hư nặng"},
        {"id": "q2", "text": "Mất điện ở xóm 4"},
        {"id": "q3", "text": "duong vao ap 3 bi hu nang qua"},
        {"id": 4, "text": "cup dien o xom 4 hoai"},
        {"id": 5, "text": "😀😀"},
    ]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    result = runner.invoke(make_app(), ["similar", "--top", "2"], input=stdin)
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [o["id"] for o in out] == ["q1", "q2", "q3", 4, 5]
    assert out[0]["similar"][0]["id"] == "q3" and out[3]["similar"][0]["id"] == "q2"
    assert all(len(o["similar"]) <= 2 for o in out) and out[4]["similar"] == []  # type: ignore[arg-type]
    assert all(0.0 <= s["score"] <= 1.0 for o in out for s in o["similar"])  # type: ignore[attr-defined]


BAD_LINES = [
    '{"id": ' + "1" * 5000 + ', "text": "x"}',
    '{"id": 1, "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"id": "\\ud800", "text": "x"}',
    '{"id": NaN, "text": "x"}',
    '{"id": Infinity, "text": "x"}',
    '{"id": 1e999, "text": "x"}',
    '{"id": [1], "text": "x"}',
]


def test_bad_lines_get_a_specific_error_and_the_rest_is_processed(model_path: Path, classifier: Classifier) -> None:
    good = json.dumps({"id": "ok", "text": "mất điện ở ấp \ud800 3"})
    stdin = ("\n".join([*BAD_LINES, good]) + "\n").encode("utf-8") + b"\xff\xfe\n" + good.encode("utf-8")
    for args in (["classify", "--model", str(model_path)], ["duplicates"], ["similar"]):
        result = runner.invoke(make_app(), args, input=stdin)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        out = lines(result.stdout)
        assert len(out) == len(BAD_LINES) + 3
        errors = [o for o in out if "error" in o]
        assert len(errors) == len(BAD_LINES) + 1
        assert len({str(o["error"]) for o in errors}) >= 5  # specific, not one generic message
        assert [o["line"] for o in errors] == [*range(1, len(BAD_LINES) + 1), len(BAD_LINES) + 2]
        assert out[len(BAD_LINES)]["id"] == "ok" and out[-1]["id"] == "ok"


def test_train_and_eval(tmp_path: Path, model_path: Path, classifier: Classifier) -> None:
    app = make_app(corrections=[("cột điện nghiêng sắp đổ", "dien")])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for code in ("dien", "nuoc_sach", "giao_thong", "khac"):
        lines = (default_corpus_dir() / f"{code}.txt").read_text(encoding="utf-8").splitlines()[:40]
        (corpus / f"{code}.txt").write_text("\n".join(lines), encoding="utf-8")
    path = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", "--model", str(path), "--corpus", str(corpus), "--with-corrections"])
    assert result.exit_code == 0, result.output
    assert path.exists()
    out_dir = tmp_path / "eval"
    # A database with enough past assignments: its figure is reported, no history is generated.
    app = make_app(agency={"assigned": 80, "judged": 60, "top1": 0.75})
    result = runner.invoke(app, ["eval", "--model", str(model_path), "--out", str(out_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    overall = report["model"]["overall"]
    assert overall["macro_f1"] > 0.8 and overall["macro_f1_ci"][0] <= overall["macro_f1"] <= overall["macro_f1_ci"][1]
    assert report["model"]["intake"]["n"] > 0 and report["splits"]["test"] == report["test"]
    assert 0.0 < report["realistic_prior"]["auto_share"] <= 1.0 and report["balanced"]["macro_f1"] > 0.8
    assert report["duplicates"]["dev"]["similar"]["top3"] > 0.9 and report["duplicates"]["test"]["groups"] > 10
    assert (out_dir / "confusion_test.png").stat().st_size > 1000
    assert report["agency"] == {"database": {"assigned": 80, "judged": 60, "top1": 0.75}}
    text = runner.invoke(app, ["eval", "--model", str(model_path), "--out", str(out_dir)])
    assert "agency suggestion, database: top-1 75.0% on 60 past assignments" in text.stdout


def test_mismatch_is_a_message_not_a_traceback(model_path: Path, tmp_path: Path, classifier: Classifier) -> None:
    other = tmp_path / "fields.toml"
    other.write_text("[[field]]\ncode = 'khac'\nlabel = 'Khác'\n", encoding="utf-8")
    result = runner.invoke(make_app(), ["classify", "--model", str(model_path), "--fields", str(other)], input="x\n")
    assert result.exit_code == 2
    assert "doithoai train" in result.stderr
    assert "Traceback" not in result.output
