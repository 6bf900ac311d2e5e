from __future__ import annotations

from pathlib import Path

import pytest

from nlp.classify import Classifier, load_or_train
from nlp.fields import Field, load_fields


@pytest.fixture(scope="session")
def fields() -> list[Field]:
    return load_fields()


@pytest.fixture(scope="session")
def model_path(trained_model: Path) -> Path:
    return trained_model


@pytest.fixture(scope="session")
def classifier(fields: list[Field], model_path: Path) -> Classifier:
    """The session's classifier, trained once on the bundled corpus."""
    return load_or_train(model_path)
