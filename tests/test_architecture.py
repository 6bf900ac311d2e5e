"""The architecture check of `make lint` finds what it should, and the tree passes it."""

from __future__ import annotations

from pathlib import Path

from tools.check_architecture import findings


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_tree_passes() -> None:
    assert findings() == []


def test_writes_outside_actions_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "web/routes/x.py": "def f(session, turn, seen, tx):\n"
                           "    session.add(1)\n"
                           "    turn.session.begin_nested()\n"
                           "    seen.add(2)\n"
                           "    tx.execute(update(Question).values(x=1))\n"
                           "    tx.execute(select(Question))\n",
        "bot/y.py": "def g(conn):\n    conn.execute(text('DELETE FROM outbox'))\n",
        "storage/actions/ok.py": "def h(session):\n    session.add(1)\n    session.flush()\n",
        "storage/db.py": "def scope(session):\n    session.commit()\n",
    })
    found = findings(root)
    assert sorted(f.split(": ")[0] for f in found) == ["bot/y.py:2", "web/routes/x.py:2", "web/routes/x.py:3",
                                                  "web/routes/x.py:5"]


def test_dynamic_imports_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "doithoai/a.py": "import importlib\n",
        "web/b.py": "from importlib import util\n",
        "nlp/c.py": "m = __import__('os')\n",
    })
    assert sorted(f.split(": ")[0] for f in findings(root)) == ["doithoai/a.py:1", "nlp/c.py:1", "web/b.py:1"]
