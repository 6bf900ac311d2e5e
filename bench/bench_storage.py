"""Storage at the seed's five-year scale: load 176.386 questions, then time the queue page and the report.

Usage: python bench/bench_storage.py [--backend sqlite|postgresql|both] [--questions N]
Prints one JSON line, then a short table. Goals (2 cores): load ≤ 60 s, queue page ≤ 50 ms, report ≤ 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.databases import scratch_postgres
from harness.results import print_results
from storage import lifecycle, reports
from storage.actions import meetings, units
from storage.clock import utcnow
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.migrate import upgrade
from storage.models import Meeting, Question, Unit
from storage.queries import queue
from storage.reach import Reach

FIELDS = ["dat_dai", "xay_dung_do_thi", "giao_thong", "dien", "nuoc_sach", "moi_truong", "nong_nghiep", "y_te",
          "bao_hiem", "giao_duc", "chinh_sach_xa_hoi", "lao_dong_viec_lam", "an_ninh_trat_tu", "hanh_chinh_cong",
          "can_bo_chinh_quyen", "kinh_te_tai_chinh", "van_hoa_thong_tin", "khac"]
# The seed's five years: (level, meetings, questions)
SEED = [("tỉnh", 22, 16_853), ("huyện", 94, 122_159), ("xã", 663, 37_374)]
STATUS_MIX = [(lifecycle.RESOLVED, 0.80), (lifecycle.IN_PROGRESS, 0.06), (lifecycle.ASSIGNED, 0.04),
              (lifecycle.UNRESOLVED, 0.02), (lifecycle.ESCALATED, 0.01), (lifecycle.TRIAGED, 0.03),
              (lifecycle.RECEIVED, 0.04)]


def build(url: str, total: int) -> dict[str, float]:
    rnd = random.Random(7)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    scale = total / sum(q for _, _, q in SEED)
    with session_scope(factory) as s:
        province = units.create_unit(s, code="HG", name="Tỉnh Hậu Giang", level="tỉnh")
        districts = [units.create_unit(s, code=f"D{i}", name=f"Huyện {i}", level="huyện", parent_id=province.id)
                     for i in range(8)]
        communes = [units.create_unit(s, code=f"C{i}", name=f"Xã {i}", level="xã", parent_id=districts[i % 8].id)
                    for i in range(75)]
        by_level = {"tỉnh": [province], "huyện": districts, "xã": communes}
        plan: list[tuple[int, int, int]] = []  # (meeting id, unit id, questions)
        now = utcnow()
        for level, n_meetings, n_questions in SEED:
            level_total = round(n_questions * scale)
            for i in range(n_meetings):
                per = level_total // n_meetings + (1 if i < level_total % n_meetings else 0)
                unit = rnd.choice(by_level[level])
                m = meetings.create_meeting(
                    s, unit_id=unit.id, title=f"Hội nghị {level} {i}", code=f"{level[0].upper()}{i:05d}",
                    starts_at=now - timedelta(days=rnd.randint(-60, 5 * 365)), state="open")
                plan.append((m.id, unit.id, per))
        ids = {"district_id": districts[0].id, "province_id": province.id}
    t0 = time.perf_counter()
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    batch: list[dict[str, object]] = []
    inserted = 0
    seq = 0
    with engine.begin() as conn:
        for meeting_id, unit_id, per in plan:
            for _ in range(per):
                if inserted + len(batch) >= total:
                    break
                seq += 1
                field = rnd.choice(FIELDS)
                created = now - timedelta(minutes=rnd.randint(0, 5 * 365 * 24 * 60))
                batch.append({
                    "ticket": f"HG-2026-{seq:06d}", "meeting_id": meeting_id, "unit_id": unit_id, "channel": "web",
                    "original_text": f"Câu hỏi số {seq} về {field}", "normalized_text": f"cau hoi so {seq} ve {field}",
                    "search_text": f"cau hoi so {seq} ve {field}", "suggested_field": field, "confidence": 0.9,
                    "status": rnd.choices(statuses, weights)[0], "created_at": created, "updated_at": created,
                    "version": 1, "needs_review": False, "answered_at_meeting": False,
                })
                if len(batch) == 5000:
                    conn.execute(insert(Question), batch)
                    inserted += len(batch)
                    batch = []
        if batch:
            conn.execute(insert(Question), batch)
            inserted += len(batch)
        # Some duplicates, so the queue's "how many ask the same" ordering has work to do.
        conn.execute(text(
            "UPDATE questions SET duplicate_of_id = id - 1 WHERE id % 7 = 0 AND status IN ('received','triaged')"))
    load_s = time.perf_counter() - t0
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    queue_ms = []
    report_ms = []
    with session_scope(factory) as s:
        district = s.get(Unit, ids["district_id"])
        province_unit = s.get(Unit, ids["province_id"])
        assert district is not None and province_unit is not None
        reach = Reach.for_unit(province_unit)
        for _ in range(20):
            t = time.perf_counter()
            rows = queue(s, district, reach, limit=50)
            queue_ms.append((time.perf_counter() - t) * 1000)
        assert rows, "the queue is empty"
        for _ in range(5):
            t = time.perf_counter()
            rep = reports.per_level(s, province_unit)
            report_ms.append((time.perf_counter() - t) * 1000)
        assert rep.total.questions == inserted, (rep.total.questions, inserted)
        assert s.query(Meeting).count() == sum(m for _, m, _ in SEED)
    engine.dispose()
    return {
        "questions": inserted,
        "load_s": round(load_s, 2),
        "queue_p50_ms": round(statistics.median(queue_ms), 2),
        "queue_max_ms": round(max(queue_ms), 2),
        "report_p50_ms": round(statistics.median(report_ms), 1),
        "report_max_ms": round(max(report_ms), 1),
    }


def run_sqlite(total: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        return build(url, total)


def run_postgres(total: int) -> dict[str, float] | None:
    try:
        with scratch_postgres() as url:
            upgrade(url)
            return build(url, total)
    except OperationalError as exc:  # no PostgreSQL here: that backend is skipped, said why
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--questions", type=int, default=176_386)
    args = parser.parse_args()
    results: dict[str, dict[str, float] | None] = {}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = run_sqlite(args.questions)
    if args.backend in ("postgresql", "both"):
        results["postgresql"] = run_postgres(args.questions)
    goals = {"load_s": 60, "queue_p50_ms": 50, "report_p50_ms": 1000}
    print_results("storage", results, [("questions", "questions"), ("load s", "load_s"),
                                       ("queue p50 ms", "queue_p50_ms"), ("report p50 ms", "report_p50_ms")],
                  goals=goals)


if __name__ == "__main__":
    main()
