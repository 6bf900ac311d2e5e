"""For the people who run the service: /healthz, /readyz and /metrics (Prometheus text format)."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from storage import health
from telemetry.metrics import REGISTRY
from web.deps import ConsoleHost, get_ctx

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> Response:
    """The process is alive and answers; nothing else is checked."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready to serve: database reachable, schema at the newest migration, classifier loaded."""
    ctx = get_ctx(request)
    checks: dict[str, str] = {}
    try:
        checks["database"], checks["migrations"] = await asyncio.to_thread(health.database_state, ctx.sessions)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means "not ready", said why
        checks["database"], checks["migrations"] = f"unreachable: {type(exc).__name__}", "unknown"
    try:
        await asyncio.to_thread(lambda: ctx.analyzer)
        checks["classifier"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a model that cannot be loaded is reported, not raised
        checks["classifier"] = f"not loaded: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


def allowed(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


class DatabaseFigures(Collector):
    """Figures read from the database at scrape time, the same for every process."""

    def __init__(self, ctx: ConsoleHost) -> None:
        self.ctx = ctx

    def collect(self) -> Any:
        figures = health.figures(self.ctx.sessions, time.time())
        questions = GaugeMetricFamily("doithoai_questions", "Questions stored, per channel.", labels=["channel"])
        for channel, n in figures.questions.items():
            questions.add_metric([channel], n)
        outbox = GaugeMetricFamily("doithoai_outbox", "Outbox rows per channel and status.",
                                   labels=["channel", "status"])
        for (channel, status), n in figures.outbox.items():
            outbox.add_metric([channel, status], n)
        oldest = GaugeMetricFamily("doithoai_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest pending outbox row, per channel.", labels=["channel"])
        for channel, age in figures.oldest_pending.items():
            oldest.add_metric([channel], age)
        return [questions, outbox, oldest]


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    ctx = get_ctx(request)
    networks = [n for n in str(getattr(ctx.settings, "metrics_allow", "127.0.0.1/32,::1/128")).split(",") if n]
    if not allowed(request.client.host if request.client else None, networks):
        return JSONResponse({"error": "forbidden", "message": "Địa chỉ này không được xem số liệu vận hành."},
                            status_code=403)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(DatabaseFigures(ctx))
    body = generate_latest(REGISTRY) + await asyncio.to_thread(generate_latest, scraped)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
