"""Question statuses and the moves allowed between them, enforced in this one place."""

from __future__ import annotations

from storage.errors import ForbiddenMove

RECEIVED = "received"
TRIAGED = "triaged"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
UNRESOLVED = "unresolved"
ESCALATED = "escalated"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATUSES: tuple[str, ...] = (
    RECEIVED, TRIAGED, ASSIGNED, IN_PROGRESS, RESOLVED, UNRESOLVED, ESCALATED, REJECTED, WITHDRAWN,
)

LABELS: dict[str, str] = {
    RECEIVED: "Đã tiếp nhận",
    TRIAGED: "Đã phân loại",
    ASSIGNED: "Đã giao cơ quan",
    IN_PROGRESS: "Đang thực hiện",
    RESOLVED: "Đã giải quyết",
    UNRESOLVED: "Giải quyết chưa xong",
    ESCALATED: "Chuyển lên cấp trên",
    REJECTED: "Không tiếp nhận",
    WITHDRAWN: "Đã rút",
}

_OUTCOMES = {RESOLVED, UNRESOLVED, ESCALATED}

ALLOWED: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({TRIAGED, REJECTED, WITHDRAWN}),
    TRIAGED: frozenset({ASSIGNED, REJECTED, WITHDRAWN} | _OUTCOMES),
    ASSIGNED: frozenset({IN_PROGRESS, TRIAGED, WITHDRAWN} | _OUTCOMES),
    IN_PROGRESS: frozenset(_OUTCOMES),
    UNRESOLVED: frozenset({IN_PROGRESS, ASSIGNED, RESOLVED, ESCALATED}),
    # An escalated question waits in the parent unit's queue, which takes it up from there.
    ESCALATED: frozenset({TRIAGED, ASSIGNED, IN_PROGRESS, RESOLVED, UNRESOLVED, ESCALATED}),
    RESOLVED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}

# Waiting for an organiser at the unit that holds the question.
QUEUE_STATUSES: tuple[str, ...] = (RECEIVED, TRIAGED, ESCALATED)
OPEN_STATUSES: tuple[str, ...] = (RECEIVED, TRIAGED, ASSIGNED, IN_PROGRESS, UNRESOLVED, ESCALATED)
CLOSED_STATUSES: tuple[str, ...] = (RESOLVED, REJECTED, WITHDRAWN)
# An agency may hand an assignment back to the unit's queue (as triaged) from these.
HAND_BACK_FROM: frozenset[str] = frozenset({ASSIGNED, IN_PROGRESS, UNRESOLVED})


# An answer with one of these statuses ends the handling for now: its citizen is asked to rate it,
# and "Chưa hài lòng" re-opens the question (the `reopened` move, see `reopen_target`).
RATED_STATUSES: tuple[str, ...] = (RESOLVED, UNRESOLVED)
REOPENABLE: frozenset[str] = frozenset(RATED_STATUSES)


def label(status: str) -> str:
    return LABELS.get(status, status)


def check_move(current: str, new: str) -> None:
    """Raise ForbiddenMove unless `current -> new` is an allowed move."""
    if new not in ALLOWED:
        raise ForbiddenMove(f"Trạng thái không hợp lệ: «{new}».", code="unknown_status")
    if new not in ALLOWED.get(current, frozenset()):
        raise ForbiddenMove(
            f"Không thể chuyển từ «{label(current)}» sang «{label(new)}».",
        )


def reopen_target(current: str, has_agency: bool) -> str:
    """Where a re-opened question goes: back to its agency, or to the organisers when it has none.

    Raise ForbiddenMove unless `current` is a status that can be re-opened.
    """
    if current not in REOPENABLE:
        raise ForbiddenMove(
            f"Chỉ mở lại được câu hỏi «{label(RESOLVED)}» hoặc «{label(UNRESOLVED)}», "
            f"câu hỏi này đang «{label(current)}».",
            code="not_reopenable",
        )
    return ASSIGNED if has_agency else TRIAGED
