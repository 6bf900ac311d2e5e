"""The demo: a province-level city with its communes and wards (two levels of local government since
1/7/2025), agencies of both levels, two meetings open for questions and one held commune meeting with a
duplicate group, an escalated question, answers rated by their askers (one re-opened), summaries and
published answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions import citizens, letterhead, meetings, publication, questions, ratings, replies, units
from storage.analysis import Analyzer
from storage.clock import utcnow
from storage.models import Agency, Meeting, Question, Unit
from storage.reach import Reach
from vntext import LOCAL_TZ

# Thành phố Cần Thơ since 1/7/2025 (Cần Thơ, Hậu Giang and Sóc Trăng merged), a few of its 103 communes
# and wards (Nghị quyết 1668/NQ-UBTVQH15), each with the former units it took over.
UNITS = [
    ("CT", "Thành phố Cần Thơ", "tỉnh", None, "Thành phố Cần Thơ; Tỉnh Hậu Giang; Tỉnh Sóc Trăng"),
    ("CT-VT", "Phường Vị Thanh", "xã", "CT", "Thành phố Vị Thanh (tỉnh Hậu Giang)"),
    ("CT-HA", "Xã Hòa An", "xã", "CT", "Huyện Phụng Hiệp (tỉnh Hậu Giang)"),
    ("CT-PB", "Xã Phương Bình", "xã", "CT", "Huyện Phụng Hiệp (tỉnh Hậu Giang)"),
    ("CT-TH", "Xã Tân Hòa", "xã", "CT", "Huyện Châu Thành A (tỉnh Hậu Giang)"),
]

AGENCIES = [
    ("CT", "Sở Nông nghiệp và Môi trường"),
    ("CT", "Sở Xây dựng"),
    ("CT", "Công ty Điện lực Cần Thơ"),
    ("CT", "Bảo hiểm xã hội thành phố Cần Thơ"),
    ("CT-HA", "Phòng Kinh tế xã Hòa An"),
    ("CT-HA", "Phòng Văn hóa - Xã hội xã Hòa An"),
    ("CT-PB", "Phòng Kinh tế xã Phương Bình"),
    ("CT-VT", "Phòng Kinh tế, Hạ tầng và Đô thị phường Vị Thanh"),
]

# (unit, parent body, signer's authority, position, name, standing recipients) for official documents.
LETTERHEADS = [
    ("CT", "", "TM. Ủy ban nhân dân", "Chủ tịch", "Trần Văn Minh", "Thường trực Thành ủy\nThường trực HĐND thành phố"),
    ("CT-HA", "", "TM. Ủy ban nhân dân", "Chủ tịch", "Nguyễn Thị Lan", "Thường trực Đảng ủy xã\nThường trực HĐND xã"),
]

QUESTIONS = [
    "Giá phân bón tăng cao mà giá lúa thấp, thương lái ép giá, đề nghị thành phố có giải pháp hỗ trợ nông dân.",
    "Ấp Mỹ Phú thường xuyên mất điện vào buổi tối, đề nghị ngành điện kiểm tra.",
    "Nước máy ở ấp Mỹ Phú có mùi phèn, gia đình tôi không dám dùng để nấu ăn.",
    "Cho hỏi thủ tục cấp đổi sổ đỏ khi đất đã đo đạc lại thì cần giấy tờ gì?",
    "thẻ bhyt của mẹ tôi hết hạn, gia hạn ở đâu vậy ạ",
    "Đề nghị tăng phụ cấp cho cán bộ ấp, hiện nay mức phụ cấp quá thấp so với khối lượng công việc.",
    "Đoàn viên thanh niên muốn vay vốn khởi nghiệp nuôi cá thì liên hệ ở đâu?",
    "Đề nghị xã mở thêm lớp dạy nghề sửa máy nông nghiệp cho thanh niên.",
]

# (text, field, outcome, the organisers' summary) of the held commune meeting; the first two are one group.
HELD = [
    ("Đường vào ấp Tân Phú A bị hư nặng, mùa mưa xe không chạy được, khi nào sửa?", "giao_thong",
     lifecycle.RESOLVED, "Đề nghị sửa chữa đường vào ấp Tân Phú A bị hư hỏng nặng trong mùa mưa."),
    ("duong vao ap tan phu a hu nang qua mua mua di ko dc", "giao_thong", None, None),
    ("Cầu khỉ ở kênh Xáng đã xuống cấp, học sinh đi học rất nguy hiểm.", "giao_thong", lifecycle.IN_PROGRESS,
     "Đề nghị thay cầu khỉ kênh Xáng bằng cầu bê tông để học sinh đi học an toàn."),
    ("Hồ sơ hộ nghèo của gia đình tôi nộp ba tháng chưa có kết quả.", "chinh_sach_xa_hoi", lifecycle.RESOLVED,
     "Hồ sơ đề nghị công nhận hộ nghèo chậm có kết quả."),
    ("Cơ sở nuôi heo gần khu dân cư gây mùi hôi.", "moi_truong", lifecycle.UNRESOLVED,
     "Cơ sở chăn nuôi heo gây ô nhiễm mùi trong khu dân cư."),
    ("Đề nghị đầu tư nâng cấp tuyến đê bao chống sạt lở dọc sông Cái Côn.", "nong_nghiep", lifecycle.ESCALATED,
     "Đề nghị đầu tư nâng cấp đê bao chống sạt lở dọc sông Cái Côn (vượt thẩm quyền xã)."),
]

ANSWERS = {
    lifecycle.RESOLVED: "Ủy ban nhân dân xã đã bố trí kinh phí và thực hiện xong; đề nghị bà con tiếp tục phản ánh "
                        "nếu còn vướng mắc.",
    lifecycle.IN_PROGRESS: "Xã đã đưa công trình vào kế hoạch đầu tư công năm 2027; trong thời gian chờ, xã cắm biển "
                           "cảnh báo và bố trí lực lượng đưa đón học sinh mùa nước nổi.",
}


def _local(days: int, hour: int) -> datetime:
    base = datetime.now(LOCAL_TZ).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def load_demo(session: Session, analyzer: Analyzer | None = None) -> dict[str, str]:
    """Load the demo once; a second call changes nothing. Returns the meeting codes by title."""
    if session.scalars(select(Unit).where(Unit.code == "CT")).first() is not None:
        return {m.title: m.code for m in _demo_meetings(session)}
    by_code: dict[str, Unit] = {}
    for code, name, level, parent, former in UNITS:
        by_code[code] = units.create_unit(session, code=code, name=name, level=level, former_names=former,
                                          parent_id=by_code[parent].id if parent else None)
    for code, parent_body, authority, title, signer, recipients in LETTERHEADS:
        letterhead.set_letterhead(session, Reach.admin(actor="demo"), by_code[code].id, {
            "doc_parent_body": parent_body, "doc_signer_authority": authority, "doc_signer_title": title,
            "doc_signer_name": signer, "doc_recipients": recipients})
    agencies = {name: units.create_agency(session, unit_id=by_code[u].id, name=name) for u, name in AGENCIES}
    city = meetings.create_meeting(
        session, unit_id=by_code["CT"].id, code="CT2026", state="open",
        title="Hội nghị đối thoại giữa Chủ tịch UBND thành phố với nông dân năm 2026",
        chair="Chủ tịch UBND thành phố", target_group="Nông dân", place="Hội trường UBND thành phố Cần Thơ",
        starts_at=_local(14, 8), intake_until=_local(12, 17),
    )
    youth = meetings.create_meeting(
        session, unit_id=by_code["CT-PB"].id, code="PB2026", state="open",
        title="Hội nghị tiếp xúc, đối thoại của Bí thư Đảng ủy xã Phương Bình với đoàn viên, thanh niên",
        chair="Bí thư Đảng ủy xã Phương Bình", target_group="Đoàn viên, thanh niên",
        place="Hội trường UBND xã Phương Bình", starts_at=_local(21, 14), intake_until=_local(19, 17),
    )
    for i, text in enumerate(QUESTIONS):
        questions.submit_question(session, meeting_id=(youth if i >= 5 else city).id, text=text,
                                  channel="web", analyzer=analyzer, idempotency_key=f"demo:{i}")
    held = _held_meeting(session, by_code["CT-HA"], agencies["Phòng Kinh tế xã Hòa An"], analyzer)
    return {city.title: city.code, youth.title: youth.code, held.title: held.code}


def _held_meeting(session: Session, commune: Unit, agency: Agency, analyzer: Analyzer | None) -> Meeting:
    """Xã Hòa An's meeting, held ten days ago: answered, grouped, escalated, summarised and published."""
    held = meetings.create_meeting(
        session, unit_id=commune.id, code="HA2026", state="open",
        title="Hội nghị đối thoại của Chủ tịch UBND xã Hòa An với Nhân dân",
        chair="Chủ tịch UBND xã Hòa An", target_group="Nhân dân các ấp", place="Hội trường UBND xã Hòa An",
        starts_at=_local(30, 8),
    )
    organiser = Reach.for_unit(commune, actor="demo")
    asked: list[Question] = []
    for i, (text, field, _, _) in enumerate(HELD):
        # Each asker wrote in the web chat, so answers reach them and they can rate them.
        citizen = citizens.get_or_create_citizen(session, channel="web", channel_user_id=f"demo-{i}",
                                                 chat_id=f"demo-{i}")
        asked.append(questions.submit_question(session, meeting_id=held.id, text=text, channel="web", field=field,
                                               citizen_id=citizen.id, analyzer=analyzer,
                                               idempotency_key=f"demo:held:{i}"))
        questions.set_field(session, asked[-1].id, field, actor="demo")
    questions.merge(session, asked[0].id, [asked[1].id], actor="demo")
    due = (utcnow() + timedelta(days=30)).date()
    for question, (_, _, outcome, summary) in zip(asked, HELD, strict=True):
        if summary:
            publication.set_summary(session, organiser, question.id, summary)
        if outcome == lifecycle.ESCALATED:
            questions.escalate(session, question.id, actor="demo", note="Vượt thẩm quyền của xã.")
        elif outcome is not None:
            questions.assign(session, question.id, agency.id, actor="demo", due_date=due)
            if outcome in ANSWERS:
                replies.reply(session, question.id, ANSWERS[outcome], author="demo", status=outcome)
            else:
                questions.change_status(session, question.id, outcome, actor="demo")
    # The road's asker is satisfied; the poor-household file's asker is not, which re-opens it to the agency.
    ratings.rate(session, asked[0].id, citizen_id=asked[0].citizen_id or 0, satisfied=True)
    ratings.rate(session, asked[3].id, citizen_id=asked[3].citizen_id or 0, satisfied=False)
    ratings.reopen_by_citizen(session, asked[3].id, citizen_id=asked[3].citizen_id or 0,
                              reason="Đã ba tháng rồi mà gia đình tôi vẫn chưa được công nhận hộ nghèo.")
    meetings.update_meeting(session, held.id, starts_at=_local(-10, 8))
    meetings.set_meeting_state(session, held.id, "held")
    meetings.record_attendance(session, held.id, 126)
    publication.publish_meeting(session, organiser, held.id)
    return held


def _demo_meetings(session: Session) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.code.in_(["CT2026", "PB2026", "HA2026"]))))
