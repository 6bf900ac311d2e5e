"""The web chat over HTTP: cookie identity, the conversation, answers fetched by the page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

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
        row = s.scalars(select(Outbox)).one()
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
    assert "tệp đính kèm" in ok["messages"][0]["text"]
    send(client, text="Nước ngập đường, có ảnh", id="p2")
    send(client, button="send", id="p3")
    send(client, text="1", id="p4")
    with ctx.transaction() as s:
        att = s.scalars(select(Attachment)).one()
        assert att.kind == "photo" and att.size == 500 and att.file_ref.startswith("file:")
