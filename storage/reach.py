"""Who may see what: the caller's reach, applied to every query in `queries`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import Session, aliased

from storage.errors import OutOfReach
from storage.lookup import first_or_not_found, get_or_not_found
from storage.models import Agency, Meeting, Question, Unit

ADMIN = "admin"
ORGANISER = "organiser"
AGENCY = "agency"
ROLES: tuple[str, ...] = (ADMIN, ORGANISER, AGENCY)
# Anyone, without an account: only what organisers published.
PUBLIC = "public"


@dataclass(frozen=True)
class Reach:
    """admin: everything; organiser: a unit and the units below; agency: its assignments; public: the
    published questions."""

    role: str
    unit_path: str | None = None
    agency_id: int | None = None
    actor: str = "system"

    @classmethod
    def admin(cls, actor: str = "admin") -> Reach:
        return cls(role=ADMIN, actor=actor)

    @classmethod
    def public(cls) -> Reach:
        return cls(role=PUBLIC, actor="public")

    @classmethod
    def for_unit(cls, unit: Unit, actor: str = "organiser") -> Reach:
        return cls(role=ORGANISER, unit_path=unit.path, actor=actor)

    @classmethod
    def for_agency(cls, agency: Agency, actor: str = "agency") -> Reach:
        return cls(role=AGENCY, agency_id=agency.id, unit_path=agency.unit.path, actor=actor)

    def covers_unit(self, unit: Unit) -> bool:
        if self.role == ADMIN:
            return True
        if self.role == ORGANISER and self.unit_path is not None:
            return unit.path.startswith(self.unit_path)
        return False


def scope_units(stmt: Select[Unit], reach: Reach) -> Select[Unit]:
    if reach.role == ADMIN:
        return stmt
    if reach.unit_path is None:
        return stmt.where(false())
    return stmt.where(Unit.path.startswith(reach.unit_path))


def scope_questions(stmt: Select[Question], reach: Reach) -> Select[Question]:
    if reach.role == ADMIN:
        return stmt
    if reach.role == AGENCY:
        return stmt.where(Question.agency_id == (reach.agency_id or -1))
    if reach.role == PUBLIC:
        return stmt.where(Question.published_at.is_not(None))
    if reach.unit_path is None:
        return stmt.where(false())
    # A question belongs to its current unit; its meeting's unit keeps seeing it after escalation.
    in_unit = select(Unit.id).where(Unit.path.startswith(reach.unit_path))
    meeting = aliased(Meeting)
    meetings_in_unit = select(meeting.id).where(meeting.unit_id.in_(in_unit))
    return stmt.where(Question.unit_id.in_(in_unit) | Question.meeting_id.in_(meetings_in_unit))


def scope_meetings(stmt: Select[Meeting], reach: Reach) -> Select[Meeting]:
    if reach.role == ADMIN:
        return stmt
    if reach.role == AGENCY:
        return stmt.where(
            exists().where(Question.meeting_id == Meeting.id, Question.agency_id == (reach.agency_id or -1))
        )
    if reach.role == PUBLIC:
        return stmt.where(exists().where(Question.meeting_id == Meeting.id, Question.published_at.is_not(None)))
    if reach.unit_path is None:
        return stmt.where(false())
    return stmt.where(Meeting.unit_id.in_(select(Unit.id).where(Unit.path.startswith(reach.unit_path))))


def require_question(session: Session, question_id: int, reach: Reach) -> Question:
    """The question if the caller may see it; NotFound otherwise (no hint that it exists)."""
    stmt = scope_questions(select(Question).where(Question.id == question_id), reach)
    return first_or_not_found(session, stmt, Question, question_id)


def require_meeting(session: Session, meeting_id: int, reach: Reach) -> Meeting:
    """The meeting if the caller may see it; NotFound otherwise."""
    return first_or_not_found(session, scope_meetings(select(Meeting).where(Meeting.id == meeting_id), reach),
                              Meeting, meeting_id)


def require_unit(session: Session, unit_id: int, reach: Reach) -> Unit:
    unit = get_or_not_found(session, Unit, unit_id)
    if not reach.covers_unit(unit):
        raise OutOfReach(f"Đơn vị «{unit.name}» nằm ngoài phạm vi của anh/chị.")
    return unit
