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


def test_attributes_set_on_rows_outside_actions_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "doithoai/demo.py": "def f(session, meetings, question):\n"
                            "    held = meetings.create_meeting(session, title='x')\n"
                            "    held.starts_at = 1\n"
                            "    for q, _ in queries.similar(session, 3):\n"
                            "        q.score += 1\n"
                            "    if (row := session.scalars(select(Q)).first()) is not None:\n"
                            "        setattr(row, 'status', 'closed')\n"
                            "    session.get(Q, 1).text = ''\n"
                            "    question.text = 'a parameter: not seen'\n",
        "web/routes/ok.py": "class Form:\n"
                            "    def __init__(self, tx, values):\n"
                            "        self.values = sorted(v for v in values if check(tx, v))\n"
                            "def g(session):\n"
                            "    page = render(session)\n"
                            "    page['x'] = 1\n"
                            "    limits = {s: 1 for s in ('a', 'b')}\n",
        "storage/actions/meetings.py": "def h(session):\n    m = session.get(M, 1)\n    m.starts_at = 2\n",
    })
    found = findings(root)
    assert sorted(f.split(": ")[0] for f in found) == ["doithoai/demo.py:3", "doithoai/demo.py:5", "doithoai/demo.py:7",
                                                  "doithoai/demo.py:8"]
    assert "sets held.starts_at on a database row" in found[0]


def test_dynamic_imports_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "doithoai/a.py": "import importlib\n",
        "web/b.py": "from importlib import util\n",
        "nlp/c.py": "m = __import__('os')\n",
    })
    assert sorted(f.split(": ")[0] for f in findings(root)) == ["doithoai/a.py:1", "nlp/c.py:1", "web/b.py:1"]
