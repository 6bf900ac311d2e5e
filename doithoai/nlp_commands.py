"""CLI commands of the NLP side: classify, duplicates, similar, train, eval.

`classify`, `duplicates` and `similar` are a stable contract: JSON lines in (or plain text lines),
JSON lines out, one output line per non-blank input line, in input order. A line that cannot be
read gets `{"error": ..., "line": n}` saying why, and the rest of the input is still processed;
never a traceback.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Annotated, Any

import typer

__all__ = ["parse_line", "read_input", "register"]

_log = logging.getLogger("doithoai.nlp_commands")

CorrectionsLoader = Callable[[], Sequence[tuple[str, str]]]
AgencyAccuracy = Callable[[], dict[str, float | int]]

_BATCH = 256
AGENCY_MIN_JUDGED = 50
"""Fewer past assignments in the database than this: the agency suggestion is also measured on a
generated history (`doithoai.agency_history`)."""
_MAX_ID_CHARS = 1000

ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Tệp mô hình phân loại (mặc định data/model/classifier.joblib)."),
]
FieldsOpt = Annotated[Path | None, typer.Option("--fields", help="Tệp danh mục lĩnh vực (mặc định nlp/fields.toml).")]
CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Thư mục dữ liệu huấn luyện (mặc định nlp/data/corpus).")
]

Parsed = tuple[Hashable, str, bool]
"""(id, text, whether the id was given)"""


def _error(lineno: int, message: str) -> dict[str, Any]:
    return {"error": message, "line": lineno}


def _no_constant(name: str) -> Any:
    raise ValueError(f"NaN/Infinity: {name}")


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _check_id(ident: Any, lineno: int) -> dict[str, Any] | None:
    """An error object when `ident` cannot be echoed back as a JSON id."""
    if isinstance(ident, bool) or not isinstance(ident, (str, int, float)):
        return _error(lineno, 'Khóa "id" phải là chuỗi hoặc số (id must be a string or number)')
    if isinstance(ident, float) and not math.isfinite(ident):
        return _error(lineno, 'Khóa "id" không được là NaN hay vô cực (id must be a finite number)')
    if isinstance(ident, str) and (_has_surrogate(ident) or len(ident) > _MAX_ID_CHARS):
        return _error(lineno, 'Khóa "id" chứa ký tự không hợp lệ hoặc quá dài (invalid or too long id)')
    return None


def _loads(line: str, lineno: int) -> tuple[Any, dict[str, Any] | None]:
    """(the JSON value of a line, None), or (None, an error object saying what is wrong with it)."""
    try:
        return json.loads(line, parse_constant=_no_constant), None
    except RecursionError:
        return None, _error(lineno, "Dòng JSON lồng nhau quá sâu (JSON nested too deeply)")
    except json.JSONDecodeError as exc:
        return None, _error(lineno, f"Dòng không phải JSON hợp lệ (invalid JSON: {exc.msg})")
    except ValueError as exc:
        # Python refuses integers of more than 4.300 digits; NaN/Infinity are refused above.
        reason = "NaN/Infinity" if "NaN/Infinity" in str(exc) else "số quá dài (number too long)"
        return None, _error(lineno, f"Dòng JSON có giá trị không hợp lệ: {reason}")


def parse_line(raw: str, lineno: int, need_id: bool) -> Parsed | dict[str, Any]:
    """(id, text, id given) of one input line, or an error object. A plain (non-JSON) line is
    the text itself, with the line number as id."""
    line = raw.strip()
    if not line.startswith("{"):
        return lineno, line, False
    obj, failure = _loads(line, lineno)
    if failure is not None:
        return failure
    if not isinstance(obj, dict):
        return _error(lineno, "Dòng JSON phải là một đối tượng (expected an object)")
    text = obj.get("text")
    if not isinstance(text, str):
        return _error(lineno, 'Thiếu khóa "text" kiểu chuỗi (missing string "text")')
    if "id" not in obj:
        if need_id:
            return _error(lineno, 'Thiếu khóa "id" (missing "id")')
        return lineno, text, False
    ident = obj["id"]
    bad = _check_id(ident, lineno)
    return bad if bad is not None else (ident, text, True)


def read_input(stream: IO[bytes]) -> Iterator[tuple[int, str | dict[str, Any]]]:
    """(line number, decoded line) for every non-blank line; an error object for a line that
    is not UTF-8."""
    for lineno, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield lineno, _error(lineno, "Dòng không phải UTF-8 (line is not UTF-8)")
            continue
        if line.strip():
            yield lineno, line


def _parsed_input(stream: IO[bytes], need_id: bool) -> Iterator[Parsed | dict[str, Any]]:
    for lineno, line in read_input(stream):
        yield line if isinstance(line, dict) else parse_line(line, lineno, need_id)


def _emit(out: IO[str], obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")


def _stdin() -> IO[bytes]:
    return sys.stdin.buffer


def _fail(exc: Exception) -> typer.Exit:
    message = getattr(exc, "message", None) or str(exc)
    typer.echo(f"Lỗi: {message}", err=True)
    return typer.Exit(code=2)


def _batched(items: Iterable[Parsed | dict[str, Any]], size: int) -> Iterator[list[Parsed | dict[str, Any]]]:
    batch: list[Parsed | dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _settings_paths() -> tuple[Path, Path | None]:
    from doithoai.config import get_settings

    settings = get_settings()
    return settings.model_path, settings.fields_path


def run_classify(model: Path | None, fields: Path | None, corpus: Path | None) -> None:
    from nlp.classify import load_or_train
    from nlp.errors import NlpError

    default_model, default_fields = _settings_paths()
    try:
        clf = load_or_train(model or default_model, fields or default_fields, corpus)
    except NlpError as exc:
        raise _fail(exc) from None
    out = sys.stdout
    for batch in _batched(_parsed_input(_stdin(), need_id=False), _BATCH):
        preds = iter(clf.predict_many([item[1] for item in batch if isinstance(item, tuple)]))
        for item in batch:
            if isinstance(item, dict):
                _emit(out, item)
                continue
            pred = next(preds)
            row: dict[str, Any] = {
                "field": pred.field,
                "confidence": round(pred.confidence, 4),
                "alternatives": [[code, round(p, 4)] for code, p in pred.alternatives],
            }
            _emit(out, {"id": item[0], **row} if item[2] else row)
        out.flush()


def run_duplicates(threshold: float | None) -> None:
    from nlp.grouping import GROUP_MIN, group

    rows = list(_parsed_input(_stdin(), need_id=True))
    items = [(r[0], r[1]) for r in rows if isinstance(r, tuple)]
    hits = iter(group(items, threshold=GROUP_MIN if threshold is None else threshold))
    for r in rows:
        if isinstance(r, dict):
            _emit(sys.stdout, r)
        else:
            hit = next(hits)
            _emit(sys.stdout, {"id": hit.id, "group": hit.group, "similarity": hit.similarity})


def run_similar(top: int) -> None:
    from nlp.similar import similar_all

    rows = list(_parsed_input(_stdin(), need_id=True))
    items = [(r[0], r[1]) for r in rows if isinstance(r, tuple)]
    found = iter(similar_all(items, top=top))
    for r in rows:
        if isinstance(r, dict):
            _emit(sys.stdout, r)
        else:
            best = next(found)
            _emit(sys.stdout, {"id": r[0], "similar": [{"id": cid, "score": score} for cid, score in best]})


def run_train(
    model: Path | None,
    fields: Path | None,
    corpus: Path | None,
    with_corrections: bool,
    corrections: CorrectionsLoader | None,
) -> None:
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
    default_model, default_fields = _settings_paths()
    path = model or default_model
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("Bắt đầu", total=None)
        try:
            clf = train(corpus, fields or default_fields, path, extra,
                        progress=lambda step: progress.update(task, description=step))
        except NlpError as exc:
            raise _fail(exc) from None
        progress.update(task, description="Xong")
    meta = clf.meta
    console.print(
        f"Đã huấn luyện trên {meta.get('examples')} câu ({len(extra)} câu sửa của cán bộ) "
        f"trong {meta.get('seconds')} giây; ngưỡng tự động chấp nhận {clf.auto_accept:.3f} "
        f"(chọn trên dự đoán chéo của {meta.get('threshold_examples')} câu train và dev, mỗi câu do mô hình "
        f"không học nó dự đoán); đã lưu vào {path}."
    )
    missing = meta.get("fields_without_examples") or []
    if missing:
        console.print(f"[yellow]Chưa có câu mẫu cho lĩnh vực: {', '.join(missing)}.[/yellow]")


def _agency_figures(loader: AgencyAccuracy | None) -> dict[str, Any] | None:
    """The agency suggestion's top-1 accuracy on past assignments, or None without a database."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.errors import DomainError

    if loader is None:
        return None
    try:
        return dict(loader())
    except (DomainError, SQLAlchemyError) as exc:
        _log.warning("agency suggestion not evaluated: the database cannot be read (%s)", exc)
        return {"error": "Không đọc được cơ sở dữ liệu để đánh giá gợi ý cơ quan."}


