"""Agency officers read citizens' words with phone, ID and account numbers and e-mails masked, on every
page they can open and in the e-mails sent to their agency; organisers read them whole. Open311 masks
what it gives out, answers included, with a key or without."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from harness.factories import make_citizen
from storage import lifecycle, workdays
from storage.actions import citizens, publication, questions, ratings, replies, units
from storage.actions.attachments import Upload, add_attachment
from storage.models import Attachment, Outbox, Question
from storage.reach import Reach
from storage.uploads import save_upload
from tests.web.conftest import Console
from tests.web.helpers import ask

PHONE = "0912 345 678"
ID_NUMBER = "079203001234"
EMAIL = "hoa.nguyen@example.vn"
TEXT = f"Đường ấp 1 hư nặng. Tôi ở ấp 1, điện thoại {PHONE}, CCCD {ID_NUMBER}, email {EMAIL}."
FILE_NAME = f"don_cccd_{ID_NUMBER}.pdf"
WHOLE = (PHONE, ID_NUMBER, EMAIL)


def _assigned_question(console: Console) -> int:
    w = console.world
    with console.ctx.transaction() as s:
        citizen = make_citizen(s)
        citizens.give_consent(s, citizen.id)
        citizens.update_details(s, citizen.id, name="Nguyễn Thị Hoa", phone="0912345678", locality="ấp 1")
        q = ask(s, w.meeting_a, TEXT, citizen=citizen)
        ref = save_upload(Path(console.ctx.settings.upload_dir), FILE_NAME, b"%PDF-1.4 don")
        add_attachment(s, q.id, Upload(kind="document", file_ref=ref, file_name=FILE_NAME, size=12))
        questions.assign(s, q.id, w.agency_a.id, actor="org_a",
                         due_date=workdays.today() - timedelta(days=3))
        replies.reply(s, q.id, "Huyện sửa trong tháng 12.", author="org_a", status=lifecycle.RESOLVED)
        ratings.rate(s, q.id, citizen_id=citizen.id, satisfied=False)
        ratings.reopen_by_citizen(s, q.id, citizen_id=citizen.id, reason=f"Chưa sửa, gọi lại {PHONE}")
        return q.id


def test_agency_officer_reads_numbers_masked_on_every_page(console: Console) -> None:
    qid = _assigned_question(console)
    agency = console.client("agency_a")
    pages = {path: agency.get(path) for path in (f"/questions/{qid}", "/inbox", "/assigned", "/overdue",
                                                 f"/meetings/{console.world.meeting_a.id}/queue")}
    for path, page in pages.items():
        assert page.status_code == 200, path
        assert not [v for v in WHOLE if v in page.text], path
    question = pages[f"/questions/{qid}"].text
    assert "091****678" in question and "*********234" in question and "h***@example.vn" in question
    assert "Đường ấp 1 hư nặng" in question
    assert "Đường ấp 1 hư nặng" in pages["/assigned"].text

    with console.session() as s:
        attachment = s.query(Attachment).one().id
    download = agency.get(f"/attachments/{attachment}")
    assert download.status_code == 200 and ID_NUMBER not in download.headers["content-disposition"]

    organiser = console.client("org_a")
    assert all(v in organiser.get(f"/questions/{qid}").text for v in WHOLE)
    assert ID_NUMBER in organiser.get(f"/attachments/{attachment}").headers["content-disposition"]


def test_agency_officer_cannot_find_a_question_by_a_number_it_reads_masked(console: Console) -> None:
    qid = _assigned_question(console)
    queue = f"/meetings/{console.world.meeting_a.id}/queue"
    with console.session() as s:
        ticket = s.get(Question, qid).ticket
    agency, organiser = console.client("agency_a"), console.client("org_a")

    def found(client: Any, q: str) -> bool:
        page = client.get(queue, params={"q": q, "status": ""})
        assert page.status_code == 200, q
        return f"/questions/{qid}" in page.text

    for typed in (PHONE, "345 678", ID_NUMBER, "79203001", EMAIL, "@example.vn"):
        assert not found(agency, typed), typed
        assert found(organiser, typed), typed  # the organiser reads them whole, and finds them
    assert not found(agency, "0912345678")
    assert found(agency, "hư nặng") and found(agency, ticket) and found(agency, ticket.lower())


def test_notices_to_agencies_carry_masked_text(console: Console) -> None:
    w = console.world
    with console.ctx.transaction() as s:
        agency = units.create_agency(s, unit_id=w.district_a.id, name="Phòng Hạ tầng", email="hatang@example.gov.vn")
        q = ask(s, w.meeting_a, TEXT)
        questions.assign(s, q.id, agency.id, actor="org_a")
        notices = [o.text for o in s.query(Outbox).filter(Outbox.question_id == q.id, Outbox.channel == "email")]
    assert notices and all("Đường ấp 1 hư nặng" in n for n in notices)
    assert not [v for n in notices for v in WHOLE if v in n]


def test_open311_masks_answers_and_descriptions_without_a_key(console: Console) -> None:
    w = console.world
    with console.ctx.transaction() as s:
        q = ask(s, w.meeting_a, TEXT)
        replies.reply(s, q.id, f"Đã liên hệ anh chị qua số {PHONE}, email {EMAIL}; đường sửa xong.",
                      author="org_a", status=lifecycle.RESOLVED)
        publication.publish_meeting(s, Reach.admin(), w.meeting_a.id)
        ticket = q.ticket
    public = console.client(None).get("/open311/v2/requests.json")
    assert public.status_code == 200
    row = next(r for r in public.json() if r["service_request_id"] == ticket)
    assert "đường sửa xong" in row["status_notes"] and "091****678" in row["status_notes"]
    assert not [v for v in WHOLE if v in public.text]
    single = console.client(None).get(f"/open311/v2/requests/{ticket}.xml")
    assert single.status_code == 200 and not [v for v in WHOLE if v in single.text]
