"""What both Zalo webhooks do first with a request: read a bounded body and parse its JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

MAX_BODY = 256 * 1024


async def json_body(request: Request) -> tuple[bytes, Any] | Response:
    """The raw body and its JSON; a 413 or 400 response when too large or not JSON."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return Response(status_code=413)
    try:
        return raw, json.loads(raw)
    except ValueError:
        return Response(status_code=400)
