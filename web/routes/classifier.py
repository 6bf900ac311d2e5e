"""How well the field classifier does on questions organisers confirmed, and retraining with them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.reach import Reach
from vntext import vn_pct
from web.deps import Principal, admin, db, get_ctx, organiser
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


@dataclass
class TrainingState:
    running: bool = False
    message: str = ""
    finished_at: float | None = None


def _state(request: Request) -> TrainingState:
    if not hasattr(request.app.state, "training"):
        request.app.state.training = TrainingState()
    state: TrainingState = request.app.state.training
    return state


@router.get("/classifier")
def accuracy(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    rows = queries.classifier_accuracy(session, user.reach)
    total, right = sum(n for _, n, _ in rows), sum(r for _, _, r in rows)
    corrections = len(queries.confirmed_examples(session, user.reach, corrections_only=True))
    return render(request, "classifier.html", rows=[(f, n, r, vn_pct(r, n)) for f, n, r in rows], total=total,
                  right=right, overall=vn_pct(right, total), corrections=corrections, training=_state(request))


def retrain(ctx: Any, examples: list[tuple[str, str]], state: TrainingState) -> None:
    from nlp import classify

    started = time.perf_counter()
    try:
        settings = ctx.settings
        model = classify.train(fields=settings.fields_path, model_path=settings.model_path, extra=examples)
        # The running analyzer keeps its classifier in memory; give it the new one.
        analyzer = ctx.analyzer
        if hasattr(analyzer, "classifier"):
            analyzer.classifier = model
        state.message = (f"Đã huấn luyện lại với {len(examples)} câu hỏi đã xác nhận "
                         f"trong {time.perf_counter() - started:.0f} giây.")
    except Exception as exc:  # noqa: BLE001 - shown to the admin instead of lost in a thread
        state.message = f"Huấn luyện lại không thành công: {exc}"
    finally:
        state.running = False
        state.finished_at = time.time()


@router.post("/classifier/retrain")
def start_retrain(request: Request, user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    state = _state(request)
    if state.running:
        flash(request, "Mô hình đang được huấn luyện, vui lòng chờ.", "error")
        return redirect("/classifier")
    examples = queries.confirmed_examples(session, Reach.admin(user.username))
    state.running, state.message = True, "Đang huấn luyện lại…"
    threading.Thread(target=retrain, args=(get_ctx(request), examples, state), daemon=True).start()
    flash(request, f"Bắt đầu huấn luyện lại với {len(examples)} câu hỏi đã xác nhận.")
    return redirect("/classifier")
