"""The NLP package behind storage's analyzer protocol."""

from __future__ import annotations

from pathlib import Path

from doithoai.wiring import NlpAnalyzer
from nlp import similar

TEXTS = [
    "Đường vào ấp 3 xã Tân Phú bị hư nặng, mùa mưa xe không chạy được",
    "Mất điện cả đêm ở xóm Bàu, đề nghị ngành điện kiểm tra",
    "duong vao ap 3 tan phu hu nang lam, xe khong chay duoc",
    "Nước máy ở ấp 5 có mùi phèn",
    "xóm Bàu mất điện suốt đêm qua",
    "Đường vào ấp 7 bị hư",
    "Thẻ bảo hiểm y tế của mẹ tôi hết hạn, gia hạn ở đâu?",
]


def test_proposals_from_one_index_rank_as_find_similar_over_the_earlier_questions(model_file: Path) -> None:
    analyzer = NlpAnalyzer(model_file)
    items = [(100 + i, analyzer.analyze(t).normalized) for i, t in enumerate(TEXTS)]
    found = analyzer.propose(items, range(len(items)))
    for pos in range(len(items)):
        expected = similar.find_similar(items[pos][1], items[:pos])
        assert found.get(pos) == (expected[0] if expected else None)
    # The repeats point at the first time the concern was raised, never at a later question.
    assert found[2][0] == 100 and found[4][0] == 101 and 0 not in found
