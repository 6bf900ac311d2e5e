"""A process sees a retrained model: the analyzer loads the file again once it changed."""

from __future__ import annotations

import os
from pathlib import Path

from doithoai.wiring import NlpAnalyzer


def test_analyzer_reloads_a_replaced_model_file(model_file: Path) -> None:
    path = model_file
    analyzer = NlpAnalyzer(path)
    first = analyzer.classifier
    assert analyzer.reload_if_changed(every=0) is False  # nothing changed
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # as the worker's save would
    assert analyzer.reload_if_changed(every=3600) is False  # looked too recently to look again
    assert analyzer.reload_if_changed(every=0) is True
    assert analyzer.classifier is not first
    assert analyzer.analyze("Đường vào ấp 3 bị hư nặng").field
