"""The conversation, handler by handler, with simulated citizens."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot import texts
from bot.flow import states
from harness.bot import BotTestContext, Citizen
from storage import queries
from storage.models import Citizen as CitizenRow
from storage.models import Conversation, Question

TICKET = re.compile(r"HG-\d{4}-\d{6}")


def test_start_shows_notice_and_consent(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "1")
    out = c.say("/start")
    assert "dữ liệu cá nhân" in out[0].text
    assert [b.label for b in out[0].flat_buttons()] == ["Đồng ý", "Hỏi ẩn danh"]


def test_any_first_message_starts(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "1")
    c.say("xin chào")
    assert "Đồng ý" in [b.label for b in c.last[0].flat_buttons()]


def test_anonymous_question_through_deep_link(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "1")
    text = c.ask("Đường vào ấp 3 bị hư nặng")
    assert TICKET.search(text) and "Mã số" in text
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.original_text == "Đường vào ấp 3 bị hư nặng"
        assert q.citizen_field == "giao_thong" and q.confirmed_field is None and q.channel == "telegram"
        citizen = s.get(CitizenRow, q.citizen_id)
        assert citizen is not None and citizen.consent_at is None and citizen.name is None
        assert q.ticket and q.ticket in text


def test_choose_meeting_with_buttons_and_details_with_consent(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "2")
    c.say("/start")
    c.press("Đồng ý")
    labels = [b.label for o in c.last for b in o.flat_buttons()]
    assert len(labels) == 3 and all("Nông dân" in label for label in labels)
    c.press("meeting:MB")
    assert texts.ASK_NAME in c.text
    c.say("Nguyễn Văn A")
    c.say("Xã A1")
    assert "Xã A1" in c.text
    c.say("12345")
    assert "chưa đúng" in c.text
    c.say("0912 345 678")
    assert texts.ASK_QUESTION in c.text
    c.say("Điện chập chờn")
    c.say("mỗi tối ở ấp 2")
    c.press("Gửi")
    assert "Điện" in c.text
    c.press("Chọn lĩnh vực khác")
    c.press("Y tế")
    assert "Mã số" in c.text
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.original_text == "Điện chập chờn\nmỗi tối ở ấp 2"
        assert q.citizen_field == "y_te" and q.confirmed_field is None and q.needs_review and q.meeting.code == "MB"
        citizen = s.get(CitizenRow, q.citizen_id)
        assert citizen is not None
        assert (citizen.name, citizen.phone, citizen.locality) == ("Nguyễn Văn A", "0912345678", "Xã A1")
        assert citizen.locality_unit_id is not None


def test_numbered_choices_work_without_buttons(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "3", channel="zalo")
    c.say("/start")
    c.say("2")
    c.say("1")
    assert texts.ASK_QUESTION in c.text
    c.say("Nước máy có mùi phèn")
    c.say("/gui")
    c.say("1")
    assert "Mã số" in c.text


def test_state_survives_a_new_process(ctx: BotTestContext, world_url: str) -> None:
    from harness.bot import make_context

    c = Citizen(ctx, "4")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    c.say("Đường hư")
    other = Citizen(make_context(world_url), "4")
    other.say("nặng lắm")
    other.say("/gui")
    other.say("1")
    assert "Mã số" in other.text
    with ctx.transaction() as s:
        assert s.scalars(select(Question.original_text)).one() == "Đường hư\nnặng lắm"


def test_redelivered_update_creates_nothing_and_gets_same_answer(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "5")
    c.ask("Đường vào ấp 3 bị hư nặng")
    first = c.say("Đường thứ hai hư", update_id="dup-1")
    again = c.say("Đường thứ hai hư", update_id="dup-1")
    assert [o.text for o in first] == [o.text for o in again]
    with ctx.transaction() as s:
        conv = s.get(Conversation, s.scalars(select(CitizenRow.id)).one())
        assert conv is not None and conv.data["draft"] == ["Đường thứ hai hư"]


def test_my_questions_withdraw_and_erase(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "6")
    c.ask("Đường vào ấp 3 bị hư nặng", anonymous=False)
    ticket = TICKET.search(c.text)
    assert ticket
    c.say("/cauhoi")
    assert ticket.group(0) in c.text and "Đã tiếp nhận" in c.text
    c.say(f"/huy {ticket.group(0)}")
    assert "Đã rút" in c.text
    c.say("/huy HG-2026-999999")
    assert "Không tìm thấy" in c.text
    c.say("/huy")
    assert c.text == texts.WITHDRAW_NONE
    c.say("/xoa_du_lieu")
    assert texts.ERASE_CONFIRM in c.text
    c.press("Xóa dữ liệu")
    assert "Đã xóa" in c.text
    with ctx.transaction() as s:
        row = s.scalars(select(CitizenRow)).one()
        assert row.consent_at is None and row.erased_at is not None
        assert s.scalar(select(func.count()).select_from(Question)) == 1


def test_commands_in_wrong_state_get_a_hint(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "7")
    c.say("/gui")
    assert c.last and "/cauhoi" in c.text
    c.say("/khongco")
    assert "không có" in c.text
    c.say("/tro_giup")
    assert "/xoa_du_lieu" in c.text


def test_non_text_input(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "8")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    for kind, word in (("voice", "thoại"), ("sticker", "chữ"), ("location", "vị trí")):
        c.send(kind)
        assert word in c.text
    c.send("photo", file_ref="telegram:AgAD", file_size=1000)
    assert "Đã nhận ảnh (1/5 tệp)" in c.text
    c.send("document", file_ref="telegram:big", file_name="a.pdf", file_size=ctx.settings.max_attachment_bytes + 1)
    assert "quá lớn" in c.text
    c.say("Đường ngập nước, ảnh kèm theo")
    c.press("Gửi")
    c.press("Đúng")
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        atts = queries.attachments_of(s, q.id)
        assert [(a.kind, a.file_ref) for a in atts] == [("photo", "telegram:AgAD")]


def test_open_web_page_resumes_the_current_prompt(ctx: BotTestContext) -> None:
    from bot.messages import OPEN

    c = Citizen(ctx, "9", channel="web")
    c.send(OPEN, args="MA")
    assert "Đồng ý" in [b.label for b in c.last[0].flat_buttons()]
    c.press("Hỏi ẩn danh")
    c.send(OPEN)
    assert texts.ASK_QUESTION in c.text
    with ctx.transaction() as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.state == states.ASKING_QUESTION
