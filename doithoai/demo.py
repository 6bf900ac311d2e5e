"""A small demo: a province with two districts and a few communes, meetings, agencies, questions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions import meetings, questions, replies, units
from storage.analysis import Analyzer
from storage.clock import utcnow
from storage.models import Meeting, Unit
from vntext import LOCAL_TZ

UNITS = [
    ("HG", "Tỉnh Hậu Giang", "tỉnh", None),
    ("HG-PH", "Huyện Phụng Hiệp", "huyện", "HG"),
    ("HG-CTA", "Huyện Châu Thành A", "huyện", "HG"),
    ("HG-PH-HA", "Xã Hòa An", "xã", "HG-PH"),
    ("HG-PH-PB", "Xã Phương Bình", "xã", "HG-PH"),
    ("HG-CTA-TH", "Xã Tân Hòa", "xã", "HG-CTA"),
    ("HG-CTA-MN", "Thị trấn Một Ngàn", "xã", "HG-CTA"),
]

AGENCIES = [
    ("HG", "Sở Nông nghiệp và Môi trường"),
    ("HG", "Sở Xây dựng"),
    ("HG", "Công ty Điện lực Hậu Giang"),
    ("HG", "Bảo hiểm xã hội tỉnh"),
    ("HG-PH", "Phòng Kinh tế huyện Phụng Hiệp"),
    ("HG-PH", "Phòng Văn hóa - Xã hội huyện Phụng Hiệp"),
    ("HG-CTA", "Phòng Kinh tế, Hạ tầng và Đô thị huyện Châu Thành A"),
]

QUESTIONS = [
    "Đường vào ấp Tân Phú A bị hư nặng, mùa mưa xe không chạy được, khi nào sửa?",
    "duong vao ap tan phu a hu nang qua mua mua di ko dc",
    "Giá phân bón tăng cao mà giá lúa thấp, thương lái ép giá, đề nghị tỉnh có giải pháp hỗ trợ nông dân.",
    "Ấp 5 xã Hòa An thường xuyên mất điện vào buổi tối, đề nghị ngành điện kiểm tra.",
    "Nước máy ở ấp Mỹ Phú có mùi phèn, gia đình tôi không dám dùng để nấu ăn.",
    "Cho hỏi thủ tục cấp đổi sổ đỏ khi đất đã đo đạc lại thì cần giấy tờ gì?",
    "thẻ bhyt của mẹ tôi hết hạn, gia hạn ở đâu vậy ạ",
    "Đề nghị tăng phụ cấp cho cán bộ ấp, hiện nay mức phụ cấp quá thấp so với khối lượng công việc.",
]

PAST_QUESTIONS = [
    ("Cầu khỉ ở kênh Xáng đã xuống cấp, học sinh đi học rất nguy hiểm.", "giao_thong", lifecycle.RESOLVED),
    ("Đề nghị lắp thêm đèn chiếu sáng tuyến đường ấp 3.", "giao_thong", lifecycle.IN_PROGRESS),
    ("Hồ sơ hộ nghèo của gia đình tôi nộp ba tháng chưa có kết quả.", "chinh_sach_xa_hoi", lifecycle.RESOLVED),
    ("Cơ sở nuôi heo gần khu dân cư gây mùi hôi.", "moi_truong", lifecycle.UNRESOLVED),
    ("Đề nghị tỉnh đầu tư nâng cấp tuyến đê bao chống sạt lở.", "nong_nghiep", lifecycle.ESCALATED),
]


def _local(days: int, hour: int) -> datetime:
    base = datetime.now(LOCAL_TZ).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def load_demo(session: Session, analyzer: Analyzer | None = None) -> dict[str, str]:
    """Load the demo once; a second call changes nothing. Returns the meeting codes."""
    if session.scalars(select(Unit).where(Unit.code == "HG")).first() is not None:
        return {m.title: m.code for m in _demo_meetings(session)}
    by_code: dict[str, Unit] = {}
    for code, name, level, parent in UNITS:
        by_code[code] = units.create_unit(
            session, code=code, name=name, level=level, parent_id=by_code[parent].id if parent else None
        )
    agencies = {name: units.create_agency(session, unit_id=by_code[u].id, name=name) for u, name in AGENCIES}
    province = meetings.create_meeting(
        session, unit_id=by_code["HG"].id, code="HG2026", state="open",
        title="Hội nghị đối thoại giữa Chủ tịch UBND tỉnh với nông dân năm 2026",
        chair="Chủ tịch UBND tỉnh", target_group="Nông dân", place="Hội trường UBND tỉnh, TP. Vị Thanh",
        starts_at=_local(14, 8), intake_until=_local(12, 17),
    )
    district = meetings.create_meeting(
        session, unit_id=by_code["HG-PH"].id, code="PH2026", state="open",
        title="Hội nghị tiếp xúc, đối thoại của Bí thư Huyện ủy Phụng Hiệp với đoàn viên, thanh niên",
        chair="Bí thư Huyện ủy Phụng Hiệp", target_group="Đoàn viên, thanh niên",
        place="Trung tâm Văn hóa huyện Phụng Hiệp", starts_at=_local(21, 14), intake_until=_local(19, 17),
    )
    past = meetings.create_meeting(
        session, unit_id=by_code["HG-PH-HA"].id, code="HA2026", state="open",
        title="Hội nghị đối thoại của Chủ tịch UBND xã Hòa An với Nhân dân",
        chair="Chủ tịch UBND xã Hòa An", target_group="Nhân dân các ấp", place="Hội trường UBND xã Hòa An",
        starts_at=_local(30, 8),
    )
    for i, text in enumerate(QUESTIONS):
        questions.submit_question(
            session, meeting_id=(province if i % 3 else district).id, text=text, channel="web",
            analyzer=analyzer, idempotency_key=f"demo:{i}",
        )
    agency = agencies["Phòng Kinh tế huyện Phụng Hiệp"]
    for i, (text, field, status) in enumerate(PAST_QUESTIONS):
        q = questions.submit_question(
            session, meeting_id=past.id, text=text, channel="web", field=field, analyzer=analyzer,
            idempotency_key=f"demo:past:{i}",
        )
        questions.set_field(session, q.id, field, actor="demo")
        if status == lifecycle.ESCALATED:
            questions.escalate(session, q.id, actor="demo")
            continue
        questions.assign(session, q.id, agency.id, actor="demo", due_date=(utcnow() + timedelta(days=30)).date())
        if status == lifecycle.RESOLVED:
            replies.reply(session, q.id, "Địa phương đã bố trí kinh phí và thực hiện xong.", author="demo",
                          status=lifecycle.RESOLVED)
        else:
            questions.change_status(session, q.id, status, actor="demo")
    # The commune meeting has been held: it is in the past and counted in reports.
    past.starts_at = _local(-10, 8)
    meetings.set_meeting_state(session, past.id, "held")
    meetings.record_attendance(session, past.id, 126)
    return {province.title: province.code, district.title: district.code, past.title: past.code}


def _demo_meetings(session: Session) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.code.in_(["HG2026", "PH2026", "HA2026"]))))
