"""Input fields with strict, explainable validation."""

from __future__ import annotations

import math
import re
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"},
            "description": "[longitude, latitude] in WGS 84",
        },
    },
    "example": {"type": "Point", "coordinates": [3.7250, 51.0543]},
}


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):
    """A GeoJSON Point ``{"type": "Point", "coordinates": [lng, lat]}`` in WGS 84."""

    default_error_messages = {
        "invalid": _('Send a GeoJSON Point: {{"type": "Point", "coordinates": [longitude, latitude]}}.'),
        "not_finite": _("Coordinates must be finite numbers."),
        "longitude": _("Longitude must be between -180 and 180."),
        "latitude": _("Latitude must be between -90 and 90."),
    }

    def to_internal_value(self, data: Any) -> Point:
        if not isinstance(data, dict) or data.get("type") != "Point" or set(data) - {"type", "coordinates", "crs"}:
            self.fail("invalid")
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
            self.fail("invalid")
        # bool is an int in Python; true/false are not coordinates.
        if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates):
            self.fail("invalid")
        lng, lat = float(coordinates[0]), float(coordinates[1])
        if not (math.isfinite(lng) and math.isfinite(lat)):
            self.fail("not_finite")
        if not -180 <= lng <= 180:
            self.fail("longitude")
        if not -90 <= lat <= 90:
            self.fail("latitude")
        return Point(lng, lat, srid=4326)

    def to_representation(self, value: Point) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [round(value.x, 7), round(value.y, 7)]}


# C0 controls but tab, line feed and carriage return; DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional controls (embeddings, overrides, isolates, marks) and zero-width characters. An override
# (U+202E) makes a published text read differently from what was screened, and a zero-width character
# inside a word hides it from the rules and makes an empty-looking text non-empty. Phones' keyboards insert
# some of them by accident, so they are removed, not refused.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def text_without_invisible(text: str) -> str:
    """``text`` without bidirectional-control and zero-width characters."""
    return _INVISIBLE.sub("", text)


@extend_schema_field(OpenApiTypes.STR)
class PlainTextField(serializers.CharField):
    """Plain text: control characters other than newlines and tabs are refused, not silently dropped;
    bidirectional controls and zero-width characters are removed before anything is stored."""

    default_error_messages = {"control": _("Text may not contain control characters.")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if _CONTROL.search(value):
            self.fail("control")
        value = text_without_invisible(value)
        if self.trim_whitespace:
            value = value.strip()
        return value.replace("\r\n", "\n")

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)
        # A text of invisible characters only is empty once they are gone: the field's own rule for an
        # empty text applies to it, as if it had been sent empty.
        if value == "" and data not in ("", None, empty) and not self.allow_blank:
            self.fail("blank")
        return value


_DATETIME = serializers.DateTimeField()


def datetime_text(value: Any) -> str | None:
    """A date-time as DRF's ``DateTimeField`` writes it (ISO 8601 in the current time zone), or None."""
    return None if value is None else _DATETIME.to_representation(value)
