"""JSON request bodies, read within two bounds: their size and their nesting depth.

Python's ``json`` module descends once per level of nesting, so a body of 20,000 ``[`` (40 kB, well under
the size limit) ran out of recursion and answered 500 on every JSON endpoint. The depth is counted first by
a flat scan of the text, and only a body within ``JSON_MAX_DEPTH`` reaches ``json.loads``; serializers, the
idempotency fingerprint and the problem mapper, which recurse too, then never meet deeply nested data.
"""

from __future__ import annotations

import re
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

# Lantern's deepest legitimate document (a GeoJSON MultiPolygon inside an object) nests 6 levels.
JSON_MAX_DEPTH = 32
# The only characters that open or close a level, or a string in which brackets do not count.
_STRUCTURE = re.compile(r'[\\"\[\]{}]')


# The parser's refusals live here, not in api.problems: DRF imports this module while it loads its views,
# which api.problems imports. The problem mapper renders them like every other APIException.
class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload-too-large"


class JSONTooDeep(exceptions.APIException):
    """A JSON body nested deeper than any request needs (``JSON_MAX_DEPTH``)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "json-too-deep"


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether any array or object in ``text`` nests deeper than ``limit``; linear, without recursion.

    Malformed text is not judged here (``json.loads`` refuses it afterwards); only brackets outside
    strings count, and an escaped quote does not end a string."""
    depth = 0
    in_string = False
    escaped_until = -1
    for match in _STRUCTURE.finditer(text):
        position = match.start()
        if position < escaped_until:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                escaped_until = position + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def json_loads_bounded(text: str, *, strict: bool = True, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """``json.loads`` for text from outside: 400 (``json-too-deep``) past ``max_depth`` levels, 400
    (``malformed-request``) for text that is not JSON, NaN and Infinity included when ``strict``."""
    if json_depth_exceeds(text, max_depth):
        raise JSONTooDeep(
            _("The JSON nests deeper than %(limit)d levels; no request needs that many.") % {"limit": max_depth}
        )
    try:
        return json.loads(text, parse_constant=json.strict_constant if strict else None)
    except ValueError as exc:
        raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, reading at most ``REQUEST_MAX_BYTES`` (413 past it, whatever Content-Length
    claimed) and refusing documents nested deeper than ``JSON_MAX_DEPTH`` (400)."""

    def parse(self, stream: IO[bytes] | None, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        encoding = get_encoding(parser_context or {})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(
                _("The request body is larger than this endpoint accepts (at most %(limit)s).")
                % {"limit": filesizeformat(limit)}
            )
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            detail = _("The request body is not valid %(encoding)s.") % {"encoding": encoding}
            raise exceptions.ParseError(detail) from exc
        return json_loads_bounded(text, strict=self.strict)
