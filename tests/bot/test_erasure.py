"""Erasure reaches every copy: after a whole conversation with personal details, an attachment, an
assignment, an answer delivered, a rating with a reason and an answer still waiting, `/xoa_du_lieu`
leaves none of the citizen's values in any text, JSON or binary column of any table, nor in any file of
the upload folder; on SQLite, and on PostgreSQL when one answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import JSON, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.channels.webchat import make_router
from harness.bot import BotTestContext, make_context
from harness.factories import make_world
from storage.actions import questions, replies, units
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.models import Attachment, Base, Citizen, Outbox, Question, Reply

NAME = "Nguyễn Thị Hoa"
LOCALITY = "xóm Bến Đò"
PHONE = "0912 345 678"
ID_NUMBER = "079203001234"
EMAIL = "hoa.nguyen@example.vn"
FILE_NAME = "cccd_hoa_079203001234.jpg"
QUESTION = (f"Tôi là {NAME} ở {LOCALITY}, CCCD {ID_NUMBER}, điện thoại {PHONE}, email {EMAIL}. "
            "Đường vào xóm bị hư nặng, mùa mưa ngập sâu.")
OFFICE_PHONE = "0236 3822 123"
# Each value in the forms it may take once stored: typed, canonical, without diacritics.
ERASED = (NAME, "nguyen thi hoa", "Bến Đò", "ben do", PHONE, "0912345678", "+84912345678", "912 345 678",
          ID_NUMBER, EMAIL, "hoa.nguyen", FILE_NAME, "cccd_hoa")


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[BotTestContext]:
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as session:
        make_world(session)
    engine.dispose()
    context = make_context(db_url, upload_dir=tmp_path / "uploads")
    yield context
    context.engine.dispose()


def _client(ctx: BotTestContext) -> TestClient:
    app = FastAPI()
    app.include_router(make_router(ctx))
    return TestClient(app)


def _send(client: TestClient, **body: object) -> str:
    resp = client.post("/chat/api/send", json=body)
    assert resp.status_code == 200
    return "\n".join(str(m["text"]) for m in resp.json()["messages"])


def _converse(ctx: BotTestContext, client: TestClient) -> int:
    """The citizen's side up to an answer delivered, rated with a reason, and a second answer waiting."""
    client.post("/chat/api/open", json={"meeting": "MA"})
    _send(client, button="consent:yes", id="c1")
    _send(client, text=NAME, id="c2")
    assert LOCALITY in _send(client, text=LOCALITY, id="c3")
    _send(client, text=PHONE, id="c4")
    jpeg = b"\xff\xd8\xff\xe0" + f"CCCD {ID_NUMBER} {NAME}".encode() + b"\xff\xd9"
    up = client.post("/chat/api/upload", files={"file": (FILE_NAME, jpeg, "image/jpeg")})
    assert FILE_NAME in up.json()["messages"][0]["text"]
    _send(client, text=QUESTION, id="c5")
    _send(client, button="send", id="c6")
    assert "Mã số" in _send(client, button="field:giao_thong", id="c7")
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        agency = units.create_agency(s, unit_id=q.unit_id, name="Phòng Hạ tầng", email="hatang@example.gov.vn")
        questions.assign(s, q.id, agency.id, actor="tochuc")
        replies.reply(s, q.id, f"Gửi chị {NAME}: huyện sửa đường trong tháng 12. Liên hệ {OFFICE_PHONE}.",
                      author="tochuc", status="resolved")
        qid = q.id
    inbox = client.get("/chat/api/inbox").json()["messages"]
    assert any("sửa đường" in m["text"] for m in inbox)
    _send(client, button=f"rate:{qid}:no", id="c8")
    assert "mở lại" in _send(client, text=f"Chưa sửa, gọi lại cho tôi số {PHONE} nhé", id="c9")
    with ctx.transaction() as s:
        replies.reply(s, qid, f"Chị {NAME} vui lòng chờ thêm một tuần; hỏi thêm xin gọi {OFFICE_PHONE}.",
                      author="tochuc", status="in_progress")
        assert s.scalars(select(Attachment)).one()
        assert s.scalars(select(Outbox).where(Outbox.channel == "email")).first() is not None
    return qid


