"""Logging in, sessions, CSRF and the login rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from storage import queries
from storage.actions import users
from tests.web.conftest import Console
from tests.web.helpers import PASSWORD, csrf, post


def test_anonymous_is_sent_to_login(console: Console) -> None:
    c = console.client(None)
    r = c.get("/meetings?unit=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/meetings%3Funit%3D1"
    # Without a key or a session Open311 gives only what was published: nothing yet.
    assert c.get("/open311/v2/requests.json").json() == []


def test_login_sets_a_signed_httponly_lax_cookie(console: Console) -> None:
    c = console.client(None)
    token = csrf(c)
    r = c.post("/login", data={"username": "org_a", "password": PASSWORD, "csrf_token": token, "next": "/overdue"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/overdue"
    cookie = r.headers["set-cookie"].lower()
    assert "doithoai_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "Tổ giúp việc" in c.get("/meetings").text


def test_wrong_password_and_open_redirect(console: Console) -> None:
    c = console.client(None)
    token = csrf(c)
    r = c.post("/login", data={"username": "org_a", "password": "sai", "csrf_token": token})
    assert r.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in r.text
    r = c.post("/login", data={"username": "org_a", "password": PASSWORD, "csrf_token": token,
                               "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_login_is_rate_limited(console: Console) -> None:
    c = console.client(None)
    token = csrf(c)
    for _ in range(5):
        assert c.post("/login", data={"username": "org_b", "password": "sai-mat-khau", "csrf_token": token}
                      ).status_code == 401
    r = c.post("/login", data={"username": "org_b", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in r.text
    # Another account from the same address is limited too.
    r = c.post("/login", data={"username": "org_a", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429


def test_forms_without_csrf_token_are_refused(console: Console) -> None:
    c = console.client("org_a")
    mid = console.world.meeting_a.id
    r = c.post(f"/meetings/{mid}/state", data={"state": "held"})
    assert r.status_code == 403 and "biểu mẫu không hợp lệ" in r.text
    r = c.post(f"/meetings/{mid}/state", data={"state": "held", "csrf_token": "forged"})
    assert r.status_code == 403
    with console.session() as s:
        assert s.get(type(console.world.meeting_a), mid).state == "open"  # type: ignore[union-attr]
    assert post(c, f"/meetings/{mid}/state", {"state": "held"}).status_code == 303


def test_logout_and_deactivation_end_the_session(console: Console) -> None:
    c = console.client("org_a")
    assert c.get("/meetings").status_code == 200
    assert post(c, "/logout").status_code == 303
    assert c.get("/meetings", follow_redirects=False).status_code == 303
    c2: TestClient = console.client("org_b")
    with console.ctx.transaction() as s:
        user = next(u for u in queries.list_users(s) if u.username == "org_b")
        users.set_active(s, user.id, False)
    assert c2.get("/meetings", follow_redirects=False).status_code == 303


def test_password_change_ends_other_sessions(console: Console) -> None:
    c = console.client("org_p")
    with console.ctx.transaction() as s:
        user = next(u for u in queries.list_users(s) if u.username == "org_p")
        users.set_password(s, user.id, "mat-khau-moi-rat-dai")
    assert c.get("/meetings", follow_redirects=False).status_code == 303


def test_oversized_body_and_security_headers(console: Console) -> None:
    c = console.client("org_a")
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = c.post("/login", content=b"x" * (11 * 1024 * 1024), headers=form)
    assert r.status_code == 413 and "Dữ liệu gửi lên quá lớn" in r.text
    page = c.get("/meetings")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
