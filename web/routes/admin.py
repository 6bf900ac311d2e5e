"""Accounts, API keys and answer templates."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.actions import agenda, api_keys, users
from storage.errors import DomainError
from storage.reach import ROLES, Reach
from web.deps import Principal, admin, db, get_ctx, organiser
from web.forms import opt_int, req_int
from web.render import field_codes, flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _users_page(request: Request, session: Session, error: str | None = None, values: dict[str, str] | None = None,
                created: tuple[str, str] | None = None, reset: tuple[str, str] | None = None) -> Response:
    return render(request, "users.html", status_code=422 if error else 200, users=queries.list_users(session),
                  units={u.id: u for u in queries.list_units(session, Reach.admin())},
                  agencies=queries.list_agencies(session, Reach.admin()), roles=ROLES, error=error,
                  values=values or {}, created=created, reset=reset)


@router.get("/admin/users")
def user_list(request: Request, _user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    return _users_page(request, session)


@router.post("/admin/users")
def user_create(
    request: Request, username: str = Form("", max_length=100), full_name: str = Form("", max_length=200),
    role: str = Form(""), unit_id: str = Form(""), agency_id: str = Form(""), password: str = Form("", max_length=200),
    email: str = Form("", max_length=200), _user: Principal = Depends(admin), session: Session = Depends(db),
) -> Response:
    values = {"username": username, "full_name": full_name, "role": role, "unit_id": unit_id, "agency_id": agency_id,
              "email": email}
    secret = password or users.new_password()
    try:
        with get_ctx(request).transaction() as tx:
            created = users.create_user(tx, username=username, role=role, password=secret, full_name=full_name,
                                        unit_id=opt_int(unit_id, "Đơn vị"), agency_id=opt_int(agency_id, "Cơ quan"),
                                        email=email or None)
            name = created.username
    except DomainError as exc:
        return _users_page(request, session, error=exc.message, values=values)
    return _users_page(request, session, created=(name, "" if password else secret))


@router.post("/admin/users/{user_id}/active")
def user_active(user_id: int, request: Request, active: str = Form("0"), _user: Principal = Depends(admin),
                session: Session = Depends(db)) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            users.set_active(tx, user_id, active == "1")
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return _users_page(request, session, error=exc.message)
    flash(request, "Đã mở khóa tài khoản." if active == "1" else "Đã khóa tài khoản.")
    return redirect("/admin/users")


@router.post("/admin/users/{user_id}/password")
def user_reset_password(user_id: int, request: Request, _user: Principal = Depends(admin),
                        session: Session = Depends(db)) -> Response:
    """A new random password, shown once; every session of that account ends."""
    secret = users.new_password()
    with get_ctx(request).transaction() as tx:
        name = users.set_password(tx, user_id, secret).username
    return _users_page(request, session, reset=(name, secret))


@router.post("/admin/users/{user_id}/email")
def user_email(user_id: int, request: Request, email: str = Form("", max_length=200),
               _user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            users.set_email(tx, user_id, email)
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return _users_page(request, session, error=exc.message)
    flash(request, "Đã lưu địa chỉ thư.")
    return redirect("/admin/users")


@router.get("/admin/api-keys")
def key_list(request: Request, user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    return render(request, "api_keys.html", keys=queries.list_api_keys(session),
                  units=queries.list_units(session, user.reach), created=None, error=None)


@router.post("/admin/api-keys")
def key_create(request: Request, name: str = Form("", max_length=100), unit_id: str = Form(""),
               user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    created: str | None = None
    error: str | None = None
    try:
        with get_ctx(request).transaction() as tx:
            _, created = api_keys.create_api_key(tx, name=name, unit_id=opt_int(unit_id, "Đơn vị"))
    except DomainError as exc:
        error = exc.message
    return render(request, "api_keys.html", status_code=422 if error else 200, keys=queries.list_api_keys(session),
                  units=queries.list_units(session, user.reach), created=created, error=error)


@router.post("/admin/api-keys/{key_id}/revoke")
def key_revoke(key_id: int, request: Request, _user: Principal = Depends(admin)) -> Response:
    with get_ctx(request).transaction() as tx:
        api_keys.revoke_api_key(tx, key_id)
    flash(request, "Đã thu hồi khóa API.")
    return redirect("/admin/api-keys")


@router.get("/templates")
def template_list(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    return render(request, "templates.html", templates=queries.list_templates(session, user.reach),
                  units=queries.list_units(session, user.reach), error=None, values={})


@router.post("/templates")
def template_create(
    request: Request, title: str = Form("", max_length=200), body: str = Form("", max_length=10_000),
    field: str = Form(""), unit_id: str = Form(""), user: Principal = Depends(organiser),
    session: Session = Depends(db),
) -> Response:
    try:
        if field and field not in field_codes(request):
            raise DomainError(f"Lĩnh vực «{field}» không có trong danh mục.")
        with get_ctx(request).transaction() as tx:
            unit = opt_int(unit_id, "Đơn vị") if user.is_admin else req_int(unit_id or str(user.unit_id), "Đơn vị")
            agenda.create_template(tx, user.reach, title=title, body=body, field=field or None, unit_id=unit)
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return render(request, "templates.html", status_code=422, templates=queries.list_templates(session, user.reach),
                      units=queries.list_units(session, user.reach), error=exc.message,
                      values={"title": title, "body": body, "field": field})
    flash(request, "Đã lưu mẫu trả lời.")
    return redirect("/templates")
