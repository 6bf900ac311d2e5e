"""`doithoai import` at the seed's five-year scale: 176.386 rows of a CSV file into SQLite and PostgreSQL.

Usage: python bench/bench_import.py [--backend sqlite|postgresql|both] [--rows N] [--batch-size N] [--workers N]
Runs the real command (`python -m doithoai import FILE`) in a child process on a fresh database with
779 meetings, after training the classifier once outside the timing. The file holds a few bad rows of
each kind (unknown meeting, unknown field code, a NUL character, a bad date); the run passes when each
of them is reported by its row number and every good row is stored.
Prints one JSON line, then a short table. Goal (2 cores): ≤ 120 s per backend.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.databases import scratch_postgres
from harness.results import print_results
from nlp.corpus import default_corpus_dir, load_corpus
from nlp.fields import load_fields
from storage import lifecycle
from storage.actions import meetings, units
from storage.clock import utcnow
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.migrate import upgrade
from storage.models import Question

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 120.0
# The seed's five years: 22 province, 94 district and 663 commune meetings.
MEETINGS = 22 + 94 + 663
BAD_KINDS = ("meeting", "field", "nul", "date")
BAD_EACH = 25
STATUSES = [lifecycle.RESOLVED] * 90 + [lifecycle.IN_PROGRESS] * 4 + [lifecycle.UNRESOLVED] * 3 + [
    lifecycle.ESCALATED, lifecycle.RECEIVED, lifecycle.TRIAGED]


def write_file(path: Path, rows: int, seed: int = 7) -> set[int]:
    """The CSV; returns the numbers of the rows that must be reported as bad."""
    rnd = random.Random(seed)
    corpus = load_corpus(default_corpus_dir())
    labels = {f.code: f.label for f in load_fields()}
    bad_rows = set(rnd.sample(range(2, rows + 2), len(BAD_KINDS) * BAD_EACH))
    kinds = dict(zip(sorted(bad_rows), [k for k in BAD_KINDS for _ in range(BAD_EACH)], strict=True))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["meeting_code", "text", "field", "status", "created_at", "answer"])
        for number in range(2, rows + 2):
            text_, code = corpus[rnd.randrange(len(corpus))]
            text_ = f"{text_} (ấp {rnd.randint(1, 12)})" if rnd.random() < 0.5 else text_
            field = rnd.choice([code, code, labels.get(code, code), ""])
            row = [f"M{rnd.randrange(MEETINGS):04d}", text_, field, rnd.choice(STATUSES),
                   f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(2019, 2023)}",
                   "Đã trả lời tại hội nghị." if rnd.random() < 0.3 else ""]
            kind = kinds.get(number)
            if kind == "meeting":
                row[0] = "KHONGCO"
            elif kind == "field":
                row[2] = rnd.choice(["xyz", "giao thong nong thon", "khong_co"])
            elif kind == "nul":
                row[1] = row[1][:10] + "\x00" + row[1][10:]
            elif kind == "date":
                row[4] = "31/02/2021"
            out.writerow(row)
    return bad_rows


def prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as s:
        province = units.create_unit(s, code="HG", name="Tỉnh Hậu Giang", level="tỉnh")
        districts = [units.create_unit(s, code=f"D{i}", name=f"Huyện {i}", level="huyện", parent_id=province.id)
                     for i in range(8)]
        communes = [units.create_unit(s, code=f"C{i}", name=f"Xã {i}", level="xã", parent_id=districts[i % 8].id)
                    for i in range(75)]
        places = [province] * 22 + [districts[i % 8] for i in range(94)] + [communes[i % 75] for i in range(663)]
        for i, unit in enumerate(places):
            meetings.create_meeting(s, unit_id=unit.id, code=f"M{i:04d}", title=f"Hội nghị {i}", starts_at=utcnow(),
                                    state="held")
    engine.dispose()


def run(url: str, csv_path: Path, bad_rows: set[int], rows: int, model: Path, options: list[str]) -> dict[str, object]:
    prepare(url)
    env = {**os.environ, "DOITHOAI_DATABASE_URL": url, "DOITHOAI_MODEL_PATH": str(model)}
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "doithoai", "import", str(csv_path), *options],
                          env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    load_after = os.getloadavg()[0]
    reported = {int(n) for n in re.findall(r"Dòng (\d+):", done.stdout)}
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(Question)).scalar_one())
    engine.dispose()
    good = rows - len(bad_rows)
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "cpu_s": round(cpu, 1), "load_before": round(load_before, 2), "load_after": round(load_after, 2),
            "stored": stored, "bad_reported": len(reported), "exit_code": done.returncode,
            "ok": reported == bad_rows and stored == good and done.returncode == 2,
            "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode not in (0, 2) else []}


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the import and its workers; not the database server)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_postgres(fn: Callable[[str], dict[str, object]]) -> dict[str, object] | None:
    try:
        with scratch_postgres() as url:
            return fn(url)
    except OperationalError as exc:  # no PostgreSQL here: that backend is skipped, said why
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=176_386)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the command's own)")
    args = parser.parse_args()
    from nlp import classify

    options = ["--batch-size", str(args.batch_size)]
    if args.workers is not None:
        options += ["--workers", str(args.workers)]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "model.joblib"
        classify.load_or_train(model)
        csv_path = work / "questions.csv"
        bad_rows = write_file(csv_path, args.rows)
        results: dict[str, object] = {}
        if args.backend in ("sqlite", "both"):
            results["sqlite"] = run(f"sqlite:///{work}/bench.db", csv_path, bad_rows, args.rows, model, options)
        if args.backend in ("postgresql", "both"):
            pg = with_postgres(lambda url: run(url, csv_path, bad_rows, args.rows, model, options))
            if pg is not None:
                results["postgresql"] = pg
    columns = [("rows", "rows"), ("seconds", "seconds"), ("rows/s", "rows_per_s"), ("CPU s", "cpu_s"),
               ("load before", "load_before"), ("stored", "stored"), ("bad rows", "bad_reported"), ("ok", "ok")]
    print_results("import", {k: v for k, v in results.items() if isinstance(v, dict)}, columns,
                  goal_s=GOAL_SECONDS, cpus=os.cpu_count(), load=round(os.getloadavg()[0], 1))


if __name__ == "__main__":
    main()
