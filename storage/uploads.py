"""Files citizens upload through the web chat: saved in one folder, kept only while something uses them.

A file is referenced as ``file:<path>`` (the `Attachment.file_ref` of a stored question, or an
attachment waiting in a conversation's draft). A refused upload is discarded at once; anything else
nobody references any more is removed by `sweep_orphans`, which the outbox worker runs every hour and
`doithoai uploads sweep` runs on demand. A citizen's erasure removes their files as soon as it commits
(`remove_after_commit`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, event, select
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.models import Attachment, Conversation

log = logging.getLogger("doithoai.uploads")

PREFIX = "file:"
# An upload is written before the turn that keeps it commits; younger files are never swept.
GRACE = timedelta(hours=1)
# A draft's attachments are kept while its conversation moved within this time.
DRAFT_KEPT = timedelta(days=7)
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,9}$")


def save_upload(folder: Path, name: str, data: bytes) -> str:
    """Write `data` under a random name (keeping a plain extension) and return its reference."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix
    path = folder / f"{uuid.uuid4().hex}{suffix.lower() if _SUFFIX.match(suffix) else ''}"
    path.write_bytes(data)
    return PREFIX + str(path)


def _local_path(folder: Path, ref: str | None) -> Path | None:
    """The file behind `ref` when it is one of ours inside `folder`; None for platform references."""
    if not ref or not ref.startswith(PREFIX):
        return None
    path = Path(ref[len(PREFIX):]).resolve()
    return path if path.parent == folder.resolve() else None


def discard_upload(folder: Path, ref: str | None) -> bool:
    """Remove the file of an upload that was refused; True when a file was removed."""
    path = _local_path(folder, ref)
    if path is None or not path.is_file():
        return False
    path.unlink(missing_ok=True)
    return True


_TO_REMOVE = "doithoai.uploads_to_remove"


def remove_after_commit(session: Session, folder: Path, refs: Iterable[str | None]) -> int:
    """Remove the files behind `refs` once the session's transaction commits, never if it rolls back.

    Returns how many of them are files of ours, waiting for the commit.
    """
    paths = {p for p in (_local_path(folder, r) for r in refs) if p is not None}
    if not paths:
        return 0
    if _TO_REMOVE not in session.info:
        session.info[_TO_REMOVE] = set()
        event.listen(session, "after_commit", _remove_pending)
        event.listen(session, "after_rollback", _forget_pending)
    session.info[_TO_REMOVE].update(paths)
    return len(paths)


def _remove_pending(session: Session) -> None:
    paths: set[Path] = session.info.get(_TO_REMOVE, set())
    for path in paths:
        path.unlink(missing_ok=True)
    if paths:
        log.info("removed %d erased uploads", len(paths))
    paths.clear()


def _forget_pending(session: Session) -> None:
    session.info.get(_TO_REMOVE, set()).clear()


def _referenced(session: Session, folder: Path, drafts_since: datetime) -> set[Path]:
    refs = set(session.scalars(select(Attachment.file_ref).where(Attachment.file_ref.startswith(PREFIX))))
    drafts = session.scalars(select(Conversation.data).where(
        Conversation.updated_at >= drafts_since, cast(Conversation.data, String).like(f"%{PREFIX}%")))
    for data in drafts:
        refs.update(str(a.get("file_ref") or "") for a in (data or {}).get("attachments", []) if isinstance(a, dict))
    return {p for p in (_local_path(folder, r) for r in refs) if p is not None}


@dataclass(frozen=True)
class Sweep:
    kept: int
    removed: int


def sweep_orphans(session: Session, folder: Path, *, now: datetime | None = None) -> Sweep:
    """Remove uploads no stored question and no recent draft references, once older than `GRACE`."""
    if not folder.is_dir():
        return Sweep(0, 0)
    now = now or utcnow()
    keep = _referenced(session, folder, now - DRAFT_KEPT)
    cutoff = (now - GRACE).timestamp()
    kept = removed = 0
    for path in folder.iterdir():
        if not path.is_file():
            continue
        resolved = path.resolve()
        if resolved in keep or path.stat().st_mtime > cutoff:
            kept += 1
            continue
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("removed %d orphan uploads from %s", removed, folder)
    return Sweep(kept, removed)
