"""Vietnamese NLP for citizens' questions: normalisation, field classification, suggested and
automatic duplicate grouping, personal-data masking and moderation. Text in, answers out: no
database, no network, no settings. The classifier (scikit-learn) is imported only when first used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlp.errors import FieldsError, ModelError, ModelMismatch, NlpError
from nlp.fields import FALLBACK_CODE, Field, load_fields, taxonomy_hash
from nlp.grouping import DuplicateHit, group
from nlp.moderation import check as moderation_check
from nlp.privacy import mask_name, mask_phone, mask_text, valid_vn_phone
from nlp.similar import SimilarIndex, find_similar, similar_all
from nlp.text import has_diacritics, normalize, strip_diacritics

if TYPE_CHECKING:
    from nlp.classify import DEFAULT_MODEL_PATH, Classifier, Prediction, load_or_train, train

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FALLBACK_CODE",
    "Classifier",
    "DuplicateHit",
    "Field",
    "FieldsError",
    "ModelError",
    "ModelMismatch",
    "NlpError",
    "Prediction",
    "SimilarIndex",
    "find_similar",
    "group",
    "has_diacritics",
    "load_fields",
    "load_or_train",
    "mask_name",
    "mask_phone",
    "mask_text",
    "moderation_check",
    "normalize",
    "similar_all",
    "strip_diacritics",
    "taxonomy_hash",
    "train",
    "valid_vn_phone",
]

_LAZY = {"DEFAULT_MODEL_PATH", "Classifier", "Prediction", "load_or_train", "train"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from nlp import classify

        return getattr(classify, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
