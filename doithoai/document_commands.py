"""CLI commands for what a unit publishes: `doithoai publish MEETING_CODE` and `doithoai unit letterhead`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from doithoai.context import Services
from storage import lookup
from storage.actions import letterhead, publication
from storage.errors import DomainError
from storage.reach import Reach
from vntext import vn_int

__all__ = ["register"]

console = Console()
err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]Lỗi:[/red] {message}")
    return typer.Exit(1)


def register(app: typer.Typer, unit_app: typer.Typer) -> None:
    @app.command("publish")
    def publish(meeting_code: Annotated[str, typer.Argument(help="The meeting's code, e.g. HA2026.")]) -> None:
        """Publish a meeting's answers on its public page /cong-khai/CODE (and in Open311 without a key)."""
        ctx = Services()
        try:
            with ctx.transaction() as session:
                meeting = lookup.get_meeting_by_code(session, meeting_code)
                result = publication.publish_meeting(session, Reach.admin(actor="cli"), meeting.id)
        except DomainError as exc:
            raise _fail(exc.message) from None
        console.print(f"Đã công khai {vn_int(result.groups)} nội dung ({vn_int(result.questions)} câu hỏi) của "
                      f"hội nghị {meeting_code}: {ctx.settings.public_url}/cong-khai/{meeting_code}")
        if result.without_answer:
            console.print(f"Còn {vn_int(result.without_answer)} nội dung chưa có trả lời nên chưa công khai.")

    @unit_app.command("letterhead")
    def unit_letterhead(
        code: Annotated[str, typer.Argument(help="The unit's code.")],
        parent_body: Annotated[str | None, typer.Option(help="Cơ quan chủ quản, e.g. 'UBND TỈNH HẬU GIANG'.")] = None,
        issuing_body: Annotated[str | None, typer.Option(help="Cơ quan ban hành, e.g. 'Ủy ban nhân dân xã Hòa An'.")]
        = None,
        symbol: Annotated[str | None, typer.Option(help="Chữ viết tắt trong số, ký hiệu, e.g. UBND.")] = None,
        place: Annotated[str | None, typer.Option(help="Địa danh ghi trước ngày tháng, e.g. 'Hòa An'.")] = None,
        signer_authority: Annotated[str | None, typer.Option(help="Thẩm quyền ký, e.g. 'TM. Ủy ban nhân dân'.")]
        = None,
        signer_title: Annotated[str | None, typer.Option(help="Chức vụ người ký, e.g. 'Chủ tịch'.")] = None,
        signer_name: Annotated[str | None, typer.Option(help="Họ tên người ký.")] = None,
        recipients: Annotated[str | None, typer.Option(help="Nơi nhận thường xuyên, ngăn cách bằng ';'.")] = None,
    ) -> None:
        """Set how the unit's official documents are headed and signed (an empty value: derived)."""
        given = {"doc_parent_body": parent_body, "doc_issuing_body": issuing_body, "doc_symbol": symbol,
                 "doc_place": place, "doc_signer_authority": signer_authority, "doc_signer_title": signer_title,
                 "doc_signer_name": signer_name,
                 "doc_recipients": "\n".join(r.strip() for r in recipients.split(";")) if recipients is not None
                 else None}
        ctx = Services()
        try:
            with ctx.transaction() as session:
                unit = lookup.get_unit_by_code(session, code)
                letterhead.set_letterhead(session, Reach.admin(actor="cli"), unit.id,
                                          {k: v for k, v in given.items() if v is not None})
                console.print(f"Đã lưu thể thức văn bản của {unit.name}.")
        except DomainError as exc:
            raise _fail(exc.message) from None
