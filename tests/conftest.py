"""Shared fixtures: a migrated database per test, on SQLite always and PostgreSQL when one answers; the
classifier trained once per session."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Base

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

PG_URL = os.environ.get("DOITHOAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def pg_admin_url() -> str:
    return "postgresql+psycopg://" + PG_URL.split("://", 1)[1]


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return f"no PostgreSQL answers at {PG_URL} ({type(exc).__name__}); set DOITHOAI_TEST_PG_URL"


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The classifier trained once on the bundled corpus (several seconds of CPU): tests that need a model
    file take a copy (`model_file`), so a test that replaces its model leaves the others' alone."""
    from nlp.classify import train

    path = tmp_path_factory.mktemp("trained") / "classifier.joblib"
    train(model_path=path)
    return path


@pytest.fixture
def model_file(trained_model: Path, tmp_path: Path) -> Path:
    """This test's own copy of the trained classifier, at `tmp_path / "model.joblib"`."""
    path = tmp_path / "model.joblib"
    shutil.copy2(trained_model, path)
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    name = f"doithoai_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A freshly migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        engine = make_engine(url)
        _truncate(engine)
        engine.dispose()
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s
        s.rollback()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests in Chromium run last. Playwright's sync API leaves its event loop marked as running
    between calls, so no asyncio test can run once the session's browser has started."""
    items.sort(key=lambda item: "chromium" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole session; each test opens its own contexts (`new_page`)."""
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (its own cookies), Vietnamese locale, closed after the test.
    `new_page(420, 760)` is a phone; `new_page()` the default desktop window."""
    from playwright.sync_api import BrowserContext

    opened: list[BrowserContext] = []

    def open_page(width: int | None = None, height: int | None = None) -> Page:
        viewport: ViewportSize | None = {"width": width, "height": height or 1000} if width else None
        context = chromium.new_context(locale="vi-VN", viewport=viewport)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


@pytest.fixture
def ask_on_web_chat(new_page: Callable[..., Page]) -> Callable[[str, str], tuple[Page, str]]:
    """A citizen on a phone opens the web chat at `url`, asks `text` anonymously, sends it and accepts
    the field the bot guessed; returns the page and the ticket code the bot showed."""

    def ask(url: str, text: str) -> tuple[Page, str]:
        from playwright.sync_api import expect

        page = new_page(420, 760)
        page.goto(url)
        page.get_by_role("button", name="Hỏi ẩn danh").click()
        page.locator("#text").fill(text)
        page.locator("#text").press("Enter")
        page.locator(".msg.bot .buttons button", has_text="Gửi").last.click()
        page.locator(".msg.bot .buttons button", has_text="Đúng").last.click()
        ticket = re.compile(r"[A-Z]{2}-\d{4}-\d{6}")
        expect(page.locator(".msg.bot").last).to_contain_text(ticket)
        found = ticket.search(page.locator(".msg.bot").last.inner_text())
        assert found is not None
        return page, found.group(0)

    return ask
