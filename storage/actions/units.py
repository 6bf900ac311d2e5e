"""Administrative units and agencies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Agency, Unit


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    parent_id: int | None = None,
    former_names: str = "",
) -> Unit:
    code = code.strip().upper()
    if not code or not name.strip():
        raise InvalidInput("Cần có mã và tên đơn vị.")
    if session.scalars(select(Unit).where(Unit.code == code)).first() is not None:
        raise InvalidInput(f"Mã đơn vị «{code}» đã được dùng.", code="duplicate_code")
    parent = None
    if parent_id is not None:
        parent = get_or_not_found(session, Unit, parent_id)
    unit = Unit(code=code, name=name.strip(), level=level.strip(), parent_id=parent_id,
                former_names=former_names, depth=(parent.depth + 1) if parent else 0)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def create_agency(session: Session, *, unit_id: int, name: str, email: str | None = None) -> Agency:
    if not name.strip():
        raise InvalidInput("Cần có tên cơ quan.")
    get_or_not_found(session, Unit, unit_id)
    exists = session.scalars(select(Agency).where(Agency.unit_id == unit_id, Agency.name == name.strip())).first()
    if exists is not None:
        raise InvalidInput(f"Cơ quan «{name.strip()}» đã có trong đơn vị này.", code="duplicate_agency")
    agency = Agency(unit_id=unit_id, name=name.strip(), email=email)
    session.add(agency)
    session.flush()
    return agency
