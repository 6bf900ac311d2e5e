"""GeoReport v2 as the spec reads: service definitions, the meeting attribute, locations, errors; and a
third-party client (the `georeport` package from PyPI) against a live server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests
from georeport import GeoReport

from harness.factories import make_meeting
from harness.servers import serve_app
from storage.actions import api_keys
from storage.models import Attachment, Question
from tests.web.conftest import Console


def _key(console: Console, unit_id: int | None, name: str) -> str:
    with console.ctx.transaction() as s:
        _, raw = api_keys.create_api_key(s, name=name, unit_id=unit_id)
    return raw


@pytest.fixture
def key_a(console: Console) -> str:
    """A key of district A, which has exactly one open meeting (MA)."""
    return _key(console, console.world.district_a.id, "Cổng huyện A")


def test_definition_lists_meetings_required_only_with_several(console: Console, key_a: str) -> None:
    c = console.client(None)
    one = c.get("/open311/v2/services/giao_thong.json", params={"api_key": key_a}).json()
    attribute = one["attributes"][0]
    assert one["service_code"] == "giao_thong"
    assert attribute["code"] == "meeting_code" and attribute["datatype"] == "singlevaluelist"
    assert attribute["required"] is False and [v["key"] for v in attribute["values"]] == ["MA"]
    with console.ctx.transaction() as s:
        make_meeting(s, console.world.district_a, "MA2", days=20)
    two = c.get("/open311/v2/services/giao_thong.json", headers={"X-Api-Key": key_a}).json()["attributes"][0]
    assert two["required"] is True and [v["key"] for v in two["values"]] == ["MA", "MA2"]
    xml = ET.fromstring(c.get("/open311/v2/services/dien.xml", params={"jurisdiction_id": "hg.gov.vn"}).content)
    assert xml.tag == "service_definition" and xml.findtext("attributes/attribute/datatype") == "singlevaluelist"
    assert {v.findtext("key") for v in xml.iterfind("attributes/attribute/values/value")} >= {"MA", "MB", "MP"}
    missing = c.get("/open311/v2/services/khong_co.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_without_meeting_goes_to_the_units_next_meeting(console: Console, key_a: str) -> None:
    c = console.client(None)
    r = c.post("/open311/v2/requests.json", headers={"X-Api-Key": key_a}, data={
        "service_code": "giao_thong", "description": "Cầu ấp 4 sập", "jurisdiction_id": "hg.gov.vn",
        "address_string": "Cầu ấp 4, xã A1", "lat": "9.78", "long": "105.47",
        "media_url": "https://example.org/cau-ap-4.jpg"})
    assert r.status_code == 201, r.text
    ticket = r.json()[0]["service_request_id"]
    with console.session() as s:
        q = s.query(Question).filter(Question.ticket == ticket).one()
        assert q.meeting_id == console.world.meeting_a.id and q.address == "Cầu ấp 4, xã A1"
        assert (q.lat, q.long) == (9.78, 105.47)
        assert s.query(Attachment).filter(Attachment.question_id == q.id).one().file_ref.endswith("cau-ap-4.jpg")
    back = c.get(f"/open311/v2/requests/{ticket}.json", headers={"X-Api-Key": key_a}).json()[0]
    assert back["address"] == "Cầu ấp 4, xã A1" and back["lat"] == 9.78 and back["media_url"].endswith(".jpg")


@pytest.mark.parametrize(("data", "message"), [
    ({"lat": "9.7"}, "lat và long"),
    ({"lat": "north", "long": "105"}, "lat"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"attribute[meeting_code]": "MB"}, "MB"),
])
def test_post_errors_in_the_specs_shape(console: Console, key_a: str, data: dict[str, str], message: str) -> None:
    c = console.client(None)
    r = c.post("/open311/v2/requests.xml", data={"api_key": key_a, "description": "Đường hư", **data})
    error = ET.fromstring(r.content)
    assert r.status_code == 400 and error.tag == "errors"
    assert error.findtext("error/code") == "400" and message in (error.findtext("error/description") or "")


def test_meeting_required_when_the_unit_has_several(console: Console) -> None:
    key = _key(console, None, "Cổng tỉnh")
    r = console.client(None).post("/open311/v2/requests.json", data={"api_key": key, "description": "Đường hư"})
    assert r.status_code == 400 and "attribute[meeting_code]" in r.json()[0]["description"]
    unknown = console.client(None).get("/open311/v2/nothing.json")
    assert unknown.status_code == 404 and unknown.json() == [{"code": 404, "description": "Không tìm thấy trang này."}]


@pytest.fixture
def live(console: Console) -> Iterator[str]:
    from web.app import create_app

    with serve_app(create_app(console.ctx)) as base:
        yield base + "/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_third_party_client_can_discover_and_submit(console: Console, key_a: str, live: str, fmt: str) -> None:
    client = GeoReport(live, jurisdiction="hg.gov.vn", api_key=key_a, output_format=fmt)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "giao_thong" in codes and all(str(s["metadata"]).lower() == "true" for s in services)
    definition = client.get_service_definition("giao_thong")
    attributes = definition["attributes"]
    attribute = attributes[0] if fmt == "json" else attributes["attribute"]
    # What a spec-following client does: fill every required attribute from its values, then POST.
    form = {"api_key": client.api_key, "jurisdiction_id": client.jurisdiction, "service_code": "giao_thong",
            "description": "Đường ấp 7 ngập sâu", "address_string": "Ấp 7"}
    if str(attribute["required"]).lower() == "true":
        values = attribute["values"] if fmt == "json" else attribute["values"]["value"]
        form[f"attribute[{attribute['code']}]"] = values[0]["key"]
    created = requests.post(f"{live}/requests.{fmt}", data=form, timeout=30)
    assert created.status_code == 201, created.text
    with console.session() as s:
        assert s.query(Question).filter(Question.channel == "api", Question.address == "Ấp 7").count() == 1
    ticket = created.json()[0]["service_request_id"] if fmt == "json" else ET.fromstring(created.content).findtext(
        "request/service_request_id")
    back = requests.get(f"{live}/requests/{ticket}.json", headers={"X-Api-Key": key_a}, timeout=30).json()
    assert back[0]["address"] == "Ấp 7" and back[0]["service_code"] == "giao_thong"
