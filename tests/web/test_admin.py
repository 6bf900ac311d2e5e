"""Accounts, API keys, answer templates and the classifier page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from doithoai import retraining
from storage.actions import questions
from storage.models import ApiKey, User
from tests.web.conftest import Console
from tests.web.helpers import ask, login, post


def test_admin_creates_accounts_with_clear_errors(console: Console) -> None:
    c = console.client("admin")
    r = post(c, "/admin/users", {"username": "ph.org", "role": "organiser", "unit_id": ""})
    assert r.status_code == 422 and "Tổ giúp việc cần thuộc một đơn vị." in r.text
    r = post(c, "/admin/users", {"username": "ph.org", "role": "organiser", "unit_id": str(console.world.district_a.id),
                                 "full_name": "Tổ giúp việc A"})
    assert r.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', r.text)
    assert password
    with console.session() as s:
        user = s.query(User).filter(User.username == "ph.org").one()
        assert user.password_hash.startswith("$argon2") and password.group(1) not in user.password_hash
    login(console.client(None), "ph.org", password.group(1))
    unit = str(console.world.district_a.id)
    assert "đã có" in post(c, "/admin/users", {"username": "ph.org", "role": "organiser", "unit_id": unit}).text


def test_api_key_shown_once(console: Console) -> None:
    c = console.client("admin")
    r = post(c, "/admin/api-keys", {"name": "Cổng DVC"})
    raw = re.search(r'<code class="secret">(dt_[^<]+)</code>', r.text)
    assert raw
    page = c.get("/admin/api-keys").text
    assert "Cổng DVC" in page and raw.group(1) not in page
    with console.session() as s:
        assert raw.group(1) not in s.query(ApiKey).one().key_hash
    assert "đã có" in post(c, "/admin/api-keys", {"name": "Cổng DVC"}).text


def test_answer_templates_are_offered_for_the_field(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "Đường ấp 5 hư").id
    c = console.client("org_a")
    r = post(c, "/templates", {"title": "Đường giao thông nông thôn", "field": "giao_thong",
                               "unit_id": str(console.world.district_a.id),
                               "body": "Huyện đã đưa tuyến đường vào kế hoạch sửa chữa năm 2027."})
    assert r.status_code == 303
    assert post(c, "/templates", {"title": "", "body": ""}).status_code == 422
    page = c.get(f"/questions/{qid}").text
    assert "Đường giao thông nông thôn" in page and "kế hoạch sửa chữa năm 2027" in page
    # District B's organiser does not get district A's templates.
    assert "Đường giao thông nông thôn" not in console.client("org_b").get("/templates").text


def test_classifier_accuracy_and_retrain(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    with console.ctx.transaction() as s:
        right = ask(s, console.world.meeting_a, "Đường ấp 1 hư")
        wrong = ask(s, console.world.meeting_a, "Đường dây điện võng thấp")
        questions.set_field(s, right.id, "giao_thong", actor="t")
        questions.set_field(s, wrong.id, "dien", actor="t")
    c = console.client("org_a")
    page = c.get("/classifier").text
    assert "Trên 2 câu hỏi" in page and "gợi ý đúng 1 (50,00%)" in page and "sửa lĩnh vực: 1" in page
    calls: list[dict[str, Any]] = []

    def fake_train(**kwargs: Any) -> object:
        calls.append(kwargs)
        return object()

    monkeypatch.setattr("nlp.classify.train", fake_train)
    admin = console.client("admin")
    assert post(admin, "/classifier/retrain").status_code == 303
    assert calls == []  # the request only records the job
    assert "Đang chờ" in admin.get("/classifier").text
    assert "đang được huấn luyện" in admin.get(post(admin, "/classifier/retrain").headers["location"]).text
    assert retraining.run_pending(console.ctx) is True  # the worker's turn
    assert retraining.run_pending(console.ctx) is False  # asked twice, trained once
    expected = [("Đường dây điện võng thấp", "dien"), ("Đường ấp 1 hư", "giao_thong")]
    assert len(calls) == 1 and sorted(calls[0]["extra"]) == expected
    assert "Đã huấn luyện lại với 2 câu hỏi" in admin.get("/classifier").text
