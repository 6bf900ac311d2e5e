"""A test context for the console, a keyword analyzer, and logging in with a TestClient."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from doithoai.config import Settings
from harness.factories import make_citizen
from storage.actions import proposals, questions
from storage.analysis import Analysis, PlainAnalyzer, fold
from storage.db import session_scope
from storage.models import Citizen, Meeting, Question

PASSWORD = "mat-khau-thu-nghiem-1"
KEYWORDS = {"duong": "giao_thong", "cau": "giao_thong", "dien": "dien", "nuoc": "nuoc_sach", "dat": "dat_dai",
            "bhyt": "bao_hiem", "lua": "nong_nghiep"}


class KeywordAnalyzer(PlainAnalyzer):
    """Deterministic stand-in for the trained classifier: a field from the first known keyword."""

    def analyze(self, text: str) -> Analysis:
        base = super().analyze(text)
        words = base.search_text.split()
        for word in words:
            if word in KEYWORDS:
                return Analysis(normalized=base.normalized, search_text=base.search_text, field=KEYWORDS[word],
                                confidence=0.81, alternatives=[("khac", 0.1)], needs_review=False)
        return Analysis(normalized=base.normalized, search_text=base.search_text, field="khac", confidence=0.2,
                        alternatives=[], needs_review=True)

    def find_similar(self, text: str, candidates: Sequence[tuple[Hashable, str]]) -> list[tuple[Hashable, float]]:
        mine = set(fold(text).split())
        out = []
        for cid, other in candidates:
            theirs = set(fold(other).split())
            score = len(mine & theirs) / max(1, len(mine | theirs))
            if score >= 0.6:
                out.append((cid, round(score, 2)))
        return sorted(out, key=lambda x: -x[1])


@dataclass
class ConsoleContext:
    sessions: sessionmaker[Session]
    analyzer: Any = field(default_factory=KeywordAnalyzer)
    settings: Any = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session


def console_settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "secret_key": SecretStr("s" * 48), "public_url": "http://127.0.0.1:8000",
        "telegram_bot_username": "doithoai_hg_bot", "zalo_bot_link": "https://zalo.me/s/doithoai",
        "model_path": tmp / "model.joblib", "upload_dir": tmp / "uploads", "database_url": "sqlite://",
    }
    values.update(overrides)
    return Settings(**values)


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def post(client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a console form with the session's CSRF token."""
    token = csrf(client, "/meetings")
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False, **kwargs)


def ask(session: Session, meeting: Meeting, text: str, *, citizen: Citizen | None = None) -> Question:
    """A citizen's question, classified by the keyword analyzer, and compared with the meeting's
    open questions as the running system's next pass of proposals would."""
    citizen = citizen or make_citizen(session)
    question = questions.submit_question(session, meeting_id=meeting.id, text=text, channel=citizen.channel,
                                         citizen_id=citizen.id, analyzer=KeywordAnalyzer())
    proposals.propose_pending(session, KeywordAnalyzer())
    session.refresh(question)
    return question
