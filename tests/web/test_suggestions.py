"""The question page's suggestions: proposed duplicates, earlier answers, the agency, moderation."""

from __future__ import annotations

from harness.factories import make_citizen, make_meeting
from storage.actions import console as console_actions
from storage.actions import questions
from storage.queries.suggestions import agency_accuracy, suggest_agency
from storage.reach import Reach
from tests.web.conftest import Console
from tests.web.helpers import KeywordAnalyzer, ask


def _earlier_answered(console: Console, text: str, answer: str) -> int:
    """A question of an earlier, closed meeting of district A, assigned to agency A and answered."""
    w = console.world
    with console.ctx.transaction() as s:
        old = make_meeting(s, w.district_a, "MA0", days=-60, state="closed")
        citizen = make_citizen(s)
        q = questions.submit_question(s, meeting_id=old.id, text=text, channel="web", citizen_id=citizen.id,
                                      analyzer=KeywordAnalyzer(), check_intake=False)
        reach = Reach.admin()
        console_actions.assign(s, reach, q.id, w.agency_a.id, due_date=None)
        console_actions.reply(s, reach, q.id, answer, status="resolved")
        return q.id


def test_earlier_answer_and_agency_are_suggested(console: Console) -> None:
    old_id = _earlier_answered(console, "Đường vào ấp Tân Phú bị hư nặng", "Huyện đã bố trí vốn sửa trong quý 3.")
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "duong vao ap tan phu bi hu nang qua").id
    page = console.client("org_a").get(f"/questions/{qid}").text
    assert "Đã trả lời trước đây cho nội dung tương tự" in page
    assert "Huyện đã bố trí vốn sửa trong quý 3." in page and f"/questions/{old_id}" in page
    assert 'id="agency-hint"' in page and "Phòng Kinh tế huyện A" in page
    with console.session() as s:
        from storage.models import Question

        q = s.get(Question, qid)
        assert q is not None
        hint = suggest_agency(s, q, [console.world.agency_a, console.world.agency_b])
        assert hint is not None and hint.agency.id == console.world.agency_a.id and hint.basis == "unit"
        assert 0.0 < hint.confidence < 1.0 and hint.assignments == 1
        assert agency_accuracy(s)["assigned"] == 1


def test_agency_sees_no_earlier_answers_and_other_units_see_none(console: Console) -> None:
    _earlier_answered(console, "Đường vào ấp Tân Phú bị hư nặng", "Huyện đã bố trí vốn sửa trong quý 3.")
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_b, "duong vao ap tan phu bi hu nang qua").id
    page = console.client("org_b").get(f"/questions/{qid}").text
    assert "Huyện đã bố trí vốn sửa" not in page


def test_similar_open_questions_are_proposed_for_merging(console: Console) -> None:
    with console.ctx.transaction() as s:
        first = ask(s, console.world.meeting_a, "Mất điện ở xóm Bàu suốt đêm qua").id
        other = ask(s, console.world.meeting_a, "Đường vào ấp 9 bị hư").id
        second = ask(s, console.world.meeting_a, "mat dien o xom bau suot dem").id
    page = console.client("org_a").get(f"/questions/{first}").text
    assert "Hệ thống đề xuất trùng" in page and f"/questions/{second}" in page
    assert f'href="/questions/{other}"' not in page


def test_moderation_reason_is_shown(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "mua ngay http://a.xyz http://b.xyz http://c.xyz").id
    page = console.client("org_a").get(f"/questions/{qid}").text
    assert 'id="moderation"' in page and "quảng cáo" in page
