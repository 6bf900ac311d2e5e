"""An officer links their own Telegram chat by sending the console's code; notices then arrive there too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import texts
from harness.bot import BotTestContext, Citizen
from harness.factories import ask
from storage import workdays
from storage.actions import officer_chats, questions, users
from storage.models import Agency, Meeting, OfficerChat, Outbox

PASSWORD = "mat-khau-thu-nghiem-1"


def test_code_links_the_chat_and_notices_follow(ctx: BotTestContext) -> None:
    with ctx.transaction() as s:
        agency = s.scalars(select(Agency).order_by(Agency.id)).first()
        assert agency is not None
        officer = users.create_user(s, username="canbo", role="agency", password=PASSWORD, agency_id=agency.id)
        code = officer_chats.start_link(s, officer.id, "telegram").code or ""
        agency_id, officer_id = agency.id, officer.id
    chat = Citizen(ctx, "9001", channel="telegram")
    chat.say("/start LKAAAAAAAAAA")
    assert texts.OFFICER_LINK_EXPIRED in [o.text for o in chat.last]
    chat.say(f"/start {code.lower()}")
    assert texts.OFFICER_LINKED in [o.text for o in chat.last]
    with ctx.transaction() as s:
        row = s.scalars(select(OfficerChat).where(OfficerChat.user_id == officer_id)).one()
        assert (row.chat_id, row.code) == ("9001", None)
        meeting = s.scalars(select(Meeting).where(Meeting.code == "MA")).one()
        q = ask(s, meeting, "Đường ấp 7 ngập")
        questions.assign(s, q.id, agency_id, actor="to.a", due_date=workdays.today() + timedelta(days=4))
        sent = s.scalars(select(Outbox).where(Outbox.channel == "telegram", Outbox.user_id == officer_id)).all()
        assert [r.chat_id for r in sent] == ["9001"] and sent[0].text.startswith("[doithoai] Giao xử lý")
    # The same code a second time no longer works, and the chat still works for questions.
    chat.say(f"/start {code}")
    assert texts.OFFICER_LINK_EXPIRED in [o.text for o in chat.last]
