"""The citizen bot's own work per message, without the network: store the update, run the turn.

Simulated citizens give consent and choose the meeting, then each sends questions as a chat does
(the text, "/gui", the field's number); every message goes through `bot.service.process` with the
trained classifier, on a fresh database per backend. After every `--pass-every` messages (about a
second of a busy bot) the pass that looks for proposed duplicates runs, as `serve` runs it each
second; its CPU time counts in the total. The CPU time of this one process per message
is steadier on a shared machine than any latency, so it shows what a change to the turn costs.

    .venv/bin/python bench/bench_turns.py [--citizens 30] [--questions 10] [--backend sqlite|postgresql|both]

Prints one JSON line, then a short table. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.exc import OperationalError  # noqa: E402

from bench.bench_bot import QUESTIONS, database, load_average, model_path  # noqa: E402
from harness.results import print_results  # noqa: E402


def run(url: str, model: Path, citizens: int, questions: int, pass_every: int = 100) -> dict[str, Any]:
    from bot import service
    from bot.messages import text_incoming
    from doithoai.config import Settings
    from doithoai.context import Services
    from doithoai.runtime import propose_once

    settings = Settings(_env_file=None, database_url=url, model_path=model,  # type: ignore[call-arg]
                        flood_max_questions=100_000, question_join_seconds=0.0)
    ctx = Services(settings)
    service.warm_up(ctx)
    sent = 0

    def say(chat: int, text: str) -> str:
        nonlocal sent
        sent += 1
        replies = service.process(ctx, text_incoming("telegram", str(chat), str(chat), text, f"bench:{sent}"))
        return replies[-1].text if replies else ""

    for c in range(citizens):
        say(50_000 + c, "/start m_MA")
        say(50_000 + c, "2")
    propose_once(ctx)
    per_step: dict[str, float] = {"text": 0.0, "/gui": 0.0, "1": 0.0, "proposals": 0.0}
    tickets = 0
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for k in range(questions):
        for c in range(citizens):
            text = QUESTIONS[(c + k) % len(QUESTIONS)].format(n=f"{c}-{k}")
            for step, message in (("text", text), ("/gui", "/gui"), ("1", "1")):
                before = time.process_time()
                last = say(50_000 + c, message)
                per_step[step] += time.process_time() - before
                if sent % pass_every == 0:
                    before = time.process_time()
                    propose_once(ctx)
                    per_step["proposals"] += time.process_time() - before
            tickets += "Mã số" in last
    before = time.process_time()
    propose_once(ctx)
    per_step["proposals"] += time.process_time() - before
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    ctx.engine.dispose()
    messages = citizens * questions * 3
    if tickets != citizens * questions:
        raise SystemExit(f"{tickets} of {citizens * questions} questions got a ticket")
    return {"messages": messages, "cpu_ms_per_msg": round(cpu * 1000 / messages, 2),
            "wall_ms_per_msg": round(wall * 1000 / messages, 2),
            **{f"cpu_ms_{k.strip('/')}": round(v * 1000 / (citizens * questions), 2) for k, v in per_step.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--citizens", type=int, default=30)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pass-every", type=int, default=100,
                        help="messages between two passes of duplicate proposals")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    os.environ.setdefault("DOITHOAI_LOG_LEVEL", "WARNING")
    results: dict[str, dict[str, Any] | None] = {}
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        model = model_path(Path(tmp))
        for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
            with contextlib.ExitStack() as stack:
                try:
                    url = stack.enter_context(database(backend, Path(tmp), args.pg_url))
                except OperationalError as exc:  # no server: the row is left out, as in the other benches
                    print(f"{backend} skipped: {exc}", file=sys.stderr)
                    results[backend] = None
                    continue
                results[backend] = run(url, model, args.citizens, args.questions, args.pass_every)
    print_results("turns", results,
                  [("messages", "messages"), ("CPU ms/msg", "cpu_ms_per_msg"), ("wall ms/msg", "wall_ms_per_msg"),
                   ("CPU text", "cpu_ms_text"), ("CPU /gui", "cpu_ms_gui"), ("CPU choice", "cpu_ms_1"),
                   ("CPU proposals", "cpu_ms_proposals")],
                  cores=os.cpu_count(), load_average=[load_before, load_average()])


if __name__ == "__main__":
    main()
