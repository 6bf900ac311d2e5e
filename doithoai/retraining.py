"""Retraining the field classifier as a job: the console asks for it, the worker trains outside any
request and writes the model file, and every process loads the new file when it sees it changed
(`doithoai.wiring.NlpAnalyzer.reload_if_changed`)."""

from __future__ import annotations

import logging
import time

from nlp import classify
from storage import queries
from storage.actions import jobs
from storage.reach import Reach
from vntext import vn_int
from web.deps import ConsoleHost

log = logging.getLogger("doithoai.retraining")
# The worker looks for a retraining asked for in the console this often.
POLL_SECONDS = 5.0


def run_pending(host: ConsoleHost) -> bool:
    """Train once if a retraining was asked for; True when a job was run (well or not)."""
    with host.transaction() as session:
        job = jobs.claim_job(session, jobs.RETRAIN)
        if job is None:
            return False
        job_id = job.id
        examples = queries.confirmed_examples(session, Reach.admin())
    started = time.perf_counter()
    try:
        classify.train(fields=host.settings.fields_path, model_path=host.settings.model_path, extra=examples)
        ok, message = True, (f"Đã huấn luyện lại với {vn_int(len(examples))} câu hỏi đã xác nhận "
                             f"trong {time.perf_counter() - started:.0f} giây.")
    except Exception as exc:
        log.exception("retraining the classifier failed")
        ok, message = False, f"Huấn luyện lại không thành công: {exc}"
    with host.transaction() as session:
        jobs.finish_job(session, job_id, ok=ok, message=message)
    return True
