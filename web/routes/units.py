"""Units and agencies managed in the console: created, renamed, deactivated; deadline days per unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries, workdays
from storage.actions import units
from storage.errors import DomainError
from storage.reach import Reach
from web.deps import Principal, admin, db, get_ctx
from web.forms import opt_int, req_int
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _page(request: Request, session: Session, *, error: str | None = None, values: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    everything = Reach.admin()
    return render(request, "units.html", status_code=status_code, units=queries.list_units(session, everything),
                  agencies=queries.list_agencies(session, everything), error=error, values=values or {},
                  urgencies=workdays.URGENCY_LABELS, default_days=workdays.DEFAULT_DAYS)


def _write(request: Request, session: Session, done: str, move: Callable[[Session], Any],
           values: dict[str, str] | None = None) -> Response:
    try:
        with get_ctx(request).transaction() as tx:
            move(tx)
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return _page(request, session, error=exc.message, values=values, status_code=422)
    flash(request, done)
    return redirect("/admin/units")


@router.get("/admin/units")
def show(request: Request, _user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    return _page(request, session)


@router.post("/admin/units")
def create_unit(request: Request, code: str = Form("", max_length=32), name: str = Form("", max_length=200),
                level: str = Form("", max_length=40), parent_id: str = Form(""), _user: Principal = Depends(admin),
                session: Session = Depends(db)) -> Response:
    values = {"code": code, "name": name, "level": level, "parent_id": parent_id}
    return _write(request, session, f"Đã tạo đơn vị {name.strip()}.", lambda tx: units.create_unit(
        tx, code=code, name=name, level=level, parent_id=opt_int(parent_id, "Đơn vị cấp trên")), values)


@router.post("/admin/units/{unit_id}/rename")
def rename_unit(unit_id: int, request: Request, name: str = Form("", max_length=200),
                _user: Principal = Depends(admin), session: Session = Depends(db)) -> Response:
    return _write(request, session, "Đã đổi tên đơn vị; tên cũ được giữ lại.",
                  lambda tx: units.rename_unit(tx, unit_id, name))


@router.post("/admin/units/{unit_id}/active")
def unit_active(unit_id: int, request: Request, active: str = Form("0"), _user: Principal = Depends(admin),
                session: Session = Depends(db)) -> Response:
    done = "Đã cho đơn vị hoạt động lại." if active == "1" else "Đã ngừng hoạt động đơn vị."
    return _write(request, session, done, lambda tx: units.set_unit_active(tx, unit_id, active == "1"))


@router.post("/admin/units/{unit_id}/deadlines")
def unit_deadlines(unit_id: int, request: Request, normal: str = Form(""), urgent: str = Form(""),
                   very_urgent: str = Form(""), _user: Principal = Depends(admin),
                   session: Session = Depends(db)) -> Response:
    typed = {workdays.NORMAL: normal, workdays.URGENT: urgent, workdays.VERY_URGENT: very_urgent}
    return _write(request, session, "Đã lưu số ngày làm việc theo mức độ.",
                  lambda tx: units.set_deadline_days(tx, unit_id, workdays.check_days(typed)))


@router.post("/admin/agencies")
def create_agency(request: Request, unit_id: str = Form(""), name: str = Form("", max_length=200),
                  email: str = Form("", max_length=200), _user: Principal = Depends(admin),
                  session: Session = Depends(db)) -> Response:
    values = {"agency_unit_id": unit_id, "agency_name": name, "agency_email": email}
    return _write(request, session, f"Đã tạo cơ quan {name.strip()}.", lambda tx: units.create_agency(
        tx, unit_id=req_int(unit_id, "Đơn vị"), name=name, email=email or None), values)


@router.post("/admin/agencies/{agency_id}/edit")
def edit_agency(agency_id: int, request: Request, name: str = Form("", max_length=200),
                email: str = Form("", max_length=200), _user: Principal = Depends(admin),
                session: Session = Depends(db)) -> Response:
    def move(tx: Session) -> None:
        units.rename_agency(tx, agency_id, name)
        units.set_agency_email(tx, agency_id, email or None)

    return _write(request, session, "Đã lưu cơ quan.", move)


@router.post("/admin/agencies/{agency_id}/active")
def agency_active(agency_id: int, request: Request, active: str = Form("0"), _user: Principal = Depends(admin),
                  session: Session = Depends(db)) -> Response:
    done = "Đã cho cơ quan hoạt động lại." if active == "1" else "Đã ngừng hoạt động cơ quan."
    return _write(request, session, done, lambda tx: units.set_agency_active(tx, agency_id, active == "1"))
