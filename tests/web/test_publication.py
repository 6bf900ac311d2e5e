"""Answers published: the console button and the CLI publish a meeting's answers; /cong-khai/<code> (HTML
and JSON) shows them grouped, summarised and masked without a login; Open311 without a key returns exactly
the published requests."""

from __future__ import annotations

from sqlalchemy import select

from storage import lifecycle
from storage.actions import publication, questions, replies
from storage.models import Question
from storage.reach import Reach
from tests.web.conftest import Console
from tests.web.helpers import ask, post


def _answered(console: Console) -> dict[str, int]:
    w = console.world
    with console.ctx.transaction() as s:
        a = ask(s, w.meeting_a, "Đường ấp 1 hư nặng, gọi tôi 0912345678")
        b = ask(s, w.meeting_a, "Đường ấp 1 hư quá")
        c = ask(s, w.meeting_a, "Điện ấp 2 yếu")
        waiting = ask(s, w.meeting_a, "Nước ấp 3 đục")
        other = ask(s, w.meeting_b, "Đường huyện B hư")
        questions.merge(s, a.id, [b.id], actor="t")
        publication.set_summary(s, Reach.for_unit(w.district_a), a.id, "Sửa đường ấp 1 (liên hệ 0912345678).")
        replies.reply(s, a.id, "Huyện sửa xong trong tháng 12; cán bộ phụ trách: 0987654321.", author="t",
                      status=lifecycle.RESOLVED)
        questions.assign(s, c.id, w.agency_a.id, actor="t")
        replies.reply(s, c.id, "Điện lực đã thay máy biến áp.", author="t", status=lifecycle.IN_PROGRESS)
        replies.reply(s, other.id, "Đã sửa.", author="t", status=lifecycle.RESOLVED)
        return {"a": a.id, "b": b.id, "c": c.id, "waiting": waiting.id, "other": other.id}


def test_publish_from_the_console_and_the_public_page(console: Console) -> None:
    ids = _answered(console)
    anonymous = console.client(None)
    page = anonymous.get("/cong-khai/MA")
    assert page.status_code == 200 and "Chưa có trả lời nào" in page.text
    assert post(console.client("agency_a"), f"/meetings/{console.world.meeting_a.id}/publish").status_code in (
        403, 404)
    c = console.client("org_a")
    r = post(c, f"/meetings/{console.world.meeting_a.id}/publish")
    assert r.status_code == 303
    assert "Đã công khai 2 nội dung (3 câu hỏi)" in c.get(r.headers["location"]).text
    with console.session() as s:
        published = {q.id for q in s.scalars(select(Question).where(Question.published_at.is_not(None)))}
    assert published == {ids["a"], ids["b"], ids["c"]}

    html = anonymous.get("/cong-khai/MA").text
    assert "Sửa đường ấp 1" in html and "2 người cùng kiến nghị" in html and "Điện ấp 2 yếu" in html
    assert "0912345678" not in html and "0987654321" not in html and "091****678" in html
    assert "Nước ấp 3" not in html and "Đường huyện B" not in html
    assert "Cơ quan trả lời: Phòng Kinh tế huyện A" in html
    data = anonymous.get("/cong-khai/MA.json").json()
    assert (data["groups"], data["questions"]) == (2, 3)
    assert [i["field"] for i in data["items"]] == ["dien", "giao_thong"]
    first = data["items"][1]
    assert first["summary"].startswith("Sửa đường ấp 1") and first["status_label"] == "Đã giải quyết"
    assert "0987654321" not in first["answer"] and first["field"] == "giao_thong"
    assert anonymous.get("/cong-khai/KHONGCO.json").status_code == 404
    assert anonymous.get("/cong-khai/KHONGCO").status_code == 404


def test_open311_without_a_key_returns_exactly_the_published(console: Console) -> None:
    _answered(console)
    with console.ctx.transaction() as s:
        publication.publish_meeting(s, Reach.admin(), console.world.meeting_a.id)
        tickets = {q.ticket for q in s.scalars(select(Question).where(Question.published_at.is_not(None)))}
    anonymous = console.client(None)
    got = anonymous.get("/open311/v2/requests.json").json()
    assert {r["service_request_id"] for r in got} == tickets and len(tickets) == 3
    hidden = next(iter(set(_all_tickets(console)) - tickets))
    assert anonymous.get(f"/open311/v2/requests/{hidden}.json").status_code == 404
    assert "0912345678" not in str(got)


def _all_tickets(console: Console) -> list[str]:
    with console.session() as s:
        return [t for t in s.scalars(select(Question.ticket)) if t]


def test_publishing_again_adds_newly_answered(console: Console) -> None:
    ids = _answered(console)
    with console.ctx.transaction() as s:
        first = publication.publish_meeting(s, Reach.admin(), console.world.meeting_a.id)
        assert (first.groups, first.questions, first.without_answer) == (2, 3, 1)
        replies.reply(s, ids["waiting"], "Đã xử lý nước.", author="t", status=lifecycle.RESOLVED)
        again = publication.publish_meeting(s, Reach.admin(), console.world.meeting_a.id)
        assert (again.groups, again.questions, again.without_answer) == (3, 4, 0)
