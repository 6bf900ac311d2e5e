"""One's own account: e-mail for notices, password change, Telegram/Zalo chats linked for notices."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage.actions import logins, officer_chats, users
from storage.errors import DomainError
from storage.models import User
from web.deps import SESSION_HOURS, Principal, current_user, db, get_ctx
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, session: Session, user: Principal, *, error: str | None = None,
          status_code: int = 200) -> Response:
    account = session.get(User, user.id)
    settings = get_ctx(request).settings
    return render(request, "account.html", status_code=status_code, account=account, error=error,
                  chats=officer_chats.chats_of(session, user.id),
                  telegram_bot=getattr(settings, "telegram_bot_username", None),
                  zalo_link=getattr(settings, "zalo_bot_link", None))


@router.get("/account")
def show(request: Request, user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    return _page(request, session, user)


@router.post("/account/email")
def set_email(request: Request, email: str = Form("", max_length=200), user: Principal = Depends(current_user),
              session: Session = Depends(db)) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            users.set_email(tx, user.id, email)
    except DomainError as exc:
        return _page(request, session, user, error=exc.message, status_code=422)
    flash(request, "Đã lưu địa chỉ thư nhận thông báo." if email.strip() else "Đã bỏ địa chỉ thư.")
    return redirect("/account")


@router.post("/account/password")
def change_password(request: Request, current: str = Form("", max_length=200), new: str = Form("", max_length=200),
                    repeat: str = Form("", max_length=200), user: Principal = Depends(current_user),
                    session: Session = Depends(db)) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            users.change_own_password(tx, user.id, current, new, repeat)
            # Every session of this account ended with the change; this browser gets a new one.
            token = logins.open_session(tx, user.id, lifetime=timedelta(hours=SESSION_HOURS))
    except DomainError as exc:
        return _page(request, session, user, error=exc.message, status_code=422)
    request.session["sid"] = token
    flash(request, "Đã đổi mật khẩu.")
    return redirect("/account")


@router.post("/account/chats/{channel}")
def link_chat(channel: str, request: Request, user: Principal = Depends(current_user),
              session: Session = Depends(db)) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            officer_chats.start_link(tx, user.id, channel)
    except DomainError as exc:
        return _page(request, session, user, error=exc.message, status_code=422)
    return redirect("/account#chats")


@router.post("/account/chats/{channel}/remove")
def unlink_chat(channel: str, request: Request, user: Principal = Depends(current_user)) -> Response:
    with get_ctx(request).transaction() as tx:
        officer_chats.unlink(tx, user.id, channel)
    flash(request, "Đã bỏ liên kết.")
    return redirect("/account#chats")
