"""Uploads are kept only once attached to a stored question: refused ones go at once, orphans are swept."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import texts
from bot.channels.webchat import make_router
from harness.bot import BotTestContext
from storage.actions import attachments
from storage.clock import utcnow
from storage.models import Attachment
from storage.uploads import GRACE, sweep_orphans


def _client(ctx: BotTestContext) -> TestClient:
    app = FastAPI()
    app.include_router(make_router(ctx))
    return TestClient(app)


def _upload(client: TestClient, name: str) -> str:
    resp = client.post("/chat/api/upload", files={"file": (name, b"x" * 100, "image/jpeg")})
    assert resp.status_code == 200
    return str(resp.json()["messages"][0]["text"])


def _age(path: Path, by: timedelta) -> None:
    old = path.stat().st_mtime - by.total_seconds()
    os.utime(path, (old, old))


def test_refused_uploads_leave_no_file_and_orphans_are_swept(ctx: BotTestContext, tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    ctx.settings.upload_dir = folder
    client = _client(ctx)
    client.post("/chat/api/open", json={"meeting": "MA"})
    # Before the citizen is writing a question (consent not given yet), an upload is refused.
    assert _upload(client, "early.jpg") == texts.ATTACHMENT_WHEN_ASKING
    assert not folder.exists() or list(folder.iterdir()) == []
    client.post("/chat/api/send", json={"button": "consent:no", "id": "u1"})
    for n in range(attachments.MAX_PER_QUESTION):
        _upload(client, f"{n}.jpg")
    assert _upload(client, "sixth.jpg") == texts.TOO_MANY_ATTACHMENTS.format(limit=attachments.MAX_PER_QUESTION)
    assert len(list(folder.iterdir())) == attachments.MAX_PER_QUESTION
    client.post("/chat/api/send", json={"text": "Nước ngập đường, có ảnh", "id": "u2"})
    client.post("/chat/api/send", json={"button": "send", "id": "u3"})
    client.post("/chat/api/send", json={"text": "1", "id": "u4"})
    with ctx.transaction() as s:
        kept = {Path(a.file_ref.removeprefix("file:")).resolve() for a in s.scalars(select(Attachment))}
    assert kept == {p.resolve() for p in folder.iterdir()}

    orphan_old = folder / "left-behind.jpg"
    orphan_young = folder / "being-uploaded.jpg"
    orphan_old.write_bytes(b"x")
    orphan_young.write_bytes(b"x")
    _age(orphan_old, GRACE + timedelta(minutes=1))
    for path in kept:
        _age(path, timedelta(days=30))
    with ctx.transaction() as s:
        result = sweep_orphans(s, folder, now=utcnow())
    assert result.removed == 1 and not orphan_old.exists()
    assert orphan_young.exists() and all(p.exists() for p in kept)


def test_a_draft_keeps_its_uploads_until_the_question_is_stored(ctx: BotTestContext, tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    ctx.settings.upload_dir = folder
    client = _client(ctx)
    client.post("/chat/api/open", json={"meeting": "MA"})
    client.post("/chat/api/send", json={"button": "consent:no", "id": "d1"})
    _upload(client, "draft.jpg")
    (path,) = folder.iterdir()
    _age(path, GRACE * 2)
    with ctx.transaction() as s:
        assert sweep_orphans(s, folder).removed == 0
    assert path.exists()
