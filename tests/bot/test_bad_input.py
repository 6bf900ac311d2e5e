"""Bad input gets a polite answer and stores nothing wrong."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import texts
from harness.bot import BotTestContext, Citizen
from storage.actions import meetings
from storage.models import Meeting, Question


def asking(ctx: BotTestContext, user: str) -> Citizen:
    c = Citizen(ctx, user)
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    return c


def count(ctx: BotTestContext) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Question)) or 0)


def test_empty_and_whitespace(ctx: BotTestContext) -> None:
    c = asking(ctx, "e")
    c.say("   \n\t ")
    assert "trống" in c.text
    c.say("/gui")
    assert "trống" in c.text
    assert count(ctx) == 0


def test_ten_thousand_characters(ctx: BotTestContext) -> None:
    c = asking(ctx, "long")
    c.say("đường " * 1666 + "abcd")  # exactly 10.000 characters
    c.press("Gửi")
    c.press("Đúng")
    assert "Mã số" in c.text
    c.say("a" * 10_001)
    assert "10.000" in c.text
    with ctx.transaction() as s:
        assert len(s.scalars(select(Question.original_text)).one()) == 10_000


def test_only_emoji(ctx: BotTestContext) -> None:
    c = asking(ctx, "emoji")
    c.say("😀😀🙏🏻")
    c.press("Gửi")
    assert c.text == texts.NO_LETTERS
    assert count(ctx) == 0


def test_control_characters_removed(ctx: BotTestContext) -> None:
    c = asking(ctx, "ctl")
    c.say("Đường\x00 hư\x07 nặng\x1b[31m")
    c.press("Gửi")
    c.press("Đúng")
    with ctx.transaction() as s:
        assert s.scalars(select(Question.original_text)).one() == "Đường hư nặng[31m"


def test_markup_is_kept_as_text(ctx: BotTestContext) -> None:
    c = asking(ctx, "md")
    raw = "*Đường* _hư_ <script>alert(1)</script> [link](http://x)"
    c.say(raw)
    c.press("Gửi")
    c.press("Đúng")
    with ctx.transaction() as s:
        assert s.scalars(select(Question.original_text)).one() == raw


def test_flood_limit(ctx: BotTestContext) -> None:
    ctx.settings.flood_max_questions = 3
    c = asking(ctx, "flood")
    for i in range(3):
        c.say(f"Đường số {i} hư")
        c.press("Gửi")
        c.press("Đúng")
        assert "Mã số" in c.text
    c.say("Đường số 4 hư")
    c.press("Gửi")
    assert "3 câu hỏi trong 10 phút" in c.text
    assert count(ctx) == 3


def test_meeting_closed_meanwhile(ctx: BotTestContext) -> None:
    c = asking(ctx, "closed")
    c.say("Đường hư")
    c.press("Gửi")
    with ctx.transaction() as s:
        meeting = s.scalars(select(Meeting).where(Meeting.code == "MA")).one()
        meetings.set_meeting_state(s, meeting.id, "held")
    c.press("Đúng")
    assert "không nhận câu hỏi" in c.text
    assert "meeting:MA" not in [b.data for o in c.last for b in o.flat_buttons()]
    c.press("meeting:MB")
    assert "Đã ghi nhận" in c.text  # the draft is kept for the new meeting
    c.press("Gửi")
    c.press("Đúng")
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.meeting.code == "MB" and q.original_text == "Đường hư"


def test_database_unavailable_answers_busy(ctx: BotTestContext) -> None:
    from storage.db import make_engine

    c = asking(ctx, "busy")
    good = ctx.engine
    ctx.engine = make_engine("sqlite:////proc/doithoai-none.db")
    try:
        out = c.say("Đường hư")
        assert [o.text for o in out] == [texts.BUSY]
    finally:
        ctx.engine = good
    c.say("Đường hư")
    assert "Đã ghi nhận" in c.text