def _agency_report(loader: AgencyAccuracy | None, model_path: Path, fields_path: Path | None,
                   corpus: Path | None, history: bool) -> dict[str, Any]:
    """The agency suggestion on the database's past assignments and, when those are too few, on a
    generated history."""
    from doithoai.agency_history import evaluate_generated_history
    from doithoai.wiring import NlpAnalyzer

    database = _agency_figures(loader)
    report: dict[str, Any] = {"database": database}
    judged = int(database.get("judged", 0)) if database and "error" not in database else 0
    if history and judged < AGENCY_MIN_JUDGED:
        report["generated_history"] = evaluate_generated_history(NlpAnalyzer(model_path, fields_path), corpus)
    return report


def _format_agency(agency: dict[str, Any]) -> list[str]:
    lines = []
    database = agency.get("database")
    if database and "error" in database:
        lines.append(database["error"])
    elif database:
        lines.append(f"agency suggestion, database: top-1 {database['top1']:.1%} on {database['judged']} past "
                     f"assignments (of {database['assigned']}; each judged on the assignments before it)")
    generated = agency.get("generated_history")
    if generated:
        lines.append(f"agency suggestion, generated history (dev and test messages routed by "
                     f"doithoai/agency_history.py): top-1 {generated['top1']:.1%} on {generated['judged']} "
                     f"assignments (of {generated['assigned']}; each judged on the assignments before it)")
    return lines


