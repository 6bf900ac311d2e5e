"""Files citizens attached, served only to those whose reach covers the question.

Images whose bytes really are JPEG, PNG, GIF or WebP are shown inline; everything else is a
download with a fixed, harmless content type, so that no uploaded file runs in the console's origin.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from nlp.privacy import mask_text
from storage.errors import NotFound
from storage.lookup import not_found
from storage.models import Attachment
from storage.reach import require_question
from web.deps import Principal, current_user, db, get_ctx

router = APIRouter()

IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
}
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
           "Content-Security-Policy": "default-src 'none'; sandbox", "Referrer-Policy": "same-origin"}


def image_type(head: bytes) -> str | None:
    """The image type the file's first bytes prove, or None."""
    for magic, mime in IMAGE_MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def stored_path(upload_dir: Path, file_ref: str) -> Path | None:
    """The local file of a `file:` reference, only when it lies inside the uploads folder."""
    if not file_ref.startswith("file:"):
        return None
    root = upload_dir.resolve()
    path = Path(file_ref.removeprefix("file:"))
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@router.get("/attachments/{attachment_id}")
def download(attachment_id: int, request: Request, user: Principal = Depends(current_user),
             session: Session = Depends(db)) -> Response:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise not_found(Attachment, attachment_id)
    require_question(session, row.question_id, user.reach)
    path = stored_path(Path(get_ctx(request).settings.upload_dir), row.file_ref)
    if path is None:
        raise NotFound("Tệp này chưa được lưu trên máy chủ.")
    with path.open("rb") as fh:
        head = fh.read(16)
    image = image_type(head)
    name = row.file_name or path.name
    if not user.sees_contacts:  # "cccd_079203001234.jpg": an agency officer gets the number masked
        name = mask_text(name)
    if image is not None and row.kind == "photo":
        return FileResponse(path, media_type=image, headers={
            **HEADERS, "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"})
    media = DOCUMENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, headers={
        **HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
