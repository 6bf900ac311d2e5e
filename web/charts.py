"""Charts rendered on the server as SVG (matplotlib, no display needed)."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from storage.reports import LevelRow, Row, Table

# pyplot keeps global state: one chart at a time.
_lock = threading.Lock()
COLORS = {"resolved": "#2e7d32", "in_progress": "#f9a825", "unresolved": "#c62828", "escalated": "#6a1b9a",
          "pending": "#90a4ae"}
BUCKET_LABELS = {"resolved": "Đã giải quyết", "in_progress": "Đang thực hiện", "unresolved": "Giải quyết chưa xong",
                 "escalated": "Chuyển lên cấp trên", "pending": "Chưa xử lý"}


def _svg(fig: object) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return out.getvalue()


def by_field(rows: list[Row], labels: dict[str, str]) -> bytes:
    with _lock:
        shown = rows[:15][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.4 * max(3, len(shown)) + 1))
        names = [labels.get(r.label, r.label) for r in shown]
        ax.barh(names, [r.questions for r in shown], color="#1565c0", label="Ý kiến, kiến nghị")
        ax.barh(names, [r.resolved for r in shown], color=COLORS["resolved"], label="Đã giải quyết")
        ax.set_xlabel("Số ý kiến")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower right")
        ax.set_title("Ý kiến, kiến nghị theo lĩnh vực")
        return _svg(fig)


def by_level(report: Table[LevelRow]) -> bytes:
    with _lock:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        names = [r.label for r in report.rows]
        left = [0] * len(names)
        for bucket, color in COLORS.items():
            values = [getattr(r, bucket) for r in report.rows]
            ax.barh(names, values, left=left, color=color, label=BUCKET_LABELS[bucket])
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel("Số ý kiến")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8)
        ax.set_title("Kết quả giải quyết theo cấp")
        return _svg(fig)
