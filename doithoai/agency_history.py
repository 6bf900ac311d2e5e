"""The agency suggestion measured on a generated history of assignments, for when a database holds
too few past assignments to say anything (the demo has four).

The history is made here, in a throw-away SQLite database, never in the deployment's: the demo's
city and communes, each commune with the offices a commune has since 1/7/2025 and the city with its
departments; the messages of the corpus' dev and test splits (the classifier never learnt them),
spread over the communes' meetings in a fixed pseudo-random order; each stored through intake with
the classifier's field, the field confirmed by an organiser when the question needed review (as
the console asks), then assigned by `ROUTES`: a written table of which body usually takes a concern
of a field, where some concerns of one field go to a city department and others to the commune's
office (a national road, not a hamlet lane; a hospital, not the commune's health station). The
suggestion sees only the field and the unit, so those splits and the classifier's mistakes are what
it gets wrong. `agency_accuracy` then judges every assignment on the ones before it.

The figure says how well "the agency that took most such questions here" recovers a routing of
this shape; it is not a measure of any real province's practice.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from nlp.corpus import Example, load_examples, splits
from nlp.text import normalize, strip_diacritics
from storage.analysis import Analyzer
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.migrate import upgrade

__all__ = ["CITY_BODIES", "COMMUNE_OFFICES", "ROUTES", "evaluate_generated_history", "route"]

CITY = ("CT", "Thành phố Cần Thơ")
COMMUNES = [("CT-VT", "Phường Vị Thanh"), ("CT-HA", "Xã Hòa An"), ("CT-PB", "Xã Phương Bình"), ("CT-TH", "Xã Tân Hòa")]
COMMUNE_OFFICES = {
    "kinh_te": "Phòng Kinh tế",
    "van_hoa_xa_hoi": "Phòng Văn hóa - Xã hội",
    "van_phong": "Văn phòng HĐND và UBND",
    "cong_an": "Công an",
}
CITY_BODIES = {
    "nong_nghiep_moi_truong": "Sở Nông nghiệp và Môi trường",
    "xay_dung": "Sở Xây dựng",
    "y_te": "Sở Y tế",
    "giao_duc": "Sở Giáo dục và Đào tạo",
    "noi_vu": "Sở Nội vụ",
    "tai_chinh": "Sở Tài chính",
    "van_hoa": "Sở Văn hóa, Thể thao và Du lịch",
    "cong_an": "Công an thành phố",
    "dien": "Công ty Điện lực Cần Thơ",
    "nuoc": "Công ty Cấp thoát nước Cần Thơ",
    "bhxh": "Bảo hiểm xã hội thành phố Cần Thơ",
}
ROUTES: dict[str, tuple[str, str, str]] = {
    # field: (commune office or city body by default, city body for a wider concern, what makes it wider)
    "dat_dai": ("kinh_te", "nong_nghiep_moi_truong", r"thu hoi|cao toc|du an|khu cong nghiep|quy hoach|boi thuong"),
    "nong_nghiep": ("kinh_te", "nong_nghiep_moi_truong", r"de bao|sat lo|thuy loi|giong|thuong lai|gia lua|dich"),
    "moi_truong": ("kinh_te", "nong_nghiep_moi_truong", r"nha may|khu cong nghiep|cong ty|xa thai|song"),
    "giao_thong": ("kinh_te", "xay_dung", r"quoc lo|tinh lo|duong tinh|cao toc|cau lon|ben xe|xe khach"),
    "xay_dung_do_thi": ("kinh_te", "xay_dung", r"du an|chung cu|nha o xa hoi|khu do thi|quy hoach"),
    "nuoc_sach": ("nuoc", "nuoc", r"$^"),
    "dien": ("dien", "dien", r"$^"),
    "bao_hiem": ("bhxh", "bhxh", r"$^"),
    "y_te": ("van_hoa_xa_hoi", "y_te", r"benh vien|bac si|thuoc|kham chua benh|nha thuoc"),
    "giao_duc": ("van_hoa_xa_hoi", "giao_duc", r"giao vien|sach giao khoa|thi |tuyen sinh|hoc phi"),
    "chinh_sach_xa_hoi": ("van_hoa_xa_hoi", "noi_vu", r"nguoi co cong|liet si|thuong binh"),
    "lao_dong_viec_lam": ("van_hoa_xa_hoi", "noi_vu", r"cong ty|doanh nghiep|xuat khau lao dong|khu cong nghiep"),
    "an_ninh_trat_tu": ("cong_an", "cong_an", r"$^"),
    "hanh_chinh_cong": ("van_phong", "noi_vu", r"dich vu cong|truc tuyen|can cuoc|dinh danh"),
    "can_bo_chinh_quyen": ("van_phong", "noi_vu", r"sap nhap|sap xep|bien che|phu cap|luong"),
    "kinh_te_tai_chinh": ("kinh_te", "tai_chinh", r"thue|ngan hang|hoa don|ngan sach"),
    "van_hoa_thong_tin": ("van_hoa_xa_hoi", "van_hoa", r"song dien thoai|internet|di tich|le hoi|du lich"),
}
_MEETING_SIZE = 40
_SEED = 20261201


def route(field: str, text: str) -> str | None:
    """The key of the body that takes a concern of `field` worded as `text` (a key of
    `COMMUNE_OFFICES` for the commune's own office, else of `CITY_BODIES`), or None (not assigned)."""
    entry = ROUTES.get(field)
    if entry is None:
        return None
    default, wider, pattern = entry
    plain = strip_diacritics(normalize(text))
    return wider if re.search(pattern, plain) else default


def _history(examples: Sequence[Example]) -> list[tuple[Example, str]]:
    """(message, commune code) in the order they arrive."""
    rng = random.Random(_SEED)  # noqa: S311 - a fixed, reproducible order, not a secret
    chosen = [e for e in examples if e.code in ROUTES]
    rng.shuffle(chosen)
    return [(e, rng.choice(COMMUNES)[0]) for e in chosen]


def evaluate_generated_history(
    analyzer: Analyzer, corpus_dir: Path | None = None, limit: int | None = None
) -> dict[str, float | int | str]:
    """Top-1 accuracy of the agency suggestion on the generated history (see the module docstring);
    `limit` keeps only its first messages."""
    from storage.actions import meetings, questions, units
    from storage.queries.suggestions import agency_accuracy

    parts = splits(load_examples(corpus_dir))
    history = _history(parts["dev"] + parts["test"])[:limit]
    with tempfile.TemporaryDirectory(prefix="doithoai-agency-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'history.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            factory = make_sessionmaker(engine)
            with session_scope(factory) as session:
                city = units.create_unit(session, code=CITY[0], name=CITY[1], level="tỉnh")
                bodies = {key: units.create_agency(session, unit_id=city.id, name=name).id
                          for key, name in CITY_BODIES.items()}
                offices: dict[tuple[str, str], int] = {}
                unit_ids: dict[str, int] = {}
                for code, name in COMMUNES:
                    unit = units.create_unit(session, code=code, name=name, level="xã", parent_id=city.id)
                    unit_ids[code] = unit.id
                    for key, office in COMMUNE_OFFICES.items():
                        offices[(code, key)] = units.create_agency(session, unit_id=unit.id, name=f"{office} {name}").id
                start = datetime(2025, 7, 1, 8, 0)
                meeting_of: dict[str, tuple[int, int]] = {}
                for i, (example, commune) in enumerate(history):
                    when = start + timedelta(hours=6 * i)
                    meeting_id, held = meeting_of.get(commune, (0, _MEETING_SIZE))
                    if held >= _MEETING_SIZE:
                        meeting_id = meetings.create_meeting(
                            session, unit_id=unit_ids[commune], title=f"Hội nghị đối thoại {commune} {i}",
                            starts_at=when + timedelta(days=30), state="open").id
                        held = 0
                    meeting_of[commune] = (meeting_id, held + 1)
                    question = questions.submit_question(
                        session, meeting_id=meeting_id, text=example.text, channel="web", analyzer=analyzer,
                        created_at=when, check_intake=False)
                    if question.needs_review:
                        questions.set_field(session, question.id, example.code, actor="history")
                    body = route(example.code, example.text)
                    if body is None:
                        continue
                    agency_id = offices[(commune, body)] if body in COMMUNE_OFFICES else bodies[body]
                    questions.assign(session, question.id, agency_id, actor="history")
                result = dict(agency_accuracy(session))
        finally:
            engine.dispose()
    return {**result, "source": "generated history"}