def _stored_texts(session: Session) -> Iterator[tuple[str, str]]:
    """(table.column, value) for every text, JSON and binary value of every table."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)]
        for row in session.execute(select(*columns)) if columns else ():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", "replace")
                elif isinstance(value, str):
                    text = value
                else:
                    text = json.dumps(value, ensure_ascii=False)
                yield f"{table.name}.{column.name}", text


def _found(haystack: str) -> list[str]:
    lowered = haystack.lower()
    return [v for v in ERASED if v.lower() in lowered]


def test_erasure_leaves_no_value_in_any_column_or_uploaded_file(ctx: BotTestContext) -> None:
    client = _client(ctx)
    qid = _converse(ctx, client)
    with ctx.transaction() as s:
        before = {where for where, text in _stored_texts(s) if _found(text)}
        counted = s.scalar(select(func.count()).select_from(Question))
    # The values really were stored in many places: the test looks where they were.
    assert {"citizens.name", "citizens.phone", "citizens.locality", "questions.original_text",
            "questions.search_text", "inbound_updates.payload", "outbox.text", "chat_lines.text", "replies.text",
            "attachments.file_name", "ratings.reason", "status_events.note"} <= before
    uploads = ctx.settings.upload_dir
    assert any(ID_NUMBER.encode() in p.read_bytes() for p in uploads.iterdir())

    assert "/xoa_du_lieu" not in _send(client, text="/xoa_du_lieu", id="e1")
    assert "Đã xóa" in _send(client, button="erase:yes", id="e2")

    with ctx.transaction() as s:
        left = {(where, value) for where, text in _stored_texts(s) for value in _found(text)}
        assert left == set()
        q = s.get(Question, qid)
        assert q is not None and q.citizen_id is not None and "Đường vào xóm bị hư nặng" in q.original_text
        assert s.scalar(select(func.count()).select_from(Question)) == counted  # it still counts in reports
        citizen = s.get(Citizen, q.citizen_id)
        assert citizen is not None and citizen.locality_unit_id is None and citizen.erased_at is not None
        # The organisers' answers keep their own words, and the one still waiting still goes out.
        assert all(OFFICE_PHONE in r.text for r in s.scalars(select(Reply)))
        waiting = s.scalars(select(Outbox).where(Outbox.reply_id.is_not(None), Outbox.status == "pending")).one()
        assert "vui lòng chờ thêm một tuần" in waiting.text
        assert s.scalars(select(Attachment)).first() is None
    for path in uploads.iterdir():
        data = path.read_bytes().decode("utf-8", "replace").lower()
        assert not [v for v in ERASED if v.lower() in data], path
    assert not any(uploads.iterdir())
    later = client.get("/chat/api/inbox").json()["messages"]
    assert any("vui lòng chờ thêm một tuần" in m["text"] for m in later)
    history = json.dumps(client.get("/chat/api/history").json(), ensure_ascii=False)
    assert _found(history) == []


def test_erasure_mid_question_drops_the_draft_and_its_files(ctx: BotTestContext) -> None:
    client = _client(ctx)
    client.post("/chat/api/open", json={"meeting": "MA"})
    _send(client, button="consent:no", id="d1")
    client.post("/chat/api/upload", files={"file": (FILE_NAME, b"\xff\xd8\xff\xe0 scan", "image/jpeg")})
    _send(client, text=QUESTION, id="d2")
    assert "Đúng" in client.post("/chat/api/send", json={"button": "send", "id": "d3"}).text
    _send(client, text="/xoa_du_lieu", id="d4")
    after = _send(client, button="erase:yes", id="d5")
    assert "Đã xóa" in after and texts.ASK_QUESTION.split("\n")[0] in after
    assert not any(ctx.settings.upload_dir.iterdir())
    # The question goes on from an empty draft: «Gửi» has nothing to send.
    assert texts.DRAFT_EMPTY in _send(client, button="send", id="d6")
    with ctx.transaction() as s:
        assert s.scalars(select(Question)).first() is None
        assert not [(where, v) for where, text in _stored_texts(s) for v in _found(text)]
