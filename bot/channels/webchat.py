"""The built-in web chat: a page at /chat and /chat/{meeting_code}, JSON under /chat/api/.

The chat identity is a random id in a signed cookie. Every message to the citizen is an outbox
row with channel "web": the replies to a request come back in its response (and are marked
delivered by it); the others (organisers' answers, a joined question's reply, a reply made
after a restart) are delivered when the page fetches them from /chat/api/inbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from bot import messages, service, texts
from bot.context import BotHost
from bot.flow.inputs import sanitized
from bot.flow.prompts import short
from bot.messages import Incoming, Outgoing
from storage import queries
from storage.actions import delivery
from storage.actions import webchat as webchat_actions
from storage.models import Question
from storage.queries import chat
from storage.uploads import save_upload

CHANNEL = "web"
COOKIE = "doithoai_chat"
PAGE = Path(__file__).with_name("webchat_page.html")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")
_CODE = re.compile(r"^[A-Za-z0-9]{1,16}$")


def make_router(ctx: BotHost) -> APIRouter:
    router = APIRouter()
    signer = URLSafeSerializer(ctx.settings.signing_key(), salt="doithoai-webchat")
    secure = ctx.settings.public_url.startswith("https://")
    page = PAGE.read_text(encoding="utf-8")

    def identity(request: Request) -> tuple[str, bool]:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                return str(signer.loads(raw)), False
            except BadSignature:
                pass
        return uuid.uuid4().hex, True

    def with_cookie(resp: Response, chat_id: str, new: bool) -> Response:
        if new:
            resp.set_cookie(COOKIE, signer.dumps(chat_id), max_age=400 * 24 * 3600, httponly=True,
                            samesite="lax", secure=secure)
        return resp

    key = ctx.settings.signing_key().encode()

    def origin(request: Request) -> str | None:
        """A keyed hash of the client's address: enough to count, useless to find anyone."""
        host = request.client.host if request.client is not None else ""
        return hmac.new(key, f"origin:{host}".encode(), hashlib.sha256).hexdigest()[:32] if host else None

    def reply(outs: list[Outgoing], chat_id: str, new: bool) -> Response:
        return with_cookie(JSONResponse({"messages": [o.as_dict() for o in outs]}), chat_id, new)

    def render_page(code: str, request: Request) -> Response:
        chat_id, new = identity(request)
        cfg = json.dumps({"meeting": code if _CODE.match(code) else "", "ui": texts.WEB_UI,
                          "commands": [{"label": label, "text": cmd} for label, cmd in texts.WEB_COMMANDS]}
                         ).replace("<", "\\u003c")
        html = page.replace("__CONFIG__", cfg).replace("__TITLE__", texts.WEB_TITLE)
        return with_cookie(HTMLResponse(html), chat_id, new)

    @router.get("/chat", response_class=HTMLResponse)
    async def chat_page(request: Request) -> Response:
        return render_page("", request)

    @router.get("/chat/{meeting_code}", response_class=HTMLResponse)
    async def chat_page_for_meeting(meeting_code: str, request: Request) -> Response:
        return render_page(meeting_code, request)

    @router.post("/chat/api/open")
    async def chat_open(request: Request) -> Response:
        chat_id, new = identity(request)
        body = await _json(request)
        code = str(body.get("meeting") or "")
        inc = Incoming(CHANNEL, chat_id, chat_id, kind=messages.OPEN, args=code if _CODE.match(code) else "",
                       origin=origin(request))
        return reply(await service.handle(ctx, inc, answered_inline=True), chat_id, new)

    @router.post("/chat/api/send")
    async def chat_send(request: Request) -> Response:
        chat_id, new = identity(request)
        body = await _json(request)
        client_id = str(body.get("id") or "")
        update_id = f"{chat_id[:20]}:{client_id}" if _CLIENT_ID.match(client_id) else None
        inc = replace(incoming_from_body(chat_id, body, update_id), origin=origin(request))
        return reply(await service.handle(ctx, inc, answered_inline=True), chat_id, new)

    @router.post("/chat/api/upload")
    async def chat_upload(request: Request, file: UploadFile) -> Response:
        chat_id, new = identity(request)
        limit = ctx.settings.max_attachment_bytes
        data = await file.read(limit + 1)
        kind = messages.PHOTO if (file.content_type or "").startswith("image/") else messages.DOCUMENT
        ref = ""
        if len(data) <= limit:
            ref = await asyncio.to_thread(save_upload, Path(ctx.settings.upload_dir), file.filename or "", data)
        inc = Incoming(CHANNEL, chat_id, chat_id, kind=kind, file_ref=ref, file_name=(file.filename or "")[:300],
                       mime_type=file.content_type, file_size=len(data), update_id=None, origin=origin(request))
        return reply(await service.handle(ctx, inc, answered_inline=True), chat_id, new)

    @router.get("/chat/api/history")
    async def chat_history(request: Request) -> Response:
        chat_id, new = identity(request)
        items, last = ([], 0) if new else await asyncio.to_thread(_history, ctx, chat_id)
        return with_cookie(JSONResponse({"messages": items, "inbox_after": last}), chat_id, new)

    @router.get("/chat/api/inbox")
    async def chat_inbox(request: Request, after: int = 0) -> Response:
        chat_id, new = identity(request)
        items = await asyncio.to_thread(_fetch_inbox, ctx, chat_id, after)
        return with_cookie(JSONResponse({"messages": items}), chat_id, new)

    return router


def incoming_from_body(chat_id: str, body: dict[str, Any], update_id: str | None) -> Incoming:
    """A POST to /chat/api/send: a pressed button (its data) or typed text, whatever the JSON holds."""
    button = body.get("button")
    if button is not None:
        inc = Incoming(CHANNEL, chat_id, chat_id, kind=messages.BUTTON, data=str(button)[:64], update_id=update_id)
    else:
        raw = body.get("text")
        text = raw if isinstance(raw, str) else ""
        inc = messages.text_incoming(CHANNEL, chat_id, chat_id, text[:20_000], update_id)
    return sanitized(inc)


def _history(ctx: BotHost, chat_id: str) -> tuple[list[dict[str, Any]], int]:
    """The cookie's citizen's transcript, oldest first, and the newest message id it covers."""
    with ctx.transaction() as session:
        citizen = chat.citizen_by_channel_id(session, CHANNEL, chat_id)
        if citizen is None:
            return [], 0
        lines = [{"from": "me" if line.sender == webchat_actions.CITIZEN else "bot", "text": line.text,
                  "buttons": line.buttons or [], "quote": line.quote} for line in chat.transcript(session, citizen.id)]
        return lines, chat.shown_up_to(session, CHANNEL, chat_id)


def _fetch_inbox(ctx: BotHost, chat_id: str, after: int) -> list[dict[str, Any]]:
    """Messages for this chat after `after`; fetching one is what delivers it (and keeps it in the
    transcript). An answer quotes the question it answers."""
    with ctx.transaction() as session:
        rows = queries.web_messages(session, chat_id, after)
        citizen = chat.citizen_by_channel_id(session, CHANNEL, chat_id) if rows else None
        items = []
        for r in rows:
            question = session.get(Question, r.question_id) if r.question_id is not None else None
            quote = f"{question.ticket}: {short(question.original_text, 300)}" if question is not None else None
            items.append({"id": r.id, "text": r.text, "buttons": r.buttons or [], "quote": quote})
            if r.status == "pending":
                delivery.mark_delivered(session, [r.id])
                if citizen is not None:
                    webchat_actions.record_line(session, citizen.id, webchat_actions.BOT, r.text,
                                                buttons=r.buttons, quote=quote)
        return items


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
