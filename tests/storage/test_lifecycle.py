from __future__ import annotations

import itertools

import pytest

from storage import lifecycle
from storage.errors import ForbiddenMove

# The moves as the meeting's rules state them, written out here rather than read from
# lifecycle.ALLOWED: a change to the table must be a change to this grid too. x = allowed.
GRID = """
                rec tri ass inp res unr esc rej wit
    received     .   x   .   .   .   .   .   x   x
    triaged      .   .   x   .   x   x   x   x   x
    assigned     .   x   .   x   x   x   x   .   x
    in_progress  .   .   .   .   x   x   x   .   .
    resolved     .   .   .   .   .   .   .   .   .
    unresolved   .   .   x   x   x   .   x   .   .
    escalated    .   x   x   x   x   x   x   .   .
    rejected     .   .   .   .   .   .   .   .   .
    withdrawn    .   .   .   .   .   .   .   .   .
"""
ORDER = ["received", "triaged", "assigned", "in_progress", "resolved", "unresolved", "escalated", "rejected",
         "withdrawn"]


def _expected() -> dict[tuple[str, str], bool]:
    rows = [line.split() for line in GRID.strip().splitlines()[1:]]
    return {(row[0], ORDER[i]): mark == "x" for row in rows for i, mark in enumerate(row[1:])}


EXPECTED = _expected()


def test_the_grid_covers_every_status() -> None:
    assert sorted(ORDER) == sorted(lifecycle.STATUSES)
    assert len(EXPECTED) == len(ORDER) ** 2


@pytest.mark.parametrize(("current", "new"), sorted(EXPECTED))
def test_every_move_is_allowed_or_refused_as_the_rules_say(current: str, new: str) -> None:
    if EXPECTED[(current, new)]:
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
