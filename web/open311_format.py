"""GeoReport v2 payloads as the spec writes them: JSON lists, or XML with the spec's element names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from fastapi.responses import JSONResponse, Response

FORMATS = ("json", "xml")
# XML names of the items of nested lists (GeoReport v2 service definition).
_ITEM_NAMES = {"attributes": "attribute", "values": "value"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _fill(node: ET.Element, entry: dict[str, Any]) -> None:
    for key, value in entry.items():
        child = ET.SubElement(node, key)
        if isinstance(value, list):
            for item in value:
                _fill(ET.SubElement(child, _ITEM_NAMES.get(key, "item")), item)
        else:
            child.text = _text(value)


def respond(fmt: str, payload: list[dict[str, Any]] | dict[str, Any], root: str, item: str | None,
            status: int = 200) -> Response:
    """A list of `item` elements under `root` (or, with item None, one object as `root`)."""
    if fmt == "xml":
        top = ET.Element(root)
        if isinstance(payload, dict):
            _fill(top, payload)
        else:
            for entry in payload:
                _fill(ET.SubElement(top, item or "item"), entry)
        body = ET.tostring(top, encoding="unicode", xml_declaration=False)
        return Response('<?xml version="1.0" encoding="utf-8"?>' + body, status_code=status,
                        media_type="application/xml")
    return JSONResponse(payload, status_code=status)


def error(fmt: str, status: int, description: str) -> Response:
    """GeoReport v2 errors: [{"code": ..., "description": ...}] or <errors><error>...</error></errors>."""
    return respond(fmt if fmt in FORMATS else "json", [{"code": status, "description": description}],
                   "errors", "error", status)


def format_of_path(path: str) -> str:
    return "xml" if path.endswith(".xml") else "json"
