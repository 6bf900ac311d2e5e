"""Hostile and odd input: never a crash; text that says nothing is `khac` with low confidence and
has no similar questions. (Speed is measured in bench/bench_nlp.py, not asserted here.)"""

from __future__ import annotations

import pytest

from nlp.classify import Classifier
from nlp.grouping import group
from nlp.moderation import check
from nlp.privacy import mask_text, valid_vn_phone
from nlp.signature import signature
from nlp.similar import find_similar, similar_all
from nlp.text import normalize, strip_diacritics

HOSTILE = [
    "",
    " \t\n ",
    "😀" * 3000,
    "a." * 5000,
    "x-" * 5000,
    "aa.bb-" * 1600,
    "a@" * 5000,
    "<" * 10_000,
    "<a " * 3000,
    "1 " * 5000,
    "0912345678 " * 900,
    "Đường vào ấp 3 " * 700,
    "\x00\x1b[31m\u202e\u200b",
    "Привет 你好 مرحبا xin chào",
    "<script>alert('x')</script><p>mất điện</p>",
    "a\ud800b\udfff mất điện",
    "mất điện " * 1500,
]

SAYS_NOTHING = ["", "😀😀😀", "<br/><p></p>", "\ud800\udc00", "!!!???", "Привет 你好 مرحبا",
                "a" * 10_000, "1", "2026 2026"]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_text_functions_are_safe_and_fast(text: str, classifier: Classifier) -> None:
    for fn in (normalize, strip_diacritics, check, mask_text, signature, valid_vn_phone):
        fn(text)  # type: ignore[operator]
    assert not any("\ud800" <= ch <= "\udfff" for ch in normalize(text))
    pred = classifier.predict(text)
    assert 0.0 <= pred.confidence <= 1.0
    assert isinstance(find_similar(text, [(1, text), (2, "mất điện")]), list)
    assert len(group([(1, text), (2, text)])) == 2


@pytest.mark.parametrize("text", SAYS_NOTHING, ids=range(len(SAYS_NOTHING)))
def test_text_that_says_nothing(text: str, classifier: Classifier) -> None:
    pred = classifier.predict(text)
    assert pred.field == "khac" and pred.confidence < 0.2 and pred.needs_review
    assert similar_all([(1, text), (2, "mất điện ở ấp 3"), (3, text)])[0] == []


def test_markup_with_a_number_says_no_field(classifier: Classifier) -> None:
    pred = classifier.predict("<script>alert(1)</script>")
    assert pred.field == "khac" and pred.confidence < 0.2 and pred.needs_review


def test_a_number_alone_in_common_is_not_a_duplicate() -> None:
    texts = [(1, "<script>alert(1)</script>"), (2, "1"), (3, "tin nhắn số 1"), (4, "mất điện ở ấp 1")]
    assert [hits for hits in similar_all(texts)][:3] == [[], [], []]
    assert similar_all([(1, "mất điện ở ấp 1"), (2, "ấp 1 mất điện cả tuần")])[0]
