"""The web chat fuzzed: every input gets a specific Vietnamese answer, never a 500 or the generic error.

Seeded, so a failure is reproducible: lone surrogates, control characters and NUL, oversized text,
markup, look-alike numbers and ticket codes, commands with junk, and buttons pressed out of turn
(with data the page never offered, or JSON values that are not strings). Every input is parsed by the
web chat's own `incoming_from_body`. Most then go straight to the conversation (`bot.flow.handlers`),
the part that decides the answer; one in five goes through the whole stored turn (`bot.service.process`:
inbox, conversation, outbox), and one in 25 through HTTP, where the JSON decoding and the response's
encoding are tested as well. All three kinds share the citizens' stored conversations.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bot import texts
from bot.channels import webchat
from bot.flow import handlers, states
from bot.flow.turn import Turn
from bot.messages import Incoming, Outgoing
from bot.service import process
from harness.bot import BotTestContext, make_context
from harness.factories import make_world
from storage.actions import citizens, conversations
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.models import Base, Question

SEED = 20261201
INPUTS = int(__import__("os").environ.get("FUZZ_N", "10000"))
CITIZENS = 40
HTTP_SHARE = 25  # one input in 25 goes through HTTP
STORED_SHARE = 5  # one in five through the whole stored turn; the others to the conversation directly

VIETNAMESE = ["Đường vào ấp 3 bị hư nặng", "điện chập chờn", "nước sạch", "Đồng ý", "dong y", "Hỏi ẩn danh",
              "hoi an danh", "Gửi", "gui", "Bỏ qua", "bo qua", "Hài lòng", "chua hai long", "Xóa dữ liệu", "Không xóa",
              "Đúng", "Chọn lĩnh vực khác", "Giao thông", "Khác", "Gửi câu hỏi khác", "Rút", "Không rút"]
BUTTONS = ["consent:yes", "consent:no", "meeting:MA", "meeting:MB", "meeting:ZZZ", "page:0", "page:9", "page:-1",
           "page:x", "field:giao_thong", "field:khac", "field:*", "field:", "field:xyz", "send", "again", "skip",
           "rate:1:yes", "rate:1:no", "rate:x:yes", "rate:99999999999999999999:no", "rate::", "erase:yes", "erase:no",
           "withdraw:-", "withdraw:HG-2026-000001", "withdraw:", ":", "", "\x00", "\ud800", "<b>x</b>"]
COMMANDS = ["/start", "/start m_MA", "/start m_\ud83d", "/start m_" + "A" * 40, "/cauhoi", "/huy", "/huy HG-2026-1",
            "/huy \x00", "/xoa_du_lieu", "/tro_giup", "/gui", "/khongco", "/", "//", "/start@bot", "/" + "x" * 100]
ODD = ["\ud800", "\udfff", "a\ud83dxyz", "\x00", "x\x00y", "\x07\x1b[31m", "\u200b", "\u202e", "\ufeff", "\r\n", " \t ",
       "😀", "🙏🏻", "１", "٣", "0", "-1", "1.5", "1e9", "99999999999999999999999", "NaN", "null",
       "<script>alert(1)</script>",
       "*đậm* _nghiêng_ [link](http://x)", "'; DROP TABLE questions; --", "hg-2026-1", "HG-2026-000001",
       "HG-9999-999999999", "hg - 2026 - 12", "%s %d {0} {text}", "\\u0000", "ñ", "ǅ", "ㅤ"]


def _text(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return rng.choice(VIETNAMESE)
    if kind == 1:
        return rng.choice(ODD)
    if kind == 2:
        return rng.choice(COMMANDS)
    if kind == 3:
        return str(rng.randrange(-3, 40))
    if kind == 4:
        return "".join(chr(rng.choice([rng.randrange(0x20), rng.randrange(0xD800, 0xE000), rng.randrange(0x20, 0x2FFF),
                                       rng.randrange(0x1F300, 0x1FAFF)])) for _ in range(rng.randrange(1, 30)))
    if kind == 5:
        return rng.choice(VIETNAMESE) * rng.randrange(300, 1200)  # often over the 10.000 and 20.000 limits
    if kind == 6:
        return f"{rng.choice(VIETNAMESE)} {rng.choice(ODD)} {rng.choice(VIETNAMESE)}"
    return rng.choice(ODD) + rng.choice(COMMANDS)


def _body(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.3:
        button: Any = rng.choice(BUTTONS) if rng.random() < 0.85 else rng.choice([1, -1, 2.5, None, [], {}, True])
        return {"button": button} if button is not None else {"button": None, "text": _text(rng)}
    if roll < 0.33:
        return {"text": rng.choice([1, None, [], {"a": 1}, True, 1e308])}
    return {"text": _text(rng)}


def inputs(seed: int = SEED, count: int = INPUTS) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(input number, citizen number, JSON body), the same sequence for the same seed."""
    rng = random.Random(seed)
    for n in range(count):
        yield n, rng.randrange(CITIZENS), _body(rng)


