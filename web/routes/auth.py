"""Log in and out; the home page sends each role where its work is."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage.actions.users import authenticate
from web.deps import Principal, current_user, get_ctx
from web.render import redirect, render
from web.security import LoginLimiter, csrf_protect

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
    limiter: LoginLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else "?"
    keys = (f"user:{username.strip().lower()}", f"addr:{address}")
    wait = limiter.wait_seconds(*keys)
    if wait:
        minutes = max(1, round(wait / 60))
        return render(request, "login.html", status_code=429, next=_safe_next(next), username=username,
                      error=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút.")
    session: Session
    with get_ctx(request).transaction() as session:
        user = authenticate(session, username, password)
        ident = (user.id, user.password_hash[-16:]) if user is not None else None
    if ident is None:
        limiter.failed(*keys)
        return render(request, "login.html", status_code=401, next=_safe_next(next), username=username,
                      error="Tên đăng nhập hoặc mật khẩu không đúng.")
    limiter.succeeded(*keys)
    request.session.clear()
    request.session["uid"], request.session["pw"] = ident
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/login")


@router.get("/")
def home(user: Principal = Depends(current_user)) -> Response:
    return redirect("/assigned" if user.is_agency else "/meetings")
