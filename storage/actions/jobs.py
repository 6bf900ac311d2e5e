"""Jobs: asked for in the console, claimed and finished by the worker, one at a time per kind."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.models import Job

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
RETRAIN = "retrain"
# A running job whose worker died is given up after this long, so the kind can be asked for again.
STALE = timedelta(hours=2)


def _active(session: Session, kind: str) -> Job | None:
    stmt = select(Job).where(Job.kind == kind, Job.status.in_((PENDING, RUNNING))).order_by(Job.id)
    return session.scalars(stmt).first()


def request_job(session: Session, kind: str, *, actor: str) -> tuple[Job, bool]:
    """A pending job of `kind`; (the job, True) when this call asked for it, (the waiting one, False) when
    one was already pending or running."""
    active = _active(session, kind)
    if active is not None and not _stale(active):
        return active, False
    if active is not None:
        _finish(active, FAILED, "Bỏ qua: tiến trình xử lý đã dừng giữa chừng.")
    job = Job(kind=kind, status=PENDING, requested_by=actor[:64])
    session.add(job)
    session.flush()
    return job, True


def _stale(job: Job) -> bool:
    return job.status == RUNNING and job.started_at is not None and job.started_at < utcnow() - STALE


def claim_job(session: Session, kind: str) -> Job | None:
    """The oldest pending job of `kind`, now running; None when there is none or another worker took it."""
    job = session.scalars(select(Job).where(Job.kind == kind, Job.status == PENDING).order_by(Job.id)).first()
    if job is None:
        return None
    taken = session.execute(update(Job).where(Job.id == job.id, Job.status == PENDING)
                            .values(status=RUNNING, started_at=utcnow()))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(job)
    return job


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = message[:2000]
    job.finished_at = utcnow()


def finish_job(session: Session, job_id: int, *, ok: bool, message: str) -> Job | None:
    job = session.get(Job, job_id)
    if job is None:
        return None
    _finish(job, DONE if ok else FAILED, message)
    session.flush()
    return job
