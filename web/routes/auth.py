"""Log in and out; the home page sends each role where its work is."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage.actions import logins
from storage.actions.users import authenticate
from web.deps import SESSION_HOURS, Principal, current_user, get_ctx, session_token
from web.render import redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    # Only paths of this site: "//evil.example" or "https://..." would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: str = Form("", max_length=100),
    password: str = Form("", max_length=200),
    next: str = Form("/"),
) -> Response:
    ctx = get_ctx(request)
    address = request.client.host if request.client else "?"
    keys = (f"user:{username.strip().lower()}", f"addr:{address}")
    session: Session
    # The attempt is counted (and committed) before the password is looked at: parallel attempts,
    # other processes and a restart all see it.
    with ctx.transaction() as session:
        wait = logins.note_attempt(session, keys)
    if wait:
        minutes = max(1, round(wait / 60))
        return render(request, "login.html", status_code=429, next=_safe_next(next), username=username,
                      error=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút.")
    with ctx.transaction() as session:
        user = authenticate(session, username, password)
        token = None
        if user is not None:
            logins.clear_attempts(session, keys)
            token = logins.open_session(session, user.id, lifetime=timedelta(hours=SESSION_HOURS))
    if token is None:
        return render(request, "login.html", status_code=401, next=_safe_next(next), username=username,
                      error="Tên đăng nhập hoặc mật khẩu không đúng.")
    request.session.clear()
    request.session["sid"] = token
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    """Ends the session in the database: a copy of the cookie no longer logs anyone in."""
    session: Session
    with get_ctx(request).transaction() as session:
        logins.end_session(session, session_token(request))
    request.session.clear()
    return redirect("/login")


@router.get("/")
def home(user: Principal = Depends(current_user)) -> Response:
    return redirect("/assigned" if user.is_agency else "/meetings")
