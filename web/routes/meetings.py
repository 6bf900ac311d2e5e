"""Meetings: the list, create and edit, state changes, the printable poster with QR codes."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.actions import meetings as meeting_actions
from storage.errors import DomainError, OutOfReach
from storage.reach import require_meeting, require_unit
from web.deps import Principal, current_user, db, get_ctx, organiser
from web.forms import day_start, local_input, opt_datetime, opt_int, req_datetime, req_int
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
MEETING_FIELDS = ("unit_id", "title", "chair", "target_group", "place", "starts_at", "intake_until")


@router.get("/meetings")
def meeting_list(
    request: Request, unit: str | None = None, year: str | None = None,
    user: Principal = Depends(current_user), session: Session = Depends(db),
) -> Response:
    unit_id = opt_int(unit, "Đơn vị")
    if unit_id is not None:
        require_unit(session, unit_id, user.reach)
    y = opt_int(year, "Năm")
    rows = queries.meetings_page(session, user.reach, unit_id=unit_id,
                                 start=day_start(date(y, 1, 1)) if y else None,
                                 end=day_start(date(y + 1, 1, 1)) if y else None)
    return render(request, "meetings.html", rows=rows, units=queries.list_units(session, user.reach),
                  unit_id=unit_id, year=y)


def _form_page(request: Request, session: Session, user: Principal, values: dict[str, object],
               meeting_id: int | None, error: str | None = None) -> Response:
    return render(request, "meeting_form.html", status_code=422 if error else 200, values=values,
                  meeting_id=meeting_id, error=error, units=queries.list_units(session, user.reach))


@router.get("/meetings/new")
def meeting_new(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    return _form_page(request, session, user, {"unit_id": user.unit_id}, None)


@router.get("/meetings/{meeting_id}/edit")
def meeting_edit(meeting_id: int, request: Request, user: Principal = Depends(organiser),
                 session: Session = Depends(db)) -> Response:
    m = require_meeting(session, meeting_id, user.reach)
    values: dict[str, object] = {name: getattr(m, name) for name in MEETING_FIELDS}
    values["starts_at"] = local_input(m.starts_at)
    values["intake_until"] = local_input(m.intake_until)
    return _form_page(request, session, user, values, m.id)


@router.post("/meetings")
@router.post("/meetings/{meeting_id}/edit")
def meeting_save(
    request: Request, meeting_id: int | None = None, unit_id: str = Form(""), title: str = Form("", max_length=300),
    chair: str = Form("", max_length=200), target_group: str = Form("", max_length=200),
    place: str = Form("", max_length=300), starts_at: str = Form(""), intake_until: str = Form(""),
    user: Principal = Depends(organiser), session: Session = Depends(db),
) -> Response:
    values: dict[str, object] = {"unit_id": unit_id, "title": title, "chair": chair, "target_group": target_group,
                                 "place": place, "starts_at": starts_at, "intake_until": intake_until}
    try:
        with get_ctx(request).transaction() as tx:
            starts = req_datetime(starts_at, "Thời gian")
            until = opt_datetime(intake_until, "Hạn nhận câu hỏi")
            if meeting_id is None:
                unit = require_unit(tx, req_int(unit_id, "Đơn vị"), user.reach)
                meeting = meeting_actions.create_meeting(
                    tx, unit_id=unit.id, title=title, starts_at=starts, chair=chair, target_group=target_group,
                    place=place, intake_until=until)
            else:
                require_meeting(tx, meeting_id, user.reach)
                meeting = meeting_actions.update_meeting(
                    tx, meeting_id, title=title.strip(), chair=chair.strip(), target_group=target_group.strip(),
                    place=place.strip(), starts_at=starts, intake_until=until)
            new_id = meeting.id
    except DomainError as exc:
        if exc.http_status == 404 or isinstance(exc, OutOfReach):
            raise
        return _form_page(request, session, user, values, meeting_id, error=exc.message)
    flash(request, "Đã lưu hội nghị.")
    return redirect(f"/meetings/{new_id}/queue")


@router.post("/meetings/{meeting_id}/state")
def meeting_state(
    meeting_id: int, request: Request, state: str = Form(...), attendance: str = Form(""),
    user: Principal = Depends(organiser),
) -> Response:
    with get_ctx(request).transaction() as tx:
        require_meeting(tx, meeting_id, user.reach)
        meeting = meeting_actions.set_meeting_state(tx, meeting_id, state)
        count = opt_int(attendance, "Lượt người dự")
        if count is not None:
            meeting_actions.record_attendance(tx, meeting_id, count)
        label = meeting_actions.STATE_LABELS[meeting.state]
    flash(request, f"Hội nghị: {label}.")
    return redirect(f"/meetings/{meeting_id}/queue")


def chat_links(settings: object, code: str) -> list[tuple[str, str]]:
    """(channel name, link opening the bot on this meeting) for every configured channel."""
    public = str(getattr(settings, "public_url", "") or "").rstrip("/")
    links = [("Trò chuyện trên web", f"{public}/chat/{quote(code)}")]
    bot = getattr(settings, "telegram_bot_username", None)
    if bot:
        links.insert(0, ("Telegram", f"https://t.me/{quote(str(bot).lstrip('@'))}?start=m_{quote(code)}"))
    zalo = getattr(settings, "zalo_bot_link", None)
    if zalo:
        links.insert(1 if bot else 0, ("Zalo", str(zalo)))
    return links


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@router.get("/meetings/{meeting_id}/poster")
def poster(meeting_id: int, request: Request, user: Principal = Depends(organiser),
           session: Session = Depends(db)) -> Response:
    meeting = require_meeting(session, meeting_id, user.reach)
    links = [(name, url, qr_svg(url)) for name, url in chat_links(get_ctx(request).settings, meeting.code)]
    return render(request, "poster.html", meeting=meeting, links=links)
