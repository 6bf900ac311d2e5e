"""The erasure action's parts: files removed only once the erasure commits, the draft's files too, and
the citizen's values found however they were written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from harness.factories import ask, make_citizen, make_world
from storage.actions import citizens, conversations, publication, questions, replies
from storage.actions.attachments import Upload, add_attachment
from storage.actions.erasure import REMOVED, Scrubber
from storage.analysis import PlainAnalyzer
from storage.models import Conversation, Outbox, Question, Reply, StatusEvent
from storage.reach import Reach
from storage.uploads import save_upload


def _citizen_with_files(sessions: sessionmaker[Session], folder: Path) -> tuple[int, list[Path]]:
    """A citizen with one stored question with a photo, and a draft with a document not yet sent."""
    with sessions() as s, s.begin():
        world = make_world(s)
        citizen = make_citizen(s)
        q = ask(s, world.meeting_a, "Đường ấp 3 hư", citizen=citizen)
        stored = save_upload(folder, "anh.jpg", b"\xff\xd8 photo")
        add_attachment(s, q.id, Upload(kind="photo", file_ref=stored, file_name="anh.jpg", size=8))
        drafted = save_upload(folder, "don.pdf", b"%PDF draft")
        conv = conversations.load_conversation(s, citizen.id, "asking_question")
        conversations.save_conversation(s, conv, "asking_question", {
            "draft": ["Tôi là Nguyễn Văn Ba"], "attachments": [{"kind": "document", "file_ref": drafted}]})
        citizen_id = citizen.id
    return citizen_id, [Path(stored.removeprefix("file:")), Path(drafted.removeprefix("file:"))]


def test_files_go_when_the_erasure_commits_and_stay_when_it_rolls_back(sessions: sessionmaker[Session],
                                                                       tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    citizen_id, files = _citizen_with_files(sessions, folder)
    with sessions() as s:
        citizens.erase_citizen(s, citizen_id, analyzer=PlainAnalyzer(), upload_dir=folder)
        s.rollback()
    assert all(p.is_file() for p in files)
    with sessions() as s, s.begin():
        citizens.erase_citizen(s, citizen_id, analyzer=PlainAnalyzer(), upload_dir=folder)
        assert all(p.is_file() for p in files)  # not before the commit
    assert not any(p.exists() for p in files)
    with sessions() as s:
        conv = s.get(Conversation, citizen_id)
        assert conv is not None and conv.data == {}


def test_scrubber_finds_values_however_written() -> None:
    scrub = Scrubber(["Nguyễn Thị Hoa", "0912345678", "Hoa", "079203001234"])
    out = scrub("nguyen thi hoa, NGUYỄN THỊ HOA, +84 912 345 678, 0912.345.678, (091) 2345678, 079 203 001 234")
    assert out is not None and "345" not in out and "hoa" not in out.lower() and "001" not in out
    assert out.count(REMOVED) == 6
    # A one-word value is matched as written: in lower case it is a common word.
    assert scrub("Chị Hoa trồng hoa") == f"Chị {REMOVED} trồng hoa"
    # Other numbers are masked (mask_text), dates and amounts stay.
    other = "Gọi 0987654321 trước 12/3/2024, nợ 5.000.000 đồng"
    assert scrub(other) == "Gọi 098****321 trước 12/3/2024, nợ 5.000.000 đồng"
    assert Scrubber([], mask=False)("0987654321") == "0987654321"


def test_erased_question_text_and_search_form_agree(session: Session) -> None:
    world = make_world(session)
    citizen = make_citizen(session)
    citizens.give_consent(session, citizen.id)
    citizens.update_details(session, citizen.id, name="Trần Văn Bình", phone="0912345678")
    q = ask(session, world.meeting_a, "Tôi là Trần Văn Bình, sđt 0912345678: đường ấp 3 hư", citizen=citizen)
    citizens.erase_citizen(session, citizen.id, analyzer=PlainAnalyzer(), upload_dir=None)
    stored = session.get(Question, q.id)
    assert stored is not None
    assert stored.original_text == f"Tôi là {REMOVED}, sđt {REMOVED}: đường ấp 3 hư"
    assert stored.search_text == PlainAnalyzer().analyze(stored.original_text).search_text
    assert "binh" not in stored.search_text and "0912345678" not in stored.normalized_text


def test_merged_question_answer_loses_the_name_and_other_askers_keep_theirs(session: Session) -> None:
    world = make_world(session)
    other, citizen = make_citizen(session), make_citizen(session)
    citizens.give_consent(session, citizen.id)
    citizens.update_details(session, citizen.id, name="Lê Thị Cúc", phone="0987654321", locality="ấp Tân Lập")
    primary = ask(session, world.meeting_a, "Đường ấp 3 hư nặng", citizen=other)
    mine = ask(session, world.meeting_a, "Đường ấp 3 hư, Lê Thị Cúc hỏi", citizen=citizen)
    questions.merge(session, primary.id, [mine.id], actor="org")
    publication.set_summary(session, Reach.admin(), primary.id, "Đường ấp 3 hư (bà Lê Thị Cúc và 1 người)")
    replies.reply(session, primary.id, "Gửi bà Lê Thị Cúc và bà con: xã sửa đường; hỏi thêm gọi 0236 3822 123.",
                  author="org", status="triaged")
    citizens.erase_citizen(session, citizen.id, analyzer=PlainAnalyzer(), upload_dir=None)
    answer = session.scalars(select(Reply)).one()
    assert "Lê Thị Cúc" not in answer.text and "0236 3822 123" in answer.text
    assert "Lê Thị Cúc" not in (session.get(Question, primary.id).summary or "")  # type: ignore[union-attr]
    notes = session.scalars(select(StatusEvent.note).where(StatusEvent.question_id == primary.id))
    assert not [n for n in notes if n and "Lê Thị Cúc" in n]
    to_other = session.scalars(select(Outbox).where(Outbox.citizen_id == other.id)).one()
    assert to_other.text.count("Lê Thị Cúc") == 1 and "0236 3822 123" in to_other.text  # theirs, untouched
    to_her = session.scalars(select(Outbox).where(Outbox.citizen_id == citizen.id)).one()
    assert to_her.status == "pending" and "Lê Thị Cúc" not in to_her.text and "0236 3822 123" in to_her.text
