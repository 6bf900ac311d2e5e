"""The Telegram Bot API emulator (npm telegram-test-api 4.2) and what the tests need around it.

The emulator has gaps that only the harness papers over, in a small proxy between the bot and it:
its getMe lacks `is_bot`; it drops `chat_instance` from callback queries; and its getUpdates
forgets an update once fetched, while Telegram keeps it until a later `offset` confirms it (the
redelivery that the kill -9 test relies on); and it dates sent messages in milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI, Request, Response

from harness.servers import free_port, serve_app

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tests" / ".tools"
PACKAGE = TOOLS / "node_modules" / "telegram-test-api"
TOKEN = "123456:TEST-token-doithoai"


def install() -> str | None:
    """None when the emulator is ready, else why the Telegram tests are skipped."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for the Telegram emulator (npm package telegram-test-api)"
    if not PACKAGE.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS),
                               "telegram-test-api@4.2"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not PACKAGE.exists():
            return f"npm install telegram-test-api@4.2 failed: {done.stderr[-300:]}"
    return None


@contextmanager
def emulator() -> Iterator[str]:
    port = free_port()
    script = (
        f"const TelegramServer = require({json.dumps(str(PACKAGE))});"
        f"const s = new TelegramServer({{port: {port}, host: '127.0.0.1', storeTimeout: 3600}});"
        "s.start().then(() => console.log('ready'));"
    )
    proc = subprocess.Popen(["node", "-e", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"the Telegram emulator did not start: {line}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


Hook = Callable[[str, dict[str, Any]], "tuple[int, dict[str, Any]] | None"]
# Waits end on events (the message arrived, the bot polls, a process died); this limit only ends a
# run that hangs, so a busy machine makes the tests slower, never red.
SAFETY_SECONDS = 600.0


class Watch:
    """What the proxy saw: `polling` is set when a bot asks for updates, i.e. it is up and listening."""

    def __init__(self) -> None:
        self.polling = threading.Event()


def proxy_app(upstream: str, hook: Hook | None = None, watch: Watch | None = None) -> FastAPI:
    """The bot's Bot API address; `hook(method, params)` sees each bot call and may answer it instead."""
    app = FastAPI()
    buffers: dict[str, list[dict[str, Any]]] = {}
    clients: list[httpx.AsyncClient] = []

    def shared() -> httpx.AsyncClient:
        if not clients:
            clients.append(httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=50)))
        return clients[0]

    async def forward(client: httpx.AsyncClient, token: str, method: str, body: bytes, ctype: str) -> Any:
        resp = await client.post(f"{upstream}/bot{token}/{method}", content=body,
                                 headers={"Content-Type": ctype} if ctype else {})
        return resp.json()

    @app.post("/bot{token}/{method}")
    async def bot_method(token: str, method: str, request: Request) -> Response:
        body = await request.body()
        ctype = request.headers.get("content-type", "")
        client = shared()
        if hook is not None and method != "getUpdates":
            answered = hook(method, _params(body, ctype))
            if answered is not None:
                return Response(json.dumps(answered[1]), status_code=answered[0], media_type="application/json")
        if method != "getUpdates":
            data = await forward(client, token, method, body, ctype)
            result = data.get("result")
            if method == "getMe" and isinstance(result, dict):
                result.setdefault("is_bot", True)
            if isinstance(result, dict) and isinstance(result.get("date"), int) and result["date"] > 10**11:
                result["date"] //= 1000  # the emulator answers in milliseconds, Telegram in seconds
            return Response(json.dumps(data), media_type="application/json")
        if watch is not None:
            watch.polling.set()
        params = _params(body, ctype)
        buffer = buffers.setdefault(token, [])
        offset = int(params.get("offset") or 0)
        buffer[:] = [u for u in buffer if u["update_id"] >= offset]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            fresh = (await forward(client, token, "getUpdates", b"", "")).get("result", [])
            for update in fresh:
                query = update.get("callback_query")
                if query is not None and "chat_instance" not in query:
                    query["chat_instance"] = str(query.get("message", {}).get("chat", {}).get("id", "0"))
                buffer.append(update)
            if buffer or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        limit = int(params.get("limit") or 100)
        return Response(json.dumps({"ok": True, "result": buffer[:limit]}), media_type="application/json")

    return app


