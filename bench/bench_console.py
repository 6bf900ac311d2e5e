"""The console at 1.000.000 questions: p50/p95 of the queue page, a filtered search, the question page
and the province report, served by the real app over HTTP on 127.0.0.1.

Usage: python bench/bench_console.py [--backend sqlite|postgresql|both] [--questions N] [--runs R]
Prints one JSON line, then a short table. Goals: pages p95 ≤ 200 ms, province report p95 ≤ 2 s.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doithoai.config import Settings
from harness.databases import scratch_postgres
from storage import lifecycle
from storage.actions import meetings, units, users
from storage.analysis import PlainAnalyzer, fold
from storage.db import is_postgres, make_engine, make_sessionmaker, session_scope
from storage.migrate import upgrade
from storage.models import Question, StatusEvent
from web.app import create_app

FIELDS = ["dat_dai", "xay_dung_do_thi", "giao_thong", "dien", "nuoc_sach", "moi_truong", "nong_nghiep", "y_te",
          "bao_hiem", "giao_duc", "chinh_sach_xa_hoi", "lao_dong_viec_lam", "an_ninh_trat_tu", "hanh_chinh_cong",
          "can_bo_chinh_quyen", "kinh_te_tai_chinh", "van_hoa_thong_tin", "khac"]
TOPICS = ["Đường vào ấp {n} bị hư nặng, mùa mưa đi lại khó khăn", "Ấp {n} thường xuyên mất điện buổi tối",
          "Nước máy ở ấp {n} có mùi phèn", "Thủ tục cấp đổi sổ đỏ thửa đất số {n} kéo dài",
          "Giá phân bón tăng, giá lúa vụ {n} thấp, thương lái ép giá", "Thẻ bảo hiểm y tế hết hạn, gia hạn ở đâu",
          "Đề nghị tăng phụ cấp cán bộ ấp {n}", "Cơ sở chăn nuôi ở ấp {n} gây ô nhiễm",
          "Trường tiểu học ấp {n} xuống cấp", "Hồ sơ hộ nghèo nộp {n} tháng chưa có kết quả"]
STATUS_MIX = [(lifecycle.RESOLVED, 0.70), (lifecycle.IN_PROGRESS, 0.06), (lifecycle.ASSIGNED, 0.05),
              (lifecycle.UNRESOLVED, 0.02), (lifecycle.ESCALATED, 0.01), (lifecycle.TRIAGED, 0.06),
              (lifecycle.RECEIVED, 0.10)]
BIG_MEETING_SHARE = 0.05  # one province meeting holds 5% of all questions: the worst queue to page through
PASSWORD = "bench-password-123"
CHUNK = 20_000


def _statuses(rnd: random.Random, n: int) -> list[str]:
    names, weights = zip(*STATUS_MIX, strict=True)
    return rnd.choices(names, weights=weights, k=n)


def build(url: str, total: int) -> dict[str, Any]:
    """Units, agencies, meetings and `total` questions (10% duplicates) with bulk inserts."""
    rnd = random.Random(11)
    started = time.perf_counter()
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        province = units.create_unit(s, code="HG", name="Tỉnh Hậu Giang", level="tỉnh")
        districts = [units.create_unit(s, code=f"HG-D{i}", name=f"Huyện {i}", level="huyện", parent_id=province.id)
                     for i in range(8)]
        communes = [units.create_unit(s, code=f"HG-C{i}", name=f"Xã {i}", level="xã",
                                      parent_id=districts[i % 8].id) for i in range(75)]
        agencies = [units.create_agency(s, unit_id=u.id, name=f"Phòng Kinh tế {u.name}").id for u in districts]
        agencies.append(units.create_agency(s, unit_id=province.id, name="Sở Nông nghiệp và Môi trường").id)
        plan: list[tuple[int, int, int]] = []
        big = meetings.create_meeting(s, unit_id=province.id, code="BIG", title="Đối thoại với nông dân toàn tỉnh",
                                      starts_at=now + timedelta(days=20), state="open")
        plan.append((big.id, province.id, int(total * BIG_MEETING_SHARE)))
        hosts = [province] * 20 + districts * 12 + communes * 8
        rest = total - plan[0][2]
        for i, unit in enumerate(hosts):
            m = meetings.create_meeting(s, unit_id=unit.id, code=f"M{i:05d}", title=f"Hội nghị đối thoại {i}",
                                        starts_at=now - timedelta(days=rnd.randint(1, 1800)), state="held")
            m.attendance = rnd.randint(50, 400)
            plan.append((m.id, unit.id, rest // len(hosts) + (1 if i < rest % len(hosts) else 0)))
        users.create_user(s, username="tinh", role="organiser", password=PASSWORD, unit_id=province.id)
    qid = 0
    with engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        for meeting_id, unit_id, count in plan:
            first = qid + 1
            for status in _statuses(rnd, count):
                qid += 1
                text_ = rnd.choice(TOPICS).format(n=rnd.randint(1, 40))
                field = rnd.choice(FIELDS)
                dup = rnd.randint(first, qid - 1) if qid > first and rnd.random() < 0.10 else None
                assigned = status in (lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.RESOLVED,
                                      lifecycle.UNRESOLVED)
                created = now - timedelta(days=rnd.randint(0, 1800), minutes=rnd.randint(0, 1440))
                rows.append({
                    "id": qid, "ticket": f"HG-2026-{qid:07d}", "meeting_id": meeting_id, "unit_id": unit_id,
                    "channel": rnd.choice(("telegram", "zalo", "zalo", "web")), "original_text": text_,
                    "normalized_text": text_, "search_text": fold(text_), "suggested_field": field,
                    "confidence": round(rnd.random(), 3), "confirmed_field": field if status != "received" else None,
                    "needs_review": status == "received" and rnd.random() < 0.3, "duplicate_of_id": dup,
                    "status": status, "agency_id": rnd.choice(agencies) if assigned else None,
                    "due_date": (created + timedelta(days=30)).date() if assigned else None,
                    "answered_at_meeting": False, "version": 1, "created_at": created, "updated_at": created,
                    # The time of its status event below, as storage.actions.questions records it.
                    "resolved_at": created if status == lifecycle.RESOLVED else None,
                })
                if len(rows) >= CHUNK:
                    conn.execute(insert(Question), rows)
                    rows = []
        if rows:
            conn.execute(insert(Question), rows)
        conn.execute(insert(StatusEvent).from_select(
            ["question_id", "kind", "from_value", "to_value", "actor", "at"],
            text("SELECT id, 'status', 'assigned', 'resolved', 'bench', updated_at FROM questions "
                 "WHERE status = 'resolved'").columns()))
    if is_postgres(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"questions": qid, "meetings": len(plan), "big_meeting": plan[0][0],
            "load_seconds": round(time.perf_counter() - started, 1)}


class BenchContext:
    def __init__(self, url: str, tmp: Path) -> None:
        self.settings = Settings(database_url=url, secret_key="b" * 48, upload_dir=tmp / "uploads")
        self.engine: Engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.analyzer = PlainAnalyzer()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with session_scope(self.sessions) as session:
            yield session


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(fn: Callable[[], httpx.Response], runs: int) -> dict[str, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = fn()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (r.status_code, r.text[:300])
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(len(times) * .95) - 1)], 1)}


def measure(url: str, big_meeting: int, runs: int, tmp: Path) -> dict[str, Any]:
    ctx = BenchContext(url, tmp)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"username": "tinh", "password": PASSWORD, "csrf_token": token})
        with ctx.sessions() as s:
            province = s.execute(text("SELECT id FROM units WHERE code = 'HG'")).scalar_one()
            sample = list(s.execute(text("SELECT id FROM questions WHERE meeting_id = :m AND duplicate_of_id IS NULL "
                                         "ORDER BY id DESC LIMIT 500"), {"m": big_meeting}).scalars())
        rnd = random.Random(3)
        q_page = f"/meetings/{big_meeting}/queue"
        out = {
            "queue_page": _timed(lambda: client.get(q_page, params={"page": rnd.randint(1, 40)}), runs),
            "filtered_search": _timed(lambda: client.get(q_page, params={
                "q": rnd.choice(["duong vao ap", "mất điện", "so do", "phèn"]), "status": "open",
                "field": rnd.choice(FIELDS[:6])}), runs),
            "question_page": _timed(lambda: client.get(f"/questions/{rnd.choice(sample)}"), runs),
            "province_report": _timed(lambda: client.get("/reports", params={"unit": province}), max(5, runs // 4)),
        }
    server.should_exit = True
    thread.join(timeout=10)
    ctx.engine.dispose()
    return out


def run_backend(backend: str, total: int, runs: int, pg_url: str) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="doithoai-bench-"))
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        try:
            upgrade(url)
            built = build(url, total)
            return {"backend": backend, **built, **measure(url, built["big_meeting"], runs, tmp)}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        with scratch_postgres(pg_url) as url:
            upgrade(url)
            built = build(url, total)
            return {"backend": backend, **built, **measure(url, built["big_meeting"], runs, tmp)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_backend(b, args.questions, args.runs, args.pg_url) for b in backends]
    print(json.dumps({"bench": "console", "date": date.today().isoformat(), "results": results}, ensure_ascii=False))
    out = io.StringIO()
    out.write(f"{'backend':<11}{'load s':>8}{'queue p50/p95':>16}{'search p50/p95':>17}{'question p50/p95':>19}"
              f"{'report p50/p95':>17}\n")
    for r in results:
        cells = [f"{r[k]['p50_ms']:.0f}/{r[k]['p95_ms']:.0f} ms" for k in
                 ("queue_page", "filtered_search", "question_page", "province_report")]
        out.write(f"{r['backend']:<11}{r['load_seconds']:>8}{cells[0]:>16}{cells[1]:>17}{cells[2]:>19}{cells[3]:>17}\n")
    print(out.getvalue(), end="")


if __name__ == "__main__":
    main()
