"""JSON request bodies, read within two bounds: their size and their nesting depth.

Python's ``json`` module descends once per level of nesting, so a body of 20,000 ``[`` (40 kB, well under
the size limit) ran out of recursion and answered 500 on every JSON endpoint. The depth is counted first by
a scan of the text without recursion, and only a body within ``JSON_MAX_DEPTH`` reaches ``json.loads``; serializers, the
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
# An escape and the character it escapes: dropped first, so that every quote left opens or closes a string.
_ESCAPE = re.compile(r"\\.", re.DOTALL)
# Every byte but brackets and quotes, dropped by one bytes.translate before the walk.
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'[]{}"')
_OPEN, _CLOSE, _QUOTE = frozenset(b"[{"), frozenset(b"]}"), ord('"')


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
    """Whether an array or object in ``text`` nests deeper than ``limit``: one walk over its brackets and
    quotes, without recursion. Text that is not JSON is not judged here (``json.loads`` refuses it)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # most requests: too few brackets to nest that deep
    if "\\" in text:
        text = _ESCAPE.sub("", text)
    depth = 0
    in_string = False
    for byte in text.encode("utf-8", "surrogatepass").translate(None, _NOT_STRUCTURE):
        if byte == _QUOTE:
            in_string = not in_string
        elif in_string:
            continue
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
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
    except RecursionError as exc:
        # Malformed text the scan left alone (thousands of unclosed brackets): the decoder gave up cleanly.
        raise JSONTooDeep(
            _("The JSON nests deeper than %(limit)d levels; no request needs that many.") % {"limit": max_depth}
        ) from exc


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
