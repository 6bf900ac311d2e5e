"""Hostile and odd input: never a crash, never a slow regular expression."""

from __future__ import annotations

import time

import pytest

from nlp.classify import Classifier
from nlp.duplicates import find_similar, group, signature
from nlp.moderation import check
from nlp.normalize import normalize, strip_diacritics
from nlp.privacy import mask_text, valid_vn_phone

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
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_text_functions_are_safe_and_fast(text: str, classifier: Classifier) -> None:
    for fn in (normalize, strip_diacritics, check, mask_text, signature, valid_vn_phone):
        started = time.perf_counter()
        fn(text)  # type: ignore[operator]
        assert time.perf_counter() - started < 1.0, fn
    pred = classifier.predict(text)
    assert 0.0 <= pred.confidence <= 1.0
    assert find_similar(text, [(1, text), (2, "mất điện")]) is not None
    assert len(group([(1, text), (2, text)])) == 2
