"""GeoReport v2's XML, the standard's baseline format: the same documents as the JSON, with the element
names of the specification, written with ``xml.etree.ElementTree`` (never by string concatenation).

A document is a root element holding either repeated items (``<services><service>…``) or fields
(``<discovery><changeset>…``); lists inside an item repeat a singular element (``<formats><format>``). A
refusal is ``<errors><error><code/><description/></error></errors>``. ``None`` is an empty element, booleans
are ``true``/``false``.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from rest_framework.renderers import BaseRenderer

# Elements a list's entries get inside an item.
_LIST_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all, not even escaped; citizens' text is cleaned of them already,
# this keeps the document well-formed whatever a field holds.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if value is None:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, (list, tuple)):
        item_name = _LIST_ITEMS.get(name, "item")
        for inner in value:
            _append(element, item_name, inner)
    else:
        element.text = _text(value)


def georeport_xml(data: Any, *, root: str, item: str | None) -> bytes:
    """``data`` (a JSON document of the standard) as XML under ``root``; a list's entries as ``item``."""
    document = ElementTree.Element(root)
    if isinstance(data, list):
        for entry in data:
            _append(document, item or "item", entry)
    elif isinstance(data, dict):
        for key, value in data.items():
            _append(document, key, value)
    return ElementTree.tostring(document, encoding="utf-8", xml_declaration=True)


class GeoReportXMLRenderer(BaseRenderer):
    """Renders a view's answer under its ``xml_root``/``xml_item``; error answers (4xx, 5xx) as ``errors``."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        if response is not None and response.status_code >= 400:
            return georeport_xml(data, root="errors", item="error")
        return georeport_xml(data, root=getattr(view, "xml_root", "response"), item=getattr(view, "xml_item", None))
