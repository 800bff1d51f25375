"""What every part's admin shares: geometries as text, and read-only pages for records.

GeoDjango's map widgets load OpenLayers from a CDN; Lantern serves nothing from outside, so
geometries are edited as GeoJSON or WKT text in the admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.gis.db import models as gis_models
from django.http import HttpRequest


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


class ReadOnly:
    """Records to look at: the services write them, the admin never does. ``records_deletable`` lets an operator
    delete one (a citizen's zone) where that is a remedy rather than a rewrite of history."""

    records_deletable = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.records_deletable and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    # Counting a million rows for every page of a list would cost more than the page.
    show_full_result_count = False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
