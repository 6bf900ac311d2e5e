"""End to end: the real bot process polls the Telegram emulator; a citizen asks and gets the answer.

Every wait ends on an event (the bot polls, a reply arrives, a process dies), so a busy machine only
makes it slower.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import telegram as h

pytestmark = pytest.mark.e2e


WATCH = h.Watch()


@pytest.fixture(scope="session")
def tg_api() -> Iterator[str]:
    reason = h.install()
    if reason:
        pytest.skip(reason)
    with h.emulator() as emu, h.serve_app(h.proxy_app(emu, watch=WATCH)) as proxy:
        yield f"{emu}|{proxy}"


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Path:
    """The bots' own copy of the session's trained classifier: their worker may retrain it."""
    path = tmp_path_factory.mktemp("model") / "classifier.joblib"
    shutil.copy2(trained_model, path)
    return path


def test_citizen_asks_on_telegram_and_receives_the_answer(
    tg_api: str, model_path: Path, world_url: str, tmp_path: Path
) -> None:
    emu, proxy = tg_api.split("|")
    env = h.bot_env(world_url, proxy, model_path)
    WATCH.polling.clear()
    bot = h.start_bot(env, "bot", tmp_path / "bot.log")
    worker = h.start_bot(env, "worker", tmp_path / "worker.log")
    try:
        h.wait_polling(WATCH, (bot, worker))
        lan = h.TgCitizen(emu, 7001, processes=(bot, worker))
        lan.say("/start m_MA")
        lan.wait_for("dữ liệu cá nhân")
        lan.press("Đồng ý")
        lan.wait_for("họ và tên")
        lan.say("Trần Thị Lan")
        lan.wait_for("xã/phường")
        lan.press("Bỏ qua")
        lan.wait_for("Số điện thoại")
        lan.say("0912345678")
        lan.wait_for("Mời anh/chị nhập câu hỏi")
        lan.say("Đường vào ấp 3 xã A1 bị hư nặng, mùa mưa xe không chạy được")
        lan.wait_for("Đã ghi nhận")
        lan.press("Gửi")
        lan.wait_for("Giao thông")
        lan.press("Đúng")
        confirmation = lan.wait_for("Mã số")
        ticket = re.search(r"HG-\d{4}-\d{6}", confirmation)
        assert ticket
        cli = subprocess.run(
            [str(h.ROOT / ".venv" / "bin" / "python"), "-m", "doithoai", "reply", ticket.group(0),
             "--text", "Huyện đã bố trí kinh phí sửa đường trong quý I/2027.", "--status", "triaged"],
            env=env, cwd=str(h.ROOT), capture_output=True, text=True, timeout=h.SAFETY_SECONDS,
        )
        assert cli.returncode == 0, cli.stderr
        answer = lan.wait_for("Huyện đã bố trí kinh phí")
        assert ticket.group(0) in answer
        lan.say("/cauhoi")
        assert "Đã phân loại" in lan.wait_for("Câu hỏi của anh/chị:")
    finally:
        for proc in (bot, worker):
            proc.terminate()
            proc.wait(timeout=15)
