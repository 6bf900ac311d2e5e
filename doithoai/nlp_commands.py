"""CLI commands of the NLP side: classify, duplicates, train, eval.

`doithoai classify` and `doithoai duplicates` are a stable contract (JSON lines in, JSON lines
out, one output line per input line, an "error" key for a bad line, never a traceback).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

__all__ = ["register"]

CorrectionsLoader = Callable[[], Sequence[tuple[str, str]]]

_BATCH = 256

ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Tệp mô hình phân loại (mặc định data/model/classifier.joblib)."),
]
FieldsOpt = Annotated[Path | None, typer.Option("--fields", help="Tệp danh mục lĩnh vực (mặc định nlp/fields.toml).")]
CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Thư mục dữ liệu huấn luyện (mặc định nlp/data/corpus).")
]


def _emit(out: TextIO, obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


Parsed = tuple[Hashable, str, bool]
"""(id, text, whether the id was given)"""


def _parse_line(raw: str, lineno: int, need_id: bool) -> Parsed | dict[str, Any]:
    """(id, text, id given) of one input line, or an error object. A plain (non-JSON) line is
    the text itself, with the line number as id."""
    line = raw.strip()
    if not line.startswith("{"):
        return lineno, line, False
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"Dòng không phải JSON hợp lệ (invalid JSON: {exc.msg})", "line": lineno}
    if not isinstance(obj, dict):
        return {"error": "Dòng JSON phải là một đối tượng (expected an object)", "line": lineno}
    text = obj.get("text")
    if not isinstance(text, str):
        return {"error": 'Thiếu khóa "text" kiểu chuỗi (missing string "text")', "line": lineno}
    if "id" not in obj:
        if need_id:
            return {"error": 'Thiếu khóa "id" (missing "id")', "line": lineno}
        return lineno, text, False
    ident = obj["id"]
    if not isinstance(ident, (str, int, float, bool)) and ident is not None:
        return {"error": 'Khóa "id" phải là chuỗi hoặc số (id must be a string or number)', "line": lineno}
    return ident, text, True


def _input_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    for lineno, raw in enumerate(stream, start=1):
        if raw.strip():
            yield lineno, raw


def _fail(exc: Exception) -> typer.Exit:
    message = getattr(exc, "message_vi", None) or str(exc)
    typer.echo(f"Lỗi: {message}", err=True)
    return typer.Exit(code=2)


def _batched(items: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _model_path() -> Path:
    from doithoai.config import get_settings

    return get_settings().model_path


def _fields_path() -> Path | None:
    from doithoai.config import get_settings

    return get_settings().fields_path


def register(app: typer.Typer, corrections: CorrectionsLoader | None = None) -> None:
    """Add `classify`, `duplicates`, `train` and `eval` to `app`. `corrections`, when given,
    returns organisers' corrections as (text, field code) for `train --with-corrections`."""

    @app.command("classify")
    def classify_cmd(model: ModelOpt = None, fields: FieldsOpt = None, corpus: CorpusOpt = None) -> None:
        """Gợi ý lĩnh vực: đọc JSON lines có khóa "text" (hoặc văn bản thuần) từ stdin, ghi một dòng
        JSON {"field", "confidence", "alternatives"} cho mỗi dòng vào."""
        from nlp.classify import load_or_train
        from nlp.errors import NlpError

        try:
            clf = load_or_train(model or _model_path(), fields or _fields_path(), corpus)
        except NlpError as exc:
            raise _fail(exc) from None
        out = sys.stdout
        for batch in _batched(_input_lines(sys.stdin), _BATCH):
            parsed = [(lineno, _parse_line(raw, lineno, need_id=False)) for lineno, raw in batch]
            texts = [item[1] for _, item in parsed if isinstance(item, tuple)]
            preds = iter(clf.predict_many(texts))
            for _, item in parsed:
                if isinstance(item, dict):
                    _emit(out, item)
                    continue
                pred = next(preds)
                row: dict[str, Any] = {
                    "field": pred.field,
                    "confidence": round(pred.confidence, 4),
                    "alternatives": [[code, round(p, 4)] for code, p in pred.alternatives],
                }
                if item[2]:
                    row = {"id": item[0], **row}
                _emit(out, row)
            out.flush()

    @app.command("duplicates")
    def duplicates_cmd(
        threshold: Annotated[
            float | None, typer.Option(min=0.0, max=1.0, help="Ngưỡng giống nhau để đề xuất gộp.")
        ] = None,
    ) -> None:
        """Nhóm câu hỏi trùng: đọc JSON lines có "id" và "text", ghi một dòng
        {"id", "group", "similarity"} cho mỗi dòng vào, "group" là id câu đầu tiên của nhóm."""
        from nlp.duplicates import DEFAULT_THRESHOLD, group

        rows: list[Parsed | dict[str, Any]] = [
            _parse_line(raw, lineno, need_id=True) for lineno, raw in _input_lines(sys.stdin)
        ]
        items = [(r[0], r[1]) for r in rows if isinstance(r, tuple)]
        hits = iter(group(items, threshold=DEFAULT_THRESHOLD if threshold is None else threshold))
        for r in rows:
            if isinstance(r, dict):
                _emit(sys.stdout, r)
            else:
                hit = next(hits)
                _emit(sys.stdout, {"id": hit.id, "group": hit.group, "similarity": hit.similarity})

    @app.command("train")
    def train_cmd(
        model: ModelOpt = None,
        fields: FieldsOpt = None,
        corpus: CorpusOpt = None,
        with_corrections: Annotated[
            bool,
            typer.Option("--with-corrections", help="Thêm các lĩnh vực do cán bộ sửa lại làm dữ liệu huấn luyện."),
        ] = False,
    ) -> None:
        """Huấn luyện lại mô hình phân loại lĩnh vực (không dùng phần dữ liệu để đánh giá)."""
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from nlp.classify import train
        from nlp.errors import NlpError

        extra: Sequence[tuple[str, str]] = ()
        if with_corrections:
            if corrections is None:
                typer.echo("Lỗi: lệnh này chưa được nối với cơ sở dữ liệu để lấy các sửa đổi.", err=True)
                raise typer.Exit(code=2)
            extra = corrections()
        path = model or _model_path()
        fields = fields or _fields_path()
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("Bắt đầu", total=None)
            try:
                clf = train(corpus, fields, path, extra, progress=lambda step: progress.update(task, description=step))
            except NlpError as exc:
                raise _fail(exc) from None
            progress.update(task, description="Xong")
        meta = clf.meta
        console.print(
            f"Đã huấn luyện trên {meta.get('examples')} câu ({len(extra)} câu sửa của cán bộ) "
            f"trong {meta.get('seconds')} giây; đã lưu vào {path}."
        )
        missing = meta.get("fields_without_examples") or []
        if missing:
            console.print(f"[yellow]Chưa có câu mẫu cho lĩnh vực: {', '.join(missing)}.[/yellow]")

    @app.command("eval")
    def eval_cmd(
        model: ModelOpt = None,
        fields: FieldsOpt = None,
        corpus: CorpusOpt = None,
        out: Annotated[Path, typer.Option("--out", help="Thư mục ghi ma trận nhầm lẫn (PNG) và báo cáo JSON.")] = Path(
            "data/model/eval"
        ),
        as_json: Annotated[bool, typer.Option("--json", help="Chỉ in một dòng JSON.")] = False,
    ) -> None:
        """Đánh giá mô hình trên phần dữ liệu giữ lại: macro-F1, P/R từng lĩnh vực, có dấu/không dấu."""
        from nlp.classify import load_or_train
        from nlp.errors import NlpError
        from nlp.evaluate import evaluate, format_report, heldout_examples, plot_confusion
        from nlp.fields import load_fields

        try:
            field_list = load_fields(fields)
            clf = load_or_train(model or _model_path(), fields or _fields_path(), corpus)
        except NlpError as exc:
            raise _fail(exc) from None
        train_split, heldout = heldout_examples(corpus, field_list)
        if not heldout:
            typer.echo("Lỗi: không có dữ liệu giữ lại để đánh giá.", err=True)
            raise typer.Exit(code=2)
        report = evaluate(clf, heldout, field_list, train_examples=train_split)
        out.mkdir(parents=True, exist_ok=True)
        pngs = [
            plot_confusion(report, out / f"confusion_{name}.png", name)
            for name in ("overall", "with_diacritics", "without_diacritics")
        ]
        report["png"] = [str(p) for p in pngs if p is not None]
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
        else:
            typer.echo(format_report(report))
            typer.echo(f"Ma trận nhầm lẫn: {', '.join(report['png'])}")
