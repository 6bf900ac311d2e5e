"""Attacks that got through before: concurrent password guessing, chunked floods, framing, copied
cookies after logout; and a Vietnamese 500 page."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select

from doithoai.runtime import console_app
from harness.servers import serve_app
from storage.actions import logins, users
from storage.models import ConsoleSession, LoginThrottle, User
from tests.web.conftest import Console
from tests.web.helpers import PASSWORD, csrf, login, post
from web.app import create_app
from web.middleware import BodyLimit

ATTEMPTS = 40


async def _concurrent_logins(console: Console, passwords: list[str]) -> list[int]:
    app = create_app(console.ctx)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/login")
        token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

        async def attempt(password: str) -> int:
            r = await client.post("/login", data={"username": "org_a", "password": password, "csrf_token": token})
            return r.status_code

        return list(await asyncio.gather(*(attempt(p) for p in passwords)))


def test_forty_concurrent_logins_test_at_most_five_passwords(console: Console) -> None:
    passwords = [f"sai-mat-khau-{n:02d}" for n in range(ATTEMPTS - 1)] + [PASSWORD]
    statuses = asyncio.run(_concurrent_logins(console, passwords))
    checked = [s for s in statuses if s != 429]
    assert len(checked) <= logins.MAX_ATTEMPTS, statuses
    assert statuses.count(429) >= ATTEMPTS - logins.MAX_ATTEMPTS
    with console.session() as s:
        counted = {row.key: row.attempts for row in s.scalars(select(LoginThrottle))}
    assert counted["user:org_a"] == ATTEMPTS
    # Another process (a new app on the same database) and a restart see the same count.
    fresh = TestClient(create_app(console.ctx))
    r = fresh.post("/login", data={"username": "org_a", "password": PASSWORD, "csrf_token": csrf(fresh)})
    assert r.status_code == 429 and "thử lại sau" in r.text


def test_success_clears_the_count(console: Console) -> None:
    c = console.client(None)
    for _ in range(3):
        r = c.post("/login", data={"username": "org_b", "password": "sai", "csrf_token": csrf(c)})
        assert r.status_code == 401
    login(c, "org_b")
    with console.session() as s:
        assert s.get(LoginThrottle, "user:org_b") is None


def _session_count(console: Console, username: str) -> int:
    with console.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return logins.live_session_count(s, user.id)


def test_logout_ends_the_session_for_a_copied_cookie(console: Console) -> None:
    c = console.client("org_a")
    stolen = TestClient(c.app, cookies=dict(c.cookies))
    assert stolen.get("/meetings", follow_redirects=False).status_code == 200
    assert post(c, "/logout").status_code == 303
    assert stolen.get("/meetings", follow_redirects=False).status_code == 303
    assert _session_count(console, "org_a") == 0


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_password_change_and_deactivation_end_every_session(console: Console, change: str) -> None:
    first, second = console.client("org_a"), console.client("org_a")
    assert _session_count(console, "org_a") == 2
    with console.ctx.transaction() as s:
        user = s.scalars(select(User).where(User.username == "org_a")).one()
        if change == "password":
            users.set_password(s, user.id, "mat-khau-moi-12345")
        else:
            users.set_active(s, user.id, False)
    for client in (first, second):
        assert client.get("/meetings", follow_redirects=False).status_code == 303
    with console.session() as s:
        assert s.scalars(select(ConsoleSession)).all() == [] or all(
            row.user_id != user.id for row in s.scalars(select(ConsoleSession)))


def _chunked_post(base: str, path: str, total: int, chunk: int = 64 * 1024) -> tuple[int, int]:
    """Sends a chunked POST of up to `total` bytes; returns (status, bytes sent before the server answered)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    answered = threading.Event()
    response = bytearray()

    def read() -> None:
        while b"\r\n\r\n" not in response:
            data = sock.recv(4096)
            if not data:
                break
            response.extend(data)
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent = 0
    piece = f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n"
    try:
        while sent < total and not answered.is_set():
            sock.sendall(piece)
            sent += chunk
    except OSError:
        pass  # the server closed the connection after refusing the body
    reader.join(timeout=30)
    sock.close()
    status = int(bytes(response).split(b" ", 2)[1]) if response else 0
    return status, sent


def test_chunked_oversized_post_is_refused_while_it_streams(console: Console) -> None:
    app = console_app(console.ctx)  # type: ignore[arg-type]
    with serve_app(app) as base:
        status, sent = _chunked_post(base, "/chat/api/send", 300 * 1024 * 1024)
    assert status == 413
    # The attachment limit is 10 MB here; the server stopped reading soon after it.
    assert sent < 64 * 1024 * 1024


def test_body_limit_counts_chunks_of_any_route() -> None:
    reads = 0

    async def endless() -> dict[str, object]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def app(scope: object, receive: object, send: object) -> None:
        while True:
            await receive()  # type: ignore[operator]

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(BodyLimit(app, limit=10 * 1024)({"type": "http", "headers": []}, endless, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413 and reads == 11


@pytest.fixture
def admin(console: Console) -> TestClient:
    """The admin's browser on the console with the web chat mounted, as `doithoai serve` runs it."""
    return login(TestClient(console_app(console.ctx)), "admin")  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["/chat", "/chat/MA", "/docs", "/login", "/reports/export.xlsx",
                                  "/reports/chart/fields.svg", "/open311/v2/services.json", "/healthz", "/nowhere"])
def test_security_headers_on_every_response(admin: TestClient, path: str) -> None:
    r = admin.get(path)
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "same-origin"


@pytest.fixture
def failing(console: Console) -> Iterator[TestClient]:
    app = create_app(console.ctx)
    boom = APIRouter()

    @boom.get("/boom")
    def explode() -> None:
        raise RuntimeError("an unexpected bug")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_unexpected_error_gives_a_vietnamese_page(failing: TestClient) -> None:
    page = failing.get("/boom")
    assert page.status_code == 500 and "Đã có lỗi ngoài dự kiến" in page.text and "Traceback" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    api = failing.get("/boom", headers={"accept": "application/json"})
    assert api.json()["error"] == "server_error"
