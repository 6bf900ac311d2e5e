"""Open311 GeoReport v2: services and requests in JSON and XML, filters, POST with an API key."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from storage import lifecycle
from storage.actions import api_keys, questions, replies
from storage.models import ApiKey, Question
from tests.web.conftest import Console
from tests.web.helpers import ask


@pytest.fixture
def key(console: Console) -> str:
    with console.ctx.transaction() as s:
        _, raw = api_keys.create_api_key(s, name="Cổng dịch vụ công")
    return raw


def test_services_json_and_xml(console: Console) -> None:
    c = console.client(None)
    services = c.get("/open311/v2/services.json").json()
    road = next(s for s in services if s["service_code"] == "giao_thong")
    assert road["service_name"] == "Giao thông" and road["metadata"] is True and road["type"] == "realtime"
    xml = ET.fromstring(c.get("/open311/v2/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code") is not None
    assert c.get("/open311/v2/services.csv").status_code == 404


def test_post_without_service_code_lets_the_classifier_pick(console: Console, key: str) -> None:
    c = console.client(None)
    r = c.post("/open311/v2/requests.json", data={"description": "Đường vào ấp 9 lầy lội", "api_key": key,
                                                   "attribute[meeting_code]": "MA"})
    assert r.status_code == 201
    body = r.json()[0]
    assert body["service_code"] == "giao_thong" and body["service_code_source"] == "classifier"
    assert "tự phân loại: Giao thông" in body["service_notice"]
    r = c.post("/open311/v2/requests.xml", data={"description": "Hỏi về sổ đỏ", "api_key": key,
                                                  "service_code": "dat_dai", "attribute[meeting_code]": "MA"})
    node = ET.fromstring(r.content).find("request")
    assert node is not None and node.findtext("service_code") == "dat_dai"
    assert node.findtext("service_code_source") == "client"
    with console.session() as s:
        q = s.query(Question).filter(Question.ticket == node.findtext("service_request_id")).one()
        assert q.channel == "api" and q.confirmed_field == "dat_dai"


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"description": "x", "attribute[meeting_code]": "MA"}, 401, "Cần khóa API"),
    ({"description": "x", "attribute[meeting_code]": "MA", "api_key": "dt_sai"}, 403, "không hợp lệ"),
    ({"description": "", "attribute[meeting_code]": "MA", "api_key": "KEY"}, 400, "đang trống"),
    ({"description": "x", "api_key": "KEY"}, 400, "meeting_code"),
    ({"description": "x", "attribute[meeting_code]": "MA", "api_key": "KEY", "service_code": "sai"}, 400,
     "service_code"),
])
def test_post_errors(console: Console, key: str, data: dict[str, str], status: int, message: str) -> None:
    c = console.client(None)
    if data.get("api_key") == "KEY":
        data = {**data, "api_key": key}
    r = c.post("/open311/v2/requests.json", data=data)
    assert r.status_code == status
    error = r.json()[0]
    assert error["code"] == status and message in error["description"]


def test_requests_map_status_answer_agency_and_filters(console: Console, key: str) -> None:
    w = console.world
    with console.ctx.transaction() as s:
        done = ask(s, w.meeting_a, "Đường ấp 1 hư, gọi 0912345678")
        pending = ask(s, w.meeting_a, "Điện ấp 2 yếu")
        questions.assign(s, done.id, w.agency_a.id, actor="t")
        replies.reply(s, done.id, "Đã sửa xong.", author="t", status=lifecycle.RESOLVED)
        tickets = done.ticket, pending.ticket
    c = console.client(None)
    rows = {r["service_request_id"]: r for r in c.get("/open311/v2/requests.json", params={"api_key": key}).json()}
    first = rows[tickets[0]]
    assert first["status"] == "closed" and first["status_notes"] == "Đã sửa xong."
    assert first["agency_responsible"] == "Phòng Kinh tế huyện A" and "0912345678" not in first["description"]
    assert first["requested_datetime"].endswith("+07:00") and rows[tickets[1]]["status"] == "open"
    only_open = c.get("/open311/v2/requests.json", params={"api_key": key, "status": "open"}).json()
    assert [r["service_request_id"] for r in only_open] == [tickets[1]]
    by_code = c.get("/open311/v2/requests.json", params={"api_key": key, "service_code": "dien"}).json()
    assert [r["service_request_id"] for r in by_code] == [tickets[1]]
    future = c.get("/open311/v2/requests.json", params={"api_key": key, "start_date": "2099-01-01T00:00:00Z"})
    assert future.json() == []
    bad = c.get("/open311/v2/requests.json", params={"api_key": key, "start_date": "hôm qua"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()[0]["description"]
    one = ET.fromstring(c.get(f"/open311/v2/requests/{tickets[0]}.xml", params={"api_key": key}).content)
    assert one.tag == "service_requests" and one.findtext("request/status") == "closed"


def test_revoked_key_and_only_hash_stored(console: Console, key: str) -> None:
    with console.ctx.transaction() as s:
        row = s.query(ApiKey).one()
        assert key not in row.key_hash and len(row.key_hash) == 64
        api_keys.revoke_api_key(s, row.id)
    r = console.client(None).get("/open311/v2/requests.json", params={"api_key": key})
    assert r.status_code == 403


def test_openapi_documents_the_api(console: Console) -> None:
    c = console.client(None)
    spec = c.get("/openapi.json").json()
    assert "/open311/v2/requests.{fmt}" in spec["paths"] and "/questions/{question_id}" not in spec["paths"]
    assert c.get("/docs").status_code == 200
