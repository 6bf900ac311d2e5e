from __future__ import annotations

from pathlib import Path

import pytest

from nlp.classify import Classifier, train
from nlp.fields import Field, load_fields


@pytest.fixture(scope="session")
def fields() -> list[Field]:
    return load_fields()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model") / "classifier.joblib"


@pytest.fixture(scope="session")
def classifier(fields: list[Field], model_path: Path) -> Classifier:
    """Trained once per test session on the bundled corpus."""
    return train(None, fields, model_path)
