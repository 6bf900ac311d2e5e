from __future__ import annotations

from nlp.metrics import largest_share_at


def test_largest_share_at_the_target_precision() -> None:
    confidence = [0.9, 0.8, 0.7, 0.6, 0.5]
    assert largest_share_at(confidence, [True, True, True, False, True], target=1.0) == 0.6
    assert largest_share_at(confidence, [True, True, True, False, True], target=0.8) == 1.0
    assert largest_share_at(confidence, [False, True, True, True, True], target=0.97) == 0.0
    assert largest_share_at([], [], target=0.97) == 0.0
    # Lines of equal confidence are kept or left together.
    assert largest_share_at([0.9, 0.8, 0.8], [True, True, False], target=1.0) == round(1 / 3, 4)
    # Order of the input does not matter.
    assert largest_share_at([0.5, 0.9, 0.7], [True, True, False], target=1.0) == round(1 / 3, 4)
