"""Units and agencies in a caller's reach."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Agency, Unit
from storage.reach import Reach, scope_units


def list_units(session: Session, reach: Reach) -> Sequence[Unit]:
    return session.scalars(scope_units(select(Unit), reach).order_by(Unit.path)).all()


def list_agencies(session: Session, reach: Reach, unit_id: int | None = None) -> Sequence[Agency]:
    stmt = select(Agency).join(Unit, Unit.id == Agency.unit_id)
    if reach.role == "agency":
        stmt = stmt.where(Agency.id == (reach.agency_id or -1))
    elif reach.role != "admin":
        stmt = stmt.where(Unit.path.startswith(reach.unit_path or "\x00"))
    if unit_id is not None:
        stmt = stmt.where(Agency.unit_id == unit_id)
    return session.scalars(stmt.order_by(Unit.path, Agency.name)).all()
