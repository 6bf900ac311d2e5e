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


def _numbered(c: Citizen, label: str) -> str:
    """The number a Zalo citizen types for `label`: its place among the last message's options."""
    for out in reversed(c.last):
        labels = [b.label for b in out.flat_buttons()]
        if label in labels:
            return str(labels.index(label) + 1)
    raise AssertionError(f"no option {label!r} in {[o.text for o in c.last]}")


def test_numbers_choose_in_every_state_and_never_become_text(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "n1", channel="zalo")
    c.say("/start m_MA")
    c.say(_numbered(c, "Hỏi ẩn danh"))
    c.say("Đường vào ấp 3 bị hư nặng")
    c.say(_numbered(c, "Gửi"))  # «1. Gửi» sends; it is not appended to the question
    assert texts.FIELD_DETECTED.split("{")[0] in c.text
    c.say(_numbered(c, "Chọn lĩnh vực khác"))
    c.say(_numbered(c, "Giao thông"))
    assert "Mã số" in c.text
    c.say(_numbered(c, "Gửi câu hỏi khác"))  # «1. Gửi câu hỏi khác» asks for a question; "1" is none
    assert texts.ASK_QUESTION in c.text
    with ctx.transaction() as s:
        assert s.scalars(select(Question.original_text)).all() == ["Đường vào ấp 3 bị hư nặng"]
        conv = s.scalars(select(Conversation)).one()
        assert conv.state == states.ASKING_QUESTION and not conv.data.get("draft")


def test_words_choose_with_or_without_diacritics(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "n2", channel="zalo")
    c.say("/start")
    c.say("dong y")
    c.say("Hội nghị đối thoại Huyện B")  # a meeting by its title alone
    assert texts.ASK_NAME in c.text
    for _ in range(2):
        c.say("bo qua")
    c.say("BỎ QUA.")
    c.say("Nước máy có mùi phèn")
    c.say("gui")
    c.say("Khác")  # not an option here: «Khác» is a field, and «Chọn lĩnh vực khác» the full list
    assert texts.FIELD_HINT in c.text
    c.say("chon linh vuc khac")
    c.say("khac")
    assert "Mã số" in c.text
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.citizen_field == "khac" and q.confirmed_field is None and q.needs_review
        assert q.meeting.code == "MB"


def test_a_number_out_of_range_or_in_another_script_chooses_nothing(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "n3", channel="zalo")
    c.say("/start")
    for typed in ("3", "0", "１", "-1", "99999999999999999999"):
        c.say(typed)
        assert texts.CONSENT_HINT in c.text
    c.say("2")
    assert texts.ANONYMOUS in c.text


def _answered_resolved(ctx: BotTestContext, c: Citizen) -> tuple[int, str]:
    from storage.actions import replies

    confirmation = c.ask("Đường vào ấp 3 bị hư nặng")
    ticket = TICKET.search(confirmation)
    assert ticket
    with ctx.transaction() as s:
        q = s.scalars(select(Question).where(Question.ticket == ticket.group(0))).one()
        replies.reply(s, q.id, "Đường đã được sửa.", author="officer", status="resolved")
        return q.id, ticket.group(0)


def test_the_next_message_after_a_final_answer_rates_it(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "r1", channel="zalo")
    qid, ticket = _answered_resolved(ctx, c)
    c.say("2")  # «2. Chưa hài lòng» as the answer listed it
    assert texts.RATING_WHY in c.text
    c.say("Đường vẫn ngập khi mưa")
    assert texts.REOPENED.format(ticket=ticket) in c.text
    with ctx.transaction() as s:
        q = s.get(Question, qid)
        assert q is not None and q.status == "triaged" and q.reopen_count == 1 and q.satisfied is False
        conv = s.scalars(select(Conversation)).one()
        assert conv.state == states.DONE
    c.say("Đường khác cũng hư")  # no answer waits: this starts a question again
    assert "Đã ghi nhận" in c.text


def test_rating_by_words_and_a_reply_that_is_no_rating(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "r2")
    qid, _ = _answered_resolved(ctx, c)
    c.say("cảm ơn")
    assert texts.RATING_HINT in c.text and "Hài lòng" in [b.label for o in c.last for b in o.flat_buttons()]
    c.say("hai long")
    assert texts.RATING_THANKS in c.text
    c.send("button", data=f"rate:{qid}:no")  # the old button again
    assert "đã đánh giá" in c.text
    with ctx.transaction() as s:
        q = s.get(Question, qid)
        assert q is not None and q.satisfied is True and q.status == "resolved"


def test_an_answer_arriving_mid_question_is_rated_once_the_question_is_sent(ctx: BotTestContext) -> None:
    from storage.actions import replies

    c = Citizen(ctx, "r3")
    c.ask("Đường vào ấp 3 bị hư nặng")
    c.press("Gửi câu hỏi khác")
    c.say("Điện chập chờn")
    with ctx.transaction() as s:
        first = s.scalars(select(Question)).one()
        replies.reply(s, first.id, "Đã sửa.", author="officer", status="resolved")
        first_id = first.id
    c.say("mỗi tối")  # the draft goes on
    assert "Đã ghi nhận" in c.text
    c.press("Gửi")
    c.press("Đúng")
    assert "Mã số" in c.text and texts.RATING_QUESTION in c.text
    c.press("Hài lòng")
    with ctx.transaction() as s:
        texts_ = s.scalars(select(Question.original_text).order_by(Question.id)).all()
        assert texts_ == ["Đường vào ấp 3 bị hư nặng", "Điện chập chờn\nmỗi tối"]
        q = s.get(Question, first_id)
        assert q is not None and q.satisfied is True


def test_withdraw_by_choice_and_erase_declined(ctx: BotTestContext) -> None:
    c = Citizen(ctx, "w1", channel="zalo")
    ticket = TICKET.search(c.ask("Đường vào ấp 3 bị hư nặng"))
    assert ticket
    c.say("/huy")
    c.say(_numbered(c, "Không rút"))
    assert texts.WITHDRAW_KEPT in c.text
    c.say("/huy")
    c.say(_numbered(c, f"Rút {ticket.group(0)}"))
    assert texts.WITHDRAWN.format(ticket=ticket.group(0)) in c.text
    c.say("/xoa_du_lieu")
    c.say("khong xoa")
    assert texts.ERASE_KEPT in c.text
    c.say(ticket.group(0).lower())
    assert "Đã rút" in c.text