def run_eval(
    model: Path | None, fields: Path | None, corpus: Path | None, out: Path, as_json: bool,
    agency_accuracy: AgencyAccuracy | None = None, agency_history: bool = True,
) -> None:
    from nlp.classify import load_or_train
    from nlp.duplicate_eval import default_groups_path, evaluate_duplicates, format_duplicates, load_groups
    from nlp.errors import NlpError
    from nlp.evaluate import evaluate, format_report, load_splits, plot_confusion
    from nlp.fields import load_fields

    default_model, default_fields = _settings_paths()
    try:
        field_list = load_fields(fields or default_fields)
        clf = load_or_train(model or default_model, fields or default_fields, corpus)
    except NlpError as exc:
        raise _fail(exc) from None
    parts = load_splits(corpus, field_list)
    if not parts["test"]:
        typer.echo("Lỗi: không có dữ liệu kiểm tra (test) để đánh giá.", err=True)
        raise typer.Exit(code=2)
    report = evaluate(clf, parts["test"], field_list, split_sizes={k: len(v) for k, v in parts.items()})
    others = [e.text for e in parts["test"]]
    report["duplicates"] = {
        name: evaluate_duplicates(load_groups(default_groups_path(name)), distractors=others)
        for name in ("dev", "test")
    }
    report["agency"] = _agency_report(agency_accuracy, model or default_model, fields or default_fields, corpus,
                                      agency_history)
    out.mkdir(parents=True, exist_ok=True)
    png = plot_confusion(report, out / "confusion_test.png")
    report["png"] = [str(png)] if png is not None else []
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(format_report(report))
    for name in ("dev", "test"):
        typer.echo(format_duplicates(report["duplicates"][name], name))
    for line in _format_agency(report["agency"]):
        typer.echo(line)
    typer.echo(f"Ma trận nhầm lẫn: {', '.join(report['png'])}")


