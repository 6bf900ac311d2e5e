from __future__ import annotations

import itertools

import pytest

from storage import lifecycle
from storage.errors import ForbiddenMove

ALL_MOVES = [(a, b) for a in lifecycle.STATUSES for b in lifecycle.STATUSES]


@pytest.mark.parametrize(("current", "new"), ALL_MOVES)
def test_every_move_is_allowed_or_refused_by_the_table(current: str, new: str) -> None:
    if new in lifecycle.ALLOWED[current]:
        lifecycle.check_move(current, new)
    else:
        with pytest.raises(ForbiddenMove) as info:
            lifecycle.check_move(current, new)
        assert "Không thể chuyển" in info.value.message


def test_terminal_statuses_allow_nothing() -> None:
    for status in (lifecycle.RESOLVED, lifecycle.REJECTED, lifecycle.WITHDRAWN):
        assert lifecycle.ALLOWED[status] == frozenset()


def test_main_path_is_allowed() -> None:
    path = [lifecycle.RECEIVED, lifecycle.TRIAGED, lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.RESOLVED]
    for a, b in itertools.pairwise(path):
        lifecycle.check_move(a, b)


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ForbiddenMove) as info:
        lifecycle.check_move(lifecycle.RECEIVED, "done")
    assert info.value.code == "unknown_status"


def test_every_status_has_a_vietnamese_label() -> None:
    assert set(lifecycle.LABELS) == set(lifecycle.STATUSES)