def _params(body: bytes, ctype: str) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in ctype:
        return dict(json.loads(body))
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


_message_ids = itertools.count(10_000)


class TgCitizen:
    """A Telegram user talking to the bot through the emulator's client API."""

    def __init__(self, emu: str, user_id: int, http: httpx.Client | None = None,
                 processes: Sequence[subprocess.Popen[bytes]] = ()) -> None:
        self.emu = emu
        self.user_id = user_id
        self.http = http or httpx.Client(timeout=10)
        self.received: list[dict[str, Any]] = []
        # The bot processes answering this citizen: when one dies, waiting for a reply stops at once.
        self.processes = processes

    def _common(self) -> dict[str, Any]:
        who = {"id": self.user_id, "is_bot": False, "first_name": f"Dân {self.user_id}"}
        return {"botToken": TOKEN, "date": int(time.time()), "from": who,
                "chat": {"id": self.user_id, "type": "private", "first_name": who["first_name"]}}

    def say(self, text: str) -> None:
        self.http.post(f"{self.emu}/sendMessage", json={**self._common(), "text": text}).raise_for_status()

    def press(self, label: str) -> None:
        for msg in reversed(self.received):
            for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in (button["text"], button["callback_data"]):
                        self._callback(msg, button["callback_data"])
                        return
        raise AssertionError(f"no button {label!r}")

    def _callback(self, shown: dict[str, Any], data: str) -> None:
        common = self._common()
        message = {"message_id": shown.get("message_id") or next(_message_ids), "date": common["date"],
                   "chat": common["chat"], "text": shown.get("text", ""),
                   "from": {"id": 666, "is_bot": True, "first_name": "Bot"}}
        payload = {**common, "data": data, "chat_instance": str(self.user_id), "message": message}
        self.http.post(f"{self.emu}/sendCallback", json=payload).raise_for_status()

    def fetch(self) -> list[dict[str, Any]]:
        resp = self.http.post(f"{self.emu}/getUpdates", json={"token": TOKEN, "chatId": self.user_id})
        new = [u["message"] | {"message_id": u.get("messageId")} for u in resp.json().get("result", [])]
        self.received.extend(new)
        return new

    def wait_for(self, needle: str, timeout: float = SAFETY_SECONDS) -> str:
        """The first message containing `needle`, as soon as it arrives, however busy the machine."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.fetch()
            for msg in self.received:
                if needle in str(msg.get("text", "")):
                    return str(msg["text"])
            check_alive(self.processes)
            time.sleep(0.05)
        raise AssertionError(f"no message with {needle!r}; got {[m.get('text') for m in self.received][-5:]}")


def check_alive(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in processes:
        if proc.poll() is not None:
            raise AssertionError(f"{' '.join(map(str, proc.args))} exited with {proc.returncode}")


def wait_polling(watch: Watch, processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Until a bot asks the proxy for updates (it started and is listening), or one of `processes` dies."""
    deadline = time.monotonic() + SAFETY_SECONDS
    while not watch.polling.wait(timeout=0.1):
        check_alive(processes)
        if time.monotonic() > deadline:
            raise AssertionError("the bot never asked for updates")


def bot_env(db_url: str, base_url: str, model_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOITHOAI_")}
    env.update({"DOITHOAI_DATABASE_URL": db_url, "DOITHOAI_TELEGRAM_TOKEN": TOKEN,
                "DOITHOAI_TELEGRAM_BASE_URL": base_url, "DOITHOAI_MODEL_PATH": str(model_path),
                "DOITHOAI_SECRET_KEY": "test-secret-key-for-bot", "DOITHOAI_OUTBOX_POLL_SECONDS": "0.2",
                "DOITHOAI_LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


def start_bot(env: dict[str, str], only: str, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "doithoai", "serve", "--only", only,
                             "--port", str(free_port())], env=env, cwd=str(ROOT), stdout=out, stderr=out)


def tail(log: Path, lines: int = 30) -> str:
    """The end of a bot log, to show in a failing assertion."""
    if not log.exists():
        return ""
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


__all__ = ["SAFETY_SECONDS", "TOKEN", "TgCitizen", "Watch", "bot_env", "check_alive", "emulator", "install",
           "proxy_app", "serve_app", "start_bot", "tail", "wait_polling"]
