"""What the field classifier sees of a message: TF-IDF of words and word pairs of the normalised
text and of its diacritic-free form, and character n-grams of the diacritic-free form (robust to
typos and missing tone marks), the last weighing half as much as the words (`CHAR_WEIGHT`).
Training lines are also learnt without diacritics, as many citizens type them.
(Typo-augmented copies and underthesea word segmentation were measured on dev and left out: they
moved macro-F1 by less than 0.005.)"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from nlp.text import strip_diacritics

__all__ = ["CHAR_WEIGHT", "block_weights", "build_features", "variants"]

_WORDS = r"(?u)\b\w+\b"
CHAR_WEIGHT = 0.5
"""Weight of the character n-grams beside the word features (the same accuracy from 0,3 to 0,6 on
dev, 0,6 point more than 1,0, and right answers ranked better above wrong ones)."""


def _lower(text: str) -> str:
    return text.lower()


def build_features(char_weight: float | None = None) -> FeatureUnion:
    """The feature union; its input is `normalize`d text."""
    return FeatureUnion(
        transformer_weights={"plain_chars": CHAR_WEIGHT if char_weight is None else char_weight},
        transformer_list=[
            (
                "words",
                TfidfVectorizer(
                    preprocessor=_lower, token_pattern=_WORDS, ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32
                ),
            ),
            (
                "plain_words",
                TfidfVectorizer(
                    preprocessor=strip_diacritics,
                    token_pattern=_WORDS,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "plain_chars",
                TfidfVectorizer(
                    preprocessor=strip_diacritics,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def block_weights(features: FeatureUnion) -> list[float]:
    """The weight of each block of the union, in order (1 when none is set)."""
    weights = features.transformer_weights or {}
    return [float(weights.get(name, 1.0)) for name, _ in features.transformer_list]


def variants(normalised: str) -> list[str]:
    """The line and its diacritic-free form (as many citizens type it)."""
    plain = strip_diacritics(normalised)
    return [normalised] if plain == normalised.lower() else [normalised, plain]
