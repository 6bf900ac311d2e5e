"""Messages that actions put in the outbox for citizens: Vietnamese, short, polite.

Statuses come in as their labels (e.g. "Đã giải quyết"), so this module needs no state machine.
"""

from __future__ import annotations


def status_changed(ticket: str, status_label: str, note: str | None = None) -> str:
    text = f"Câu hỏi mã {ticket} của anh/chị đã chuyển sang trạng thái: {status_label}."
    if note:
        text += f"\nGhi chú: {note}"
    return text


def answered(ticket: str, answer: str, status_label: str | None) -> str:
    text = f"Trả lời câu hỏi mã {ticket}:\n{answer}"
    if status_label:
        text += f"\n\nTrạng thái: {status_label}."
    return text + "\nCảm ơn anh/chị đã gửi ý kiến."


# Asked after an answer with a final status (storage.actions.ratings); the bot reads the same words.
RATING_QUESTION = "Anh/chị có hài lòng với câu trả lời không?"
RATING_YES = "Hài lòng"
RATING_NO = "Chưa hài lòng"


def rating_buttons(question_id: int) -> list[list[dict[str, str]]]:
    return [[{"label": RATING_YES, "data": f"rate:{question_id}:yes"},
             {"label": RATING_NO, "data": f"rate:{question_id}:no"}]]


def escalated(ticket: str, unit_name: str) -> str:
    return (
        f"Câu hỏi mã {ticket} của anh/chị đã được chuyển lên {unit_name} để xem xét, giải quyết. "
        "Anh/chị sẽ nhận được trả lời tại đây."
    )


def rejected(ticket: str, reason: str) -> str:
    return f"Câu hỏi mã {ticket} không được tiếp nhận. Lý do: {reason}"
