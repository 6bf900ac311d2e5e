"""How well the field classifier does on questions organisers confirmed, and asking to retrain with them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.actions import jobs
from vntext import vn_pct
from web.deps import Principal, admin, db, get_ctx, organiser
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/classifier")
def accuracy(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    rows = queries.classifier_accuracy(session, user.reach)
    total, right = sum(n for _, n, _ in rows), sum(r for _, _, r in rows)
    corrections = len(queries.confirmed_examples(session, user.reach, corrections_only=True))
    return render(request, "classifier.html", rows=[(f, n, r, vn_pct(r, n)) for f, n, r in rows], total=total,
                  right=right, overall=vn_pct(right, total), corrections=corrections,
                  training=queries.latest_job(session, jobs.RETRAIN))


@router.post("/classifier/retrain")
def start_retrain(request: Request, user: Principal = Depends(admin)) -> Response:
    """Ask the worker to retrain; this request only records the job."""
    with get_ctx(request).transaction() as tx:
        _job, asked = jobs.request_job(tx, jobs.RETRAIN, actor=user.username)
    if not asked:
        flash(request, "Mô hình đang được huấn luyện, vui lòng chờ.", "error")
        return redirect("/classifier")
    flash(request, "Đã ghi yêu cầu huấn luyện lại; tiến trình xử lý nền sẽ thực hiện trong ít phút.")
    return redirect("/classifier")
