"""Admin form widgets that work offline.

GeoDjango's map widgets load OpenLayers from a CDN; Lantern serves nothing from outside, so
geometries are edited as GeoJSON or WKT text in the admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.db import models as gis_models


class GeometryTextarea(forms.Textarea):
    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if hasattr(value, "json"):
            return value.json
        return str(value)


GEOMETRY_AS_TEXT: dict[type, dict[str, Any]] = {
    gis_models.GeometryField: {"widget": GeometryTextarea(attrs={"rows": 6, "cols": 100})},
}
