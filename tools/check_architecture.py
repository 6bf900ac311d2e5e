"""Checks that an import contract cannot express, run by `make lint`:

1. Only `storage/actions/` writes through a database session: nowhere else calls a session's
   add / add_all / delete / merge / flush / commit / begin_nested / bulk_* / execute of an
   INSERT, UPDATE or DELETE. `storage/db.py` (the transaction boundary) and migrations are exempt.
   Nor does it set an attribute of a database row (`meeting.starts_at = ...`, `setattr(row, ...)`):
   the session would write it at the next flush. A row is told apart by a heuristic, per function: a
   name bound (by `=`, `:=`, `for` or `with`) to the result of a call that is handed a session
   (`get_question(session, 1)`, `meetings.create_meeting(tx, ...)`) or made on one
   (`session.get(...)`, `session.scalars(...).first()`), and such a call itself (`s.get(M, 1).x = 2`).
   Rows reached another way (a row's relationship, a function's parameter) are not seen.
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


def _handed_a_session(node: ast.AST) -> bool:
    """Whether `node` holds a call made on a session or given one as an argument."""
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        if isinstance(call.func, ast.Attribute) and _is_session(call.func.value):
            return True
        if any(_is_session(arg) for arg in [*call.args, *(k.value for k in call.keywords)]
               if isinstance(arg, ast.Name | ast.Attribute)):
            return True
    return False


def _names(target: ast.AST) -> Iterator[str]:
    """The plain names a target binds (`q`, `q, score`), not the objects of `self.x` or `d[k]`."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _names(element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


def _rows_bound(scope: ast.AST) -> set[str]:
    """Names bound in `scope` to what a call handed a session returned (see the module's docstring)."""
    rows: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            if _handed_a_session(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                rows.update(name for t in targets for name in _names(t))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and _handed_a_session(node.iter):
            rows.update(_names(node.target))
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None and _handed_a_session(item.context_expr) \
                        and not _is_session(item.optional_vars):
                    rows.update(_names(item.optional_vars))
    return rows - SESSION_NAMES


def _is_row(node: ast.expr, rows: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in rows
    return isinstance(node, ast.Call) and _handed_a_session(node)


def row_assignments(tree: ast.AST) -> Iterator[tuple[int, str]]:
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    seen: set[int] = set()
    for scope in [tree, *scopes]:
        rows = _rows_bound(scope) if scope is not tree else set()
        for node in ast.walk(scope):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and node.args:
                targets = [ast.Attribute(value=node.args[0], attr="?", ctx=ast.Store(), lineno=node.lineno)]
            for target in targets:
                if isinstance(target, ast.Attribute) and _is_row(target.value, rows) and node.lineno not in seen:
                    seen.add(node.lineno)
                    owner = target.value.id if isinstance(target.value, ast.Name) else "a row"
                    yield node.lineno, f"sets {owner}.{target.attr} on a database row"


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
                writes = sorted([*session_writes(tree), *row_assignments(tree)])
                out.extend(f"{rel}:{line}: {what}; only storage/actions/ writes" for line, what in writes)
            out.extend(f"{rel}:{line}: {what}; import plainly" for line, what in dynamic_imports(tree))
    return out


def main() -> int:
    found = findings()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
