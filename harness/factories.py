"""Builders for test data: a small unit tree, meetings, citizens and questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.actions import citizens, meetings, questions, units
from storage.clock import utcnow
from storage.models import Agency, Citizen, Meeting, Question, Unit


@dataclass
class World:
    province: Unit
    district_a: Unit
    district_b: Unit
    commune_a1: Unit
    commune_b1: Unit
    agency_a: Agency
    agency_b: Agency
    meeting_a: Meeting
    meeting_b: Meeting
    meeting_p: Meeting


def make_world(session: Session) -> World:
    province = units.create_unit(session, code="HG", name="Tỉnh Hậu Giang", level="tỉnh")
    district_a = units.create_unit(session, code="A", name="Huyện A", level="huyện", parent_id=province.id)
    district_b = units.create_unit(session, code="B", name="Huyện B", level="huyện", parent_id=province.id)
    commune_a1 = units.create_unit(session, code="A1", name="Xã A1", level="xã", parent_id=district_a.id)
    commune_b1 = units.create_unit(session, code="B1", name="Xã B1", level="xã", parent_id=district_b.id)
    agency_a = units.create_agency(session, unit_id=district_a.id, name="Phòng Kinh tế huyện A")
    agency_b = units.create_agency(session, unit_id=district_b.id, name="Phòng Kinh tế huyện B")
    world = World(
        province, district_a, district_b, commune_a1, commune_b1, agency_a, agency_b,
        meeting_a=make_meeting(session, district_a, "MA"),
        meeting_b=make_meeting(session, district_b, "MB"),
        meeting_p=make_meeting(session, province, "MP"),
    )
    session.flush()
    return world


def load_world(session: Session) -> World:
    """The world `make_world` made, read back: from a copy of the database it was made in."""
    unit = {u.code: u for u in session.scalars(select(Unit))}
    agency = {a.name: a for a in session.scalars(select(Agency))}
    meeting = {m.code: m for m in session.scalars(select(Meeting))}
    return World(unit["HG"], unit["A"], unit["B"], unit["A1"], unit["B1"], agency["Phòng Kinh tế huyện A"],
                 agency["Phòng Kinh tế huyện B"], meeting["MA"], meeting["MB"], meeting["MP"])


def make_meeting(session: Session, unit: Unit, code: str, *, days: int = 10, state: str = "open") -> Meeting:
    starts = utcnow() + timedelta(days=days)
    return meetings.create_meeting(
        session, unit_id=unit.id, code=code, title=f"Hội nghị đối thoại {unit.name}", starts_at=starts,
        intake_until=starts - timedelta(days=1) if days > 1 else None, state=state, target_group="Nông dân",
    )


_counter = iter(range(1, 10**9))


def make_citizen(session: Session, channel: str = "web") -> Citizen:
    n = next(_counter)
    return citizens.get_or_create_citizen(session, channel=channel, channel_user_id=f"u{n}", chat_id=f"c{n}")


def ask(
    session: Session,
    meeting: Meeting,
    text: str = "Đường vào ấp 3 bị hư nặng",
    *,
    citizen: Citizen | None = None,
    created_at: datetime | None = None,
) -> Question:
    citizen = citizen or make_citizen(session)
    return questions.submit_question(
        session, meeting_id=meeting.id, text=text, channel=citizen.channel, citizen_id=citizen.id,
        created_at=created_at,
    )