def register(
    app: typer.Typer, corrections: CorrectionsLoader | None = None, agency_accuracy: AgencyAccuracy | None = None
) -> None:
    """Add `classify`, `duplicates`, `similar`, `train` and `eval` to `app`. `corrections`, when
    given, returns organisers' corrections as (text, field code) for `train --with-corrections`;
    `agency_accuracy` measures the agency suggestion on the database for `eval`."""

    @app.command("classify")
    def classify_cmd(model: ModelOpt = None, fields: FieldsOpt = None, corpus: CorpusOpt = None) -> None:
        """Gợi ý lĩnh vực: đọc JSON lines có khóa "text" (hoặc văn bản thuần) từ stdin, ghi một dòng
        JSON {"field", "confidence", "alternatives"} cho mỗi dòng vào."""
        run_classify(model, fields, corpus)

    @app.command("duplicates")
    def duplicates_cmd(
        threshold: Annotated[
            float | None, typer.Option(min=0.0, max=1.0, help="Ngưỡng giống nhau để tự động gộp.")
        ] = None,
    ) -> None:
        """Nhóm câu hỏi trùng (chỉ khi chắc chắn): đọc JSON lines có "id" và "text", ghi một dòng
        {"id", "group", "similarity"} cho mỗi dòng vào, "group" là id câu đầu tiên của nhóm."""
        run_duplicates(threshold)

    @app.command("similar")
    def similar_cmd(
        top: Annotated[int, typer.Option("--top", min=1, max=100, help="Số câu giống nhất cho mỗi câu.")] = 5,
    ) -> None:
        """Câu hỏi giống nhau: đọc hết JSON lines có "id" và "text", rồi ghi cho mỗi dòng vào một dòng
        {"id", "similar": [{"id", "score"}, ...]} gồm các câu khác giống nhất, giống nhất trước."""
        run_similar(top)

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
        """Huấn luyện lại mô hình phân loại lĩnh vực trên tập train và dev; chọn ngưỡng tự động chấp nhận
        trên dự đoán chéo."""
        run_train(model, fields, corpus, with_corrections, corrections)

    @app.command("eval")
    def eval_cmd(
        model: ModelOpt = None,
        fields: FieldsOpt = None,
        corpus: CorpusOpt = None,
        out: Annotated[Path, typer.Option("--out", help="Thư mục ghi ma trận nhầm lẫn (PNG) và báo cáo JSON.")] = Path(
            "data/model/eval"
        ),
        as_json: Annotated[bool, typer.Option("--json", help="Chỉ in một dòng JSON.")] = False,
        agency_history: Annotated[
            bool,
            typer.Option(
                "--agency-history/--no-agency-history",
                help="Khi cơ sở dữ liệu có ít hơn 50 lần giao việc: đo thêm gợi ý cơ quan trên một lịch sử giao việc "
                "được tạo ra (khoảng 1 phút).",
            ),
        ] = True,
    ) -> None:
        """Đánh giá trên tập test (không dùng để huấn luyện hay chỉnh): macro-F1 với khoảng tin cậy 95%,
        tập giống tin nhắn thật, tỷ lệ tự động chấp nhận, câu hỏi trùng."""
        run_eval(model, fields, corpus, out, as_json, agency_accuracy, agency_history)
