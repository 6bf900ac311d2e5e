"""/healthz, /readyz and /metrics: what an operator's monitoring reads."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from harness.factories import make_citizen
from storage.actions import outbox
from storage.db import make_engine, make_sessionmaker
from tests.web.conftest import Console
from tests.web.helpers import ConsoleContext, ask, console_settings
from web.app import create_app


def _scrape(console: Console, address: str = "127.0.0.1") -> dict[str, list[tuple[dict[str, str], float]]]:
    client = TestClient(create_app(console.ctx), client=(address, 40000))
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    return {f.name: [(s.labels, s.value) for s in f.samples] for f in text_string_to_metric_families(r.text)}


def test_health_and_readiness(console: Console) -> None:
    c = console.client(None)
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "migrations": "ok",
                                                                   "classifier": "ok"}


def test_not_ready_before_init_db(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    ctx = ConsoleContext(sessions=make_sessionmaker(engine), settings=console_settings(tmp_path))
    r = TestClient(create_app(ctx)).get("/readyz")
    assert r.status_code == 503 and "doithoai init-db" in r.json()["checks"]["migrations"]
    engine.dispose()


def test_metrics_from_allowed_addresses_only(console: Console) -> None:
    with console.ctx.transaction() as s:
        ask(s, console.world.meeting_a, "Đường ấp 2 hư")
        citizen = make_citizen(s, "telegram")
        outbox.enqueue(s, channel="telegram", chat_id=citizen.chat_id, text="Trả lời", key="t-1",
                       citizen_id=citizen.id)
    console.client(None).get("/open311/v2/services.json")
    families = _scrape(console)
    assert ({"channel": "web"}, 1.0) in families["doithoai_questions"]
    assert ({"channel": "telegram", "status": "pending"}, 1.0) in families["doithoai_outbox"]
    assert families["doithoai_outbox_oldest_pending_age_seconds"][0][1] >= 0
    routes = {labels["route"] for labels, _ in families["doithoai_http_request_seconds"]}
    assert "/open311/v2/services.{fmt}" in routes
    assert "doithoai_deliveries" in families and "doithoai_rate_limited" in families
    assert "doithoai_classify_seconds" in families and "doithoai_messages" in families
    refused = TestClient(create_app(console.ctx), client=("203.0.113.9", 40000)).get("/metrics")
    assert refused.status_code == 403
