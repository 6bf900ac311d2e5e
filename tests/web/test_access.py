"""Each role reaches only its own: by list, by id, by export, by API; refused moves write nothing."""

from __future__ import annotations

import pytest

from storage import lifecycle
from storage.actions import api_keys, questions
from storage.models import Question
from tests.web.conftest import Console
from tests.web.helpers import ask, post


@pytest.fixture
def two(console: Console) -> tuple[int, int, str, str]:
    with console.ctx.transaction() as s:
        qa = ask(s, console.world.meeting_a, "Đường ấp 3 huyện A hư nặng")
        qb = ask(s, console.world.meeting_b, "Điện ấp 7 huyện B chập chờn")
        questions.assign(s, qa.id, console.world.agency_a.id, actor="t")
        return qa.id, qb.id, qa.ticket or "", qb.ticket or ""


def test_organiser_of_a_cannot_read_b(console: Console, two: tuple[int, int, str, str]) -> None:
    _, qb, ta, tb = two
    w = console.world
    c = console.client("org_a")
    meetings = c.get("/meetings").text
    assert "MA" in meetings and ">MB<" not in meetings
    assert ta in c.get(f"/meetings/{w.meeting_a.id}/queue").text
    for path in (f"/meetings/{w.meeting_b.id}/queue", f"/questions/{qb}", f"/tickets/{tb}",
                 f"/meetings/{w.meeting_b.id}/agenda", f"/meetings/{w.meeting_b.id}/conclusion",
                 f"/meetings/{w.meeting_b.id}/conclusion.docx", f"/meetings/{w.meeting_b.id}/poster",
                 f"/meetings/{w.meeting_b.id}/edit", "/questions/999999"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert "Điện ấp 7" not in r.text
    for path in (f"/reports?unit={w.district_b.id}", f"/reports/export.xlsx?unit={w.district_b.id}",
                 f"/reports/export.docx?unit={w.district_b.id}", f"/reports/chart/fields.svg?unit={w.district_b.id}",
                 f"/meetings?unit={w.district_b.id}"):
        assert c.get(path).status_code == 403, path
    api = c.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in api] == [ta]
    assert c.get(f"/open311/v2/requests/{tb}.json").status_code == 404


def test_organiser_of_a_cannot_change_b(console: Console, two: tuple[int, int, str, str]) -> None:
    qa, qb, _, _ = two
    w = console.world
    c = console.client("org_a")
    moves = [
        (f"/questions/{qb}/field", {"field": "dien"}),
        (f"/questions/{qb}/status", {"status": "rejected", "note": "x"}),
        (f"/questions/{qb}/assign", {"agency_id": str(w.agency_a.id)}),
        (f"/questions/{qb}/reply", {"text": "Trả lời"}),
        (f"/questions/{qa}/merge", {"into": str(qb)}),
        (f"/meetings/{w.meeting_b.id}/state", {"state": "held"}),
        (f"/meetings/{w.meeting_b.id}/queue/bulk", {"op": "confirm", "qid": [str(qb)]}),
        (f"/meetings/{w.meeting_a.id}/queue/bulk", {"op": "merge", "qid": [str(qa), str(qb)]}),
    ]
    for path, data in moves:
        r = post(c, path, data)
        assert r.status_code in (303, 404), (path, r.status_code)
        if r.status_code == 303:
            assert "Không tìm thấy" in c.get(r.headers["location"]).text
    # An agency of district B is out of reach for A's questions.
    assert post(c, f"/questions/{qa}/assign", {"agency_id": str(w.agency_b.id)}).status_code == 404
    with console.session() as s:
        b = s.get(Question, qb)
        assert b is not None and b.status == lifecycle.RECEIVED and b.confirmed_field is None
        a = s.get(Question, qa)
        assert a is not None and a.duplicate_of_id is None and a.agency_id == w.agency_a.id


def test_province_organiser_sees_both(console: Console, two: tuple[int, int, str, str]) -> None:
    _, qb, ta, tb = two
    c = console.client("org_p")
    assert c.get(f"/questions/{qb}").status_code == 200
    assert {r["service_request_id"] for r in c.get("/open311/v2/requests.json").json()} == {ta, tb}


def test_agency_sees_only_its_assignments(console: Console, two: tuple[int, int, str, str]) -> None:
    qa, qb, ta, _ = two
    w = console.world
    c = console.client("agency_a")
    assert ta in c.get("/assigned").text
    assert c.get(f"/questions/{qa}").status_code == 200
    assert c.get(f"/questions/{qb}").status_code == 404
    assert c.get(f"/meetings/{w.meeting_b.id}/queue").status_code == 404
    for path in ("/reports", f"/meetings/{w.meeting_a.id}/agenda", "/admin/users", "/templates"):
        assert c.get(path).status_code == 403, path
    # It may move its assignment along, but not triage or merge.
    assert post(c, f"/questions/{qa}/status", {"status": "in_progress"}).status_code == 303
    r = post(c, f"/questions/{qa}/field", {"field": "dien"})
    assert r.status_code == 403 and "Cán bộ cơ quan" in r.text
    r = post(c, f"/questions/{qa}/status", {"status": "rejected", "note": "x"})
    assert r.status_code == 403
    with console.session() as s:
        q = s.get(Question, qa)
        assert q is not None and q.status == lifecycle.IN_PROGRESS and q.confirmed_field is None


def test_admin_pages_are_for_admins(console: Console) -> None:
    c = console.client("org_a")
    for path in ("/admin/users", "/admin/api-keys"):
        assert c.get(path).status_code == 403
    assert post(c, "/admin/api-keys", {"name": "x"}).status_code == 403
    assert post(c, "/classifier/retrain").status_code == 403
    a = console.client("admin")
    assert a.get("/admin/users").status_code == 200


def test_api_key_of_a_unit_is_scoped(console: Console, two: tuple[int, int, str, str]) -> None:
    _, _, ta, tb = two
    with console.ctx.transaction() as s:
        _, raw = api_keys.create_api_key(s, name="Huyện A", unit_id=console.world.district_a.id)
    c = console.client(None)
    got = c.get("/open311/v2/requests.json", params={"api_key": raw}).json()
    assert [r["service_request_id"] for r in got] == [ta]
    assert c.get(f"/open311/v2/requests/{tb}.json", params={"api_key": raw}).status_code == 404
    r = c.post("/open311/v2/requests.json", data={"api_key": raw, "description": "Hỏi về điện",
                                                   "attribute[meeting_code]": "MB"})
    assert r.status_code == 400
