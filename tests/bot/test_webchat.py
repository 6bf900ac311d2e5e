"""The web chat over HTTP: cookie identity, the conversation, answers fetched by the page."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import texts
from bot.channels.webchat import COOKIE, make_router
from harness.bot import BotTestContext
from storage.actions import replies
from storage.models import Attachment, Outbox, Question


def client_for(ctx: BotTestContext) -> TestClient:
    app = FastAPI()
    app.include_router(make_router(ctx))
    return TestClient(app)


def send(client: TestClient, **body: object) -> list[dict[str, object]]:
    resp = client.post("/chat/api/send", json=body)
    assert resp.status_code == 200
    return resp.json()["messages"]  # type: ignore[no-any-return]


def test_page_sets_a_signed_cookie_and_escapes_the_meeting_code(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    resp = client.get("/chat/MA")
    assert resp.status_code == 200 and "Gửi câu hỏi" in resp.text
    assert '"meeting": "MA"' in resp.text
    assert COOKIE in resp.cookies
    bad = client.get("/chat/%3Cscript%3E")
    assert "<script>alert" not in bad.text and '"meeting": ""' in bad.text


def test_whole_conversation_and_answer_delivered_to_the_page(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    client.get("/chat/MA")
    opened = client.post("/chat/api/open", json={"meeting": "MA"}).json()["messages"]
    assert opened[0]["buttons"][0][1]["data"] == "consent:no"
    send(client, button="consent:no", id="m1")
    send(client, text="Đường <b>ấp 3</b> **hư** nặng", id="m2")
    send(client, button="send", id="m3")
    done = send(client, button="field:giao_thong", id="m4")
    assert "Mã số" in str(done[0]["text"])
    assert send(client, button="field:giao_thong", id="m4") == done  # a retried request changes nothing
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.original_text == "Đường <b>ấp 3</b> **hư** nặng"
        replies.reply(s, q.id, "Huyện sẽ sửa đường trong tháng 12.", author="tester", status="triaged")
    inbox = client.get("/chat/api/inbox").json()["messages"]
    assert len(inbox) == 1 and "Huyện sẽ sửa đường" in inbox[0]["text"]
    with ctx.transaction() as s:
        row = s.scalars(select(Outbox).where(Outbox.reply_id.is_not(None))).one()
        assert row.status == "sent" and row.channel == "web"
    assert client.get(f"/chat/api/inbox?after={inbox[0]['id']}").json()["messages"] == []


def test_a_forged_cookie_is_a_new_citizen(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    client.get("/chat")
    client.post("/chat/api/open", json={})
    send(client, button="consent:no", id="x1")
    forged = client_for(ctx)
    forged.cookies.set(COOKIE, "forged.value")
    out = forged.post("/chat/api/open", json={}).json()["messages"]
    assert out[0]["buttons"][0][0]["data"] == "consent:yes"


def test_upload_photo_with_size_limit(ctx: BotTestContext) -> None:
    ctx.settings.max_attachment_bytes = 1000
    client = client_for(ctx)
    client.post("/chat/api/open", json={"meeting": "MA"})
    send(client, button="consent:no", id="p1")
    big = client.post("/chat/api/upload", files={"file": ("a.jpg", b"x" * 2000, "image/jpeg")}).json()
    assert "quá lớn" in big["messages"][0]["text"]
    ok = client.post("/chat/api/upload", files={"file": ("a.jpg", b"x" * 500, "image/jpeg")}).json()
    assert "Đã nhận tệp «a.jpg» (1/5 tệp)" in ok["messages"][0]["text"]
    send(client, text="Nước ngập đường, có ảnh", id="p2")
    send(client, button="send", id="p3")
    send(client, text="1", id="p4")
    with ctx.transaction() as s:
        att = s.scalars(select(Attachment)).one()
        assert att.kind == "photo" and att.size == 500 and att.file_ref.startswith("file:")


def _ask_on_web(client: TestClient, text: str = "Đường ấp 3 hư nặng", tag: str = "a") -> str:
    client.post("/chat/api/open", json={"meeting": "MA"})
    send(client, button="consent:no", id=f"{tag}1")
    send(client, text=text, id=f"{tag}2")
    send(client, button="send", id=f"{tag}3")
    done = send(client, button="field:giao_thong", id=f"{tag}4")
    match = re.search(r"HG-\d{4}-\d{6}", str(done[0]["text"]))
    assert match
    return match.group(0)


def test_a_reload_shows_the_conversation_again(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    assert client.get("/chat/api/history").json()["messages"] == []
    ticket = _ask_on_web(client)
    again = client_for(ctx)
    again.cookies.set(COOKIE, client.cookies[COOKIE])
    lines = again.get("/chat/api/history").json()["messages"]
    mine = [m["text"] for m in lines if m["from"] == "me"]
    assert mine == ["Hỏi ẩn danh", "Đường ấp 3 hư nặng", "Gửi", "Đúng"]
    assert any(ticket in m["text"] and m["from"] == "bot" for m in lines)
    assert client_for(ctx).get("/chat/api/history").json()["messages"] == []  # someone else sees nothing


def test_a_typed_ticket_code_shows_the_citizens_own_question_only(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    ticket = _ask_on_web(client)
    short_form = re.sub(r"-0+(\d)", r"-\1", ticket).lower()  # hg-2026-123
    out = send(client, text=short_form, id="t1")
    assert ticket in str(out[0]["text"]) and "Đã tiếp nhận" in str(out[0]["text"])
    stranger = client_for(ctx)
    stranger.post("/chat/api/open", json={})
    out = send(stranger, text=ticket, id="t2")
    assert "Không tìm thấy" in str(out[0]["text"]) and "Đường" not in str(out[0]["text"])


def test_erasing_asks_first_and_forgets_the_transcript(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    _ask_on_web(client)
    out = send(client, text="/xoa_du_lieu", id="e1")
    assert [b["data"] for b in out[0]["buttons"][0]] == ["erase:yes", "erase:no"]
    send(client, button="erase:no", id="e2")
    assert len(client.get("/chat/api/history").json()["messages"]) > 5
    send(client, text="/xoa_du_lieu", id="e3")
    out = send(client, button="erase:yes", id="e4")
    assert "Đã xóa" in str(out[0]["text"])
    lines = client.get("/chat/api/history").json()["messages"]
    assert all("Đường ấp 3" not in m["text"] for m in lines)


def test_the_answer_quotes_the_question_and_is_rated_from_the_inbox(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    ticket = _ask_on_web(client)
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        replies.reply(s, q.id, "Đường đã được sửa.", author="tester", status="resolved")
        qid = q.id
    inbox = client.get("/chat/api/inbox").json()["messages"]
    assert inbox[0]["quote"] == f"{ticket}: Đường ấp 3 hư nặng"
    assert [b["data"] for b in inbox[0]["buttons"][0]] == [f"rate:{qid}:yes", f"rate:{qid}:no"]
    out = send(client, button=f"rate:{qid}:no", id="r1")
    assert "vì sao" in str(out[0]["text"])
    out = send(client, text="Mới vá một nửa đường", id="r2")
    assert "mở lại" in str(out[0]["text"])
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert q.status == "triaged" and q.reopen_count == 1 and q.satisfied is False
    history = client.get("/chat/api/history").json()["messages"]
    assert any(m["quote"] and "Đường đã được sửa." in m["text"] for m in history)


def test_page_offers_commands_as_buttons_and_needs_no_emoji_font(ctx: BotTestContext) -> None:
    page = client_for(ctx).get("/chat").text
    assert '"text": "/cauhoi"' in page and '"text": "/xoa_du_lieu"' in page
    emoji = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\ufe0f]")
    assert not emoji.search(page)
    assert not any(emoji.search(v) for v in vars(texts).values() if isinstance(v, str))


def test_flood_limit_per_address_holds_without_the_cookie(ctx: BotTestContext) -> None:
    ctx.settings.flood_max_questions = 5
    ctx.settings.flood_max_per_address = 2
    for i in range(2):
        _ask_on_web(client_for(ctx), f"Đường số {i} hư", tag=f"f{i}")
    fresh = client_for(ctx)  # no cookie: a new citizen, from the same address
    fresh.post("/chat/api/open", json={"meeting": "MA"})
    send(fresh, button="consent:no", id="g1")
    send(fresh, text="Đường số 3 hư", id="g2")
    out = send(fresh, button="send", id="g3")
    assert "cùng một mạng" in str(out[0]["text"])
    with ctx.transaction() as s:
        assert len(s.scalars(select(Question)).all()) == 2


def test_a_reload_fetches_only_what_the_page_has_not_shown(ctx: BotTestContext) -> None:
    client = client_for(ctx)
    _ask_on_web(client)
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        replies.reply(s, q.id, "Trả lời thứ nhất.", author="tester", status="triaged")
    assert len(client.get("/chat/api/inbox").json()["messages"]) == 1
    with ctx.transaction() as s:
        replies.reply(s, q.id, "Trả lời thứ hai.", author="tester")
    send(client, text="/cauhoi", id="c1")  # a reply shown in its response, after the second answer
    history = client.get("/chat/api/history").json()  # the page is reloaded
    assert any("Trả lời thứ nhất." in m["text"] for m in history["messages"])
    inbox = client.get(f"/chat/api/inbox?after={history['inbox_after']}").json()["messages"]
    assert [m["text"].count("Trả lời thứ hai.") for m in inbox] == [1]
