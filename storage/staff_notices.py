"""Notices to console users (agency officers, organisers): a subject line and a short Vietnamese body.

The outbox keeps one text per message: the subject is its first line, so an e-mail takes it as the
subject and a chat shows it as the heading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage import workdays
from vntext.privacy import mask_text


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}"


def split(text: str) -> tuple[str, str]:
    """(subject, body) of an outbox text written by `Notice.text`."""
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body.strip()


def _excerpt(text: str, size: int = 400) -> str:
    """A citizen's words in a notice that leaves for mailboxes and chats: numbers and e-mails masked."""
    text = mask_text(" ".join(text.split()))
    return text if len(text) <= size else text[: size - 1] + "…"


def _deadline(due: date | None, urgency: str | None) -> str:
    if due is None:
        return "Hạn xử lý: chưa đặt."
    return f"Hạn xử lý: {due:%d/%m/%Y} (mức {workdays.label(urgency).lower()}, tính theo ngày làm việc)."


def assigned(ticket: str, agency: str, text: str, due: date | None, urgency: str | None, unit: str) -> Notice:
    return Notice(
        subject=f"[doithoai] Giao xử lý câu hỏi {ticket}",
        body=(f"{unit} giao {agency} xử lý câu hỏi mã {ticket}.\n{_deadline(due, urgency)}\n\n"
              f"Nội dung: {_excerpt(text)}\n\nVui lòng đăng nhập trang quản trị, mục «Hộp việc», để cập nhật "
              "trạng thái và trả lời người dân."),
    )


def due_soon(ticket: str, agency: str, due: date, days_left: int) -> Notice:
    when = "hôm nay" if days_left <= 0 else f"còn {days_left} ngày làm việc"
    return Notice(
        subject=f"[doithoai] Sắp đến hạn: câu hỏi {ticket} (hạn {due:%d/%m/%Y})",
        body=(f"Câu hỏi mã {ticket} giao {agency} đến hạn xử lý ngày {due:%d/%m/%Y} ({when}).\n"
              "Vui lòng cập nhật trạng thái hoặc trả lời người dân trước hạn."),
    )


def overdue(ticket: str, agency: str, due: date, days_late: int, by: str | None = None) -> Notice:
    who = f"{by} nhắc: " if by else ""
    return Notice(
        subject=f"[doithoai] Quá hạn: câu hỏi {ticket} (hạn {due:%d/%m/%Y})",
        body=(f"{who}Câu hỏi mã {ticket} giao {agency} đã quá hạn xử lý {days_late} ngày làm việc "
              f"(hạn {due:%d/%m/%Y}).\nVui lòng xử lý và trả lời người dân sớm."),
    )


def reminder(ticket: str, agency: str, due: date | None, by: str) -> Notice:
    due_text = f" (hạn {due:%d/%m/%Y})" if due else ""
    return Notice(
        subject=f"[doithoai] Nhắc xử lý câu hỏi {ticket}{due_text}",
        body=f"{by} nhắc {agency} xử lý câu hỏi mã {ticket}{due_text} và trả lời người dân.",
    )


def escalated(ticket: str, from_unit: str, to_unit: str, text: str, note: str | None) -> Notice:
    reason = f"\nLý do: {note}" if note else ""
    return Notice(
        subject=f"[doithoai] Câu hỏi {ticket} được chuyển lên {to_unit}",
        body=(f"{from_unit} chuyển câu hỏi mã {ticket} lên {to_unit}.{reason}\n\nNội dung: {_excerpt(text)}\n\n"
              "Câu hỏi nằm trong «Hộp việc» của đơn vị cho đến khi được trả lời hoặc đưa vào một hội nghị."),
    )


def reopened(ticket: str, agency: str | None, reason: str | None, by_citizen: bool) -> Notice:
    where = f" và trở lại {agency}" if agency else ""
    if by_citizen:
        why = f"\nÝ kiến của người dân: {_excerpt(reason)}" if reason else ""
        return Notice(
            subject=f"[doithoai] Người dân chưa hài lòng: câu hỏi {ticket} được mở lại",
            body=f"Người hỏi chưa hài lòng với câu trả lời, câu hỏi mã {ticket} được mở lại{where}.{why}",
        )
    why = f"\nLý do: {_excerpt(reason)}" if reason else ""
    return Notice(subject=f"[doithoai] Câu hỏi {ticket} được mở lại",
                  body=f"Tổ giúp việc mở lại câu hỏi mã {ticket}{where}.{why}")


def handed_back(ticket: str, agency: str, reason: str) -> Notice:
    return Notice(
        subject=f"[doithoai] {agency} trả lại câu hỏi {ticket}",
        body=f"{agency} trả lại câu hỏi mã {ticket}.\nLý do: {reason}\nVui lòng giao lại cho cơ quan phù hợp.",
    )
