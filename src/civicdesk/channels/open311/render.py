"""Render one response body as GeoReport v2 XML or JSON (the XML's "Spark convention" mapping).

Bodies are plain Python values: dicts, lists, strings, numbers, booleans
and None. A list becomes a wrapper element whose items take the spec's
singular names (``services/service``, ``attributes/attribute``,
``values/value``, ``service_requests/request``, ``errors/error``…); None
becomes an empty element. Text that XML 1.0 cannot carry (control
characters) is dropped from XML output only.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(SubElement(element, item_name), item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, body: Any) -> bytes:
    element = Element(root)
    _fill(element, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(
        tostring(element, encoding="utf-8", xml_declaration=False)
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, default=_json_default, separators=(",", ":")).encode("utf-8")


def response(fmt: str, root: str, body: Any, *, status: int = 200) -> HttpResponse:
    """``root`` names the XML root; JSON renders ``body`` itself (a list for collections)."""
    content = to_json(body) if fmt == "json" else to_xml(root, body)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])
