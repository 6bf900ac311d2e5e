"""Administrative units and agencies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.actions.users import check_email
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
    agency = Agency(unit_id=unit_id, name=name.strip(), email=check_email(email))
    session.add(agency)
    session.flush()
    return agency


def rename_unit(session: Session, unit_id: int, name: str) -> Unit:
    """A new name; the old one is kept in `former_names` so that old documents are still found."""
    unit = get_or_not_found(session, Unit, unit_id)
    name = _clean_name(name, "Tên đơn vị")
    if name != unit.name:
        former = [n for n in unit.former_names.split("; ") if n]
        unit.former_names = "; ".join([*former, unit.name])
        unit.name = name
    session.flush()
    return unit


def set_unit_active(session: Session, unit_id: int, active: bool) -> Unit:
    """A unit that no longer exists (merged, dissolved) stops taking new meetings; its history stays."""
    unit = get_or_not_found(session, Unit, unit_id)
    unit.active = active
    session.flush()
    return unit


def set_deadline_days(session: Session, unit_id: int, days: dict[str, int]) -> Unit:
    """The unit's own working days per urgency level (levels left out use the defaults)."""
    unit = get_or_not_found(session, Unit, unit_id)
    unit.deadline_days = dict(days) or None
    session.flush()
    return unit


def rename_agency(session: Session, agency_id: int, name: str) -> Agency:
    agency = get_or_not_found(session, Agency, agency_id)
    name = _clean_name(name, "Tên cơ quan")
    clash = session.scalars(select(Agency.id).where(
        Agency.unit_id == agency.unit_id, Agency.name == name, Agency.id != agency.id)).first()
    if clash is not None:
        raise InvalidInput(f"Cơ quan «{name}» đã có trong đơn vị này.", code="duplicate_agency")
    agency.name = name
    session.flush()
    return agency


def set_agency_active(session: Session, agency_id: int, active: bool) -> Agency:
    """An inactive agency is offered for no new assignment; what it holds stays with it."""
    agency = get_or_not_found(session, Agency, agency_id)
    agency.active = active
    session.flush()
    return agency


def set_agency_email(session: Session, agency_id: int, email: str | None) -> Agency:
    agency = get_or_not_found(session, Agency, agency_id)
    agency.email = check_email(email)
    session.flush()
    return agency


def _clean_name(name: str, what: str) -> str:
    """Whitespace collapsed; 1 to 200 characters."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput(f"{what} cần từ 1 đến 200 ký tự.", code="bad_name")
    return name
