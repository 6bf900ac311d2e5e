"""Free-text commune/ward names matched to units, old (pre-2025) names included."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.analysis import fold
from storage.models import Unit

_PREFIXES = ("thi tran", "thanh pho", "phuong", "xa", "huyen", "quan", "thi xa", "tp", "tt", "tinh", "p", "x")
_SPLIT = re.compile(r"[;,\n|]+")


def core_name(text: str) -> str:
    """`Xã Hòa An` -> `hoa an`: folded, without the level word in front."""
    folded = re.sub(r"[^\w\s]", " ", fold(text)).strip()
    folded = " ".join(folded.split())
    for prefix in _PREFIXES:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            return folded[len(prefix) + 1:]
    return folded


def match_unit(session: Session, text: str) -> Unit | None:
    """The deepest unit whose current or former name is `text`; None when nothing or several fit."""
    wanted = core_name(text)
    if len(wanted) < 2:
        return None
    exact: list[Unit] = []
    for unit in session.scalars(select(Unit).order_by(Unit.depth.desc(), Unit.id)):
        names = [unit.name, *(n for n in _SPLIT.split(unit.former_names or "") if n.strip())]
        if any(core_name(n) == wanted for n in names):
            exact.append(unit)
    if not exact:
        return None
    deepest = [u for u in exact if u.depth == exact[0].depth]
    return deepest[0] if len(deepest) == 1 else None
