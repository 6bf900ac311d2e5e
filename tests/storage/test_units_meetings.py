from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from harness.factories import make_world
from storage import lookup
from storage.actions import meetings, units
from storage.clock import utcnow
from storage.errors import ForbiddenMove, InvalidInput, NotFound


def test_unit_tree_of_any_depth(session: Session) -> None:
    top = units.create_unit(session, code="ct", name="Thành phố Cần Thơ", level="thành phố")
    ward = units.create_unit(session, code="CT-NK", name="Phường Ninh Kiều", level="phường", parent_id=top.id)
    assert (top.code, top.depth, ward.depth) == ("CT", 0, 1)
    assert ward.path == f"{top.path}{ward.id}/"
    with pytest.raises(InvalidInput):
        units.create_unit(session, code="CT", name="Trùng mã", level="tỉnh")
    with pytest.raises(NotFound):
        units.create_unit(session, code="X", name="X", level="xã", parent_id=9999)
    with pytest.raises(NotFound):
        lookup.get_unit_by_code(session, "KHONGCO")


def test_agency_names_unique_per_unit(session: Session) -> None:
    w = make_world(session)
    with pytest.raises(InvalidInput):
        units.create_agency(session, unit_id=w.district_a.id, name="Phòng Kinh tế huyện A")
    units.create_agency(session, unit_id=w.district_b.id, name="Phòng Kinh tế huyện A")


def test_meeting_codes_states_and_attendance(session: Session) -> None:
    w = make_world(session)
    starts = utcnow() + timedelta(days=7)
    m = meetings.create_meeting(session, unit_id=w.district_a.id, title="Đối thoại với thanh niên",
                                starts_at=starts, state="planned")
    assert len(m.code) == 6 and not set(m.code) & set("01IOL")
    assert lookup.get_meeting_by_code(session, m.code.lower()).id == m.id
    with pytest.raises(InvalidInput):
        meetings.create_meeting(session, unit_id=w.district_a.id, title="t", starts_at=starts,
                                intake_until=starts + timedelta(days=1))
    with pytest.raises(ForbiddenMove):
        meetings.set_meeting_state(session, m.id, "closed")
    for state in ("open", "held", "closed"):
        meetings.set_meeting_state(session, m.id, state)
    meetings.record_attendance(session, m.id, 250)
    assert (m.state, m.attendance) == ("closed", 250)
    with pytest.raises(InvalidInput):
        meetings.record_attendance(session, m.id, -1)
    with pytest.raises(InvalidInput):
        meetings.update_meeting(session, m.id, unit_id=w.district_b.id)
    meetings.update_meeting(session, m.id, place="Nhà văn hóa ấp 3")
    assert m.place == "Nhà văn hóa ấp 3"
