"""CLI commands of the console: accounts and API keys, and the demo's accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from doithoai.context import Services
from storage import lookup, queries
from storage.actions import api_keys, users
from storage.actions.users import ROLE_LABELS
from storage.errors import DomainError
from storage.models import Agency, User
from storage.reach import Reach

__all__ = ["demo_users", "register"]

console = Console()

DEMO_ACCOUNTS = [
    ("quantri", "admin", None, None, "Quản trị hệ thống"),
    ("thanhpho.ct", "organiser", "CT", None, "Tổ giúp việc Thành ủy Cần Thơ"),
    ("xa.hoaan", "organiser", "CT-HA", None, "Tổ giúp việc Đảng ủy xã Hòa An"),
    ("kinhte.hoaan", "agency", "CT-HA", "Phòng Kinh tế xã Hòa An", "Cán bộ Phòng Kinh tế xã Hòa An"),
]


def _agency_id(session: Session, unit_code: str, name: str) -> int:
    unit = lookup.get_unit_by_code(session, unit_code)
    agency = session.scalars(select(Agency).where(Agency.unit_id == unit.id, Agency.name == name)).first()
    if agency is None:
        raise DomainError(f"Không tìm thấy cơ quan «{name}» của đơn vị {unit_code}.")
    return agency.id


def demo_users(ctx: Services) -> None:
    """One account per role for the demo; passwords are printed once, a second run creates nothing."""
    created: list[tuple[str, str, str, str]] = []
    with ctx.transaction() as session:
        for username, role, unit_code, agency_name, full_name in DEMO_ACCOUNTS:
            if session.scalars(select(User.id).where(User.username == username)).first() is not None:
                continue
            password = users.new_password()
            unit_id = lookup.get_unit_by_code(session, unit_code).id if unit_code and not agency_name else None
            agency_id = _agency_id(session, unit_code, agency_name) if unit_code and agency_name else None
            users.create_user(session, username=username, role=role, password=password, unit_id=unit_id,
                              agency_id=agency_id, full_name=full_name)
            created.append((username, password, ROLE_LABELS[role], full_name))
    if not created:
        console.print("Các tài khoản mẫu đã có từ trước (mật khẩu đã in ở lần chạy đầu; "
                      "đặt lại bằng: doithoai user password TÊN_ĐĂNG_NHẬP).")
        return
    table = Table("Tên đăng nhập", "Mật khẩu", "Vai trò", "Họ tên",
                  title=f"Tài khoản trang quản trị {ctx.settings.public_url}/login (mật khẩu chỉ in một lần)")
    for row in created:
        table.add_row(*row)
    console.print(table)


user_app = typer.Typer(help="Tài khoản trang quản trị.", no_args_is_help=True)
key_app = typer.Typer(help="Khóa API cho Open311.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(key_app, name="api-key")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, organiser or agency.")],
    unit: Annotated[str | None, typer.Option(help="Unit code (organiser; for agency, the agency's unit).")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency name or number (role agency).")] = None,
    password: Annotated[str | None, typer.Option(help="Password; generated and printed once if omitted.")] = None,
    full_name: Annotated[str, typer.Option(help="Full name shown in the console.")] = "",
    email: Annotated[str | None, typer.Option(help="E-mail address that receives the notices.")] = None,
) -> None:
    """Create a console account (argon2 password hash)."""
    ctx = Services()
    secret = password or users.new_password()
    with ctx.transaction() as session:
        unit_id = lookup.get_unit_by_code(session, unit).id if unit else None
        agency_id = None
        if agency:
            if agency.isdigit():
                agency_id = int(agency)
            elif unit:
                agency_id = _agency_id(session, unit, agency)
            else:
                raise DomainError("Cần --unit để tìm cơ quan theo tên (hoặc dùng số của cơ quan).")
        user = users.create_user(session, username=username, role=role, password=secret,
                                 unit_id=unit_id if role == "organiser" else None, agency_id=agency_id,
                                 full_name=full_name, email=email)
        console.print(f"Đã tạo tài khoản [bold]{user.username}[/bold] ({ROLE_LABELS[user.role]}).")
    if not password:
        console.print(f"Mật khẩu (chỉ in một lần): [bold]{secret}[/bold]")

@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[str | None, typer.Option(help="New password; generated if omitted.")] = None,
) -> None:
    """Set a new password for a console account (e.g. a demo account whose password was lost)."""
    ctx = Services()
    secret = password or users.new_password()
    with ctx.transaction() as session:
        user_id = session.scalars(select(User.id).where(User.username == username.strip())).first()
        if user_id is None:
            raise DomainError(f"Không có tài khoản «{username}».")
        users.set_password(session, user_id, secret)
    console.print(f"Đã đặt mật khẩu mới cho [bold]{username.strip()}[/bold].")
    if not password:
        console.print(f"Mật khẩu (chỉ in một lần): [bold]{secret}[/bold]")

@user_app.command("list")
def user_list() -> None:
    """List console accounts."""
    ctx = Services()
    with ctx.transaction() as session:
        table = Table("Tên đăng nhập", "Họ tên", "Vai trò", "Phạm vi", "Tình trạng")
        unit_names = {u.id: u.name for u in queries.list_units(session, Reach.admin())}
        agency_names = {a.id: a.name for a in queries.list_agencies(session, Reach.admin())}
        for u in queries.list_users(session):
            scope = agency_names.get(u.agency_id or -1) or unit_names.get(u.unit_id or -1) or "Toàn hệ thống"
            table.add_row(u.username, u.full_name, ROLE_LABELS.get(u.role, u.role), scope,
                          "Đang dùng" if u.active else "Đã khóa")
    console.print(table)

@key_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Option(help="Who uses the key, e.g. 'Cổng dịch vụ công'.")],
    unit: Annotated[str | None, typer.Option(help="Limit the key to this unit code and the units below.")] = None,
) -> None:
    """Issue an Open311 API key; it is printed once and only its hash is stored."""
    ctx = Services()
    with ctx.transaction() as session:
        unit_id = lookup.get_unit_by_code(session, unit).id if unit else None
        key, raw = api_keys.create_api_key(session, name=name, unit_id=unit_id)
        console.print(f"Đã cấp khóa API «{key.name}». Khóa (chỉ in một lần, hãy lưu lại):")
    typer.echo(raw)
