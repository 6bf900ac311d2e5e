"""Checks that an import contract cannot express, run by `make lint`:

1. Only `storage/actions/` writes through a database session: nowhere else calls a session's
   add / add_all / delete / merge / flush / commit / begin_nested / bulk_* / execute of an
   INSERT, UPDATE or DELETE. `storage/db.py` (the transaction boundary) and migrations are exempt.
2. No dynamic imports (`importlib`, `__import__`) outside tests, so the import contract sees every edge.

Prints one line per finding and exits 1 when there is any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("doithoai", "bot", "web", "storage", "nlp", "telemetry", "bench")
WRITERS = ("storage/actions/",)
# The transaction boundary itself, and history.
EXEMPT = ("storage/db.py", "storage/migrations/")
SESSION_WRITES = {"add", "add_all", "delete", "merge", "flush", "commit", "begin_nested"}
# Names a session or connection goes by in this code base; the same methods on anything else
# (a set, a file, an HTTP client, the console's merge action) are not database writes.
SESSION_NAMES = {"session", "s", "tx", "db", "own", "conn", "connection", "sess"}
WRITE_STATEMENTS = {"insert", "update", "delete"}


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _receiver_name(node.func)
    return ""


def _is_session(node: ast.expr) -> bool:
    name = _receiver_name(node)
    return name in SESSION_NAMES or name.endswith("session") or name == "sessions"


def _writes_sql(call: ast.Call) -> bool:
    """execute(insert(...)), execute(update(...)), execute(text("DELETE ...")) and the like."""
    for arg in call.args[:1]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Call) and _receiver_name(node.func) in WRITE_STATEMENTS:
                return True
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                head = node.value.lstrip().split(" ", 1)[0].upper()
                if head in {"INSERT", "UPDATE", "DELETE"}:
                    return True
    return False


def session_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if (method in SESSION_WRITES or method.startswith("bulk_")) and _is_session(receiver):
            yield node.lineno, f"session.{method}() writes"
        elif method == "execute" and _writes_sql(node):
            yield node.lineno, "execute() of an INSERT/UPDATE/DELETE"


def dynamic_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "importlib" for a in node.names):
            yield node.lineno, "imports importlib"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "importlib":
            yield node.lineno, "imports from importlib"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            yield node.lineno, "calls __import__"


def findings(root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith(EXEMPT):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            if not rel.startswith(WRITERS) and package != "bench":
                out.extend(f"{rel}:{line}: {what}; only storage/actions/ writes" for line, what in session_writes(tree))
            out.extend(f"{rel}:{line}: {what}; import plainly" for line, what in dynamic_imports(tree))
    return out


def main() -> int:
    found = findings()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