def _check(n: int, body: dict[str, Any], replies: list[dict[str, Any]]) -> None:
    said = [str(r.get("text", "")) for r in replies]
    assert said, f"input {n} {body!r}: no answer"
    assert texts.ERROR not in said and texts.BUSY not in said, f"input {n} {body!r}: {said}"
    assert all(s.strip() for s in said), f"input {n} {body!r}: an empty answer"
    json.dumps(replies, ensure_ascii=False).encode("utf-8")  # what the page receives encodes


@pytest.fixture
def fuzz_ctx(ctx: BotTestContext) -> BotTestContext:
    ctx.settings.flood_max_questions = 1000
    ctx.settings.flood_max_per_address = 0
    return ctx


def converse(ctx: BotTestContext, incoming: Incoming) -> list[Outgoing]:
    """One turn of the conversation itself, as `bot.service` runs it between storing the update and
    queueing the replies: the citizen's stored state in, the next state and the replies out."""
    with ctx.transaction() as session:
        citizen = citizens.get_or_create_citizen(session, channel=incoming.channel, channel_user_id=incoming.user_id,
                                                 chat_id=incoming.chat_id)
        conv = conversations.load_conversation(session, citizen.id, states.START)
        turn = Turn(session=session, settings=ctx.settings, analyzer=ctx.analyzer, citizen=citizen,
                    incoming=incoming, data=dict(conv.data or {}))
        conversations.save_conversation(session, conv, handlers.handle(turn, conv.state), turn.data)
        return turn.replies


def run_fuzz(ctx: BotTestContext, seed: int, count: int, stored_share: int = STORED_SHARE) -> int:
    """Send the seeded inputs, checking each answer; then check what was stored."""
    app = FastAPI()
    app.include_router(webchat.make_router(ctx))
    clients: dict[int, TestClient] = {}
    done = 0
    with TestClient(app) as first:
        clients[0] = first
        for n, who, body in inputs(seed, count):
            if n % HTTP_SHARE == 0:
                client = clients.setdefault(who, TestClient(app))
                # As a browser's JSON.stringify sends it: a lone surrogate as a \\ud800 escape.
                payload = json.dumps({**body, "id": f"f{n}"} if n % 2 else body)
                resp = client.post("/chat/api/send", content=payload, headers={"Content-Type": "application/json"})
                assert resp.status_code == 200, f"input {n} {body!r}: HTTP {resp.status_code}"
                _check(n, body, resp.json()["messages"])
            else:
                chat_id = f"fuzz{who}"
                inc = webchat.incoming_from_body(chat_id, body, f"{chat_id}:{n}")
                stored = stored_share == 1 or n % stored_share == 1
                replies = process(ctx, inc) if stored else converse(ctx, inc)
                _check(n, body, [o.as_dict() for o in replies])
            done += 1
    with ctx.transaction() as s:
        stored = s.scalars(select(Question.original_text)).all()
        assert s.scalar(select(func.count()).select_from(Question)) == len(stored)
    for kept in stored:
        kept.encode("utf-8")  # no lone surrogate was stored
        assert "\x00" not in kept
    return done


def test_fuzzed_web_chat_always_answers_specifically(fuzz_ctx: BotTestContext) -> None:
    assert run_fuzz(fuzz_ctx, SEED, INPUTS) >= 10_000


def test_fuzzed_web_chat_on_postgresql(request: pytest.FixtureRequest) -> None:
    """PostgreSQL refuses NUL in text and checks UTF-8 strictly: a shorter run there."""
    url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    with session_scope(make_sessionmaker(engine)) as session:
        make_world(session)
    engine.dispose()
    ctx = make_context(url, flood_max_questions=1000, flood_max_per_address=0)
    try:
        assert run_fuzz(ctx, SEED + 1, 1_000, stored_share=1) == 1_000  # every input stored: the inbox too
    finally:
        ctx.engine.dispose()


def test_odd_json_bodies_get_an_answer(fuzz_ctx: BotTestContext) -> None:
    app = FastAPI()
    app.include_router(webchat.make_router(fuzz_ctx))
    with TestClient(app) as client:
        for raw in (b"", b"null", b"[]", b"\"x\"", b"{", b"{\"text\": \"\\ud800\"}", b"{\"text\": \"a\\u0000b\"}",
                    b"{\"button\": \"field:giao_thong\"}", b"\xff\xfe", b"{\"text\": 1e999}"):
            resp = client.post("/chat/api/send", content=raw, headers={"Content-Type": "application/json"})
            assert resp.status_code == 200, raw
            _check(0, {"raw": raw}, resp.json()["messages"])


def test_the_fuzz_is_seeded() -> None:
    assert list(inputs(7, 50)) == list(inputs(7, 50))
    assert list(inputs(7, 50)) != list(inputs(8, 50))
