from __future__ import annotations

import json
from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.models import Category, ServiceArea
from reports.taxonomy import group_label


def _language() -> str:
    return (get_language() or "en").split("-")[0]


class CategorySerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    group_label = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField(help_text="The report kind this category belongs to")

    class Meta:
        model = Category
        fields = ["code", "group", "group_label", "kind", "label", "labels", "sensitive", "signals_danger"]

    def get_label(self, category: Category) -> str:
        return category.label(_language())

    def get_group_label(self, category: Category) -> str:
        return group_label(category.group, _language())

    @extend_schema_field(serializers.ChoiceField(choices=["incident", "insecurity"]))
    def get_kind(self, category: Category) -> str:
        return "insecurity" if category.is_insecurity_factor else "incident"


def service_area_feature(area: ServiceArea) -> dict[str, Any]:
    """The service area as a GeoJSON Feature; ``center`` and ``bbox`` let apps frame their map."""
    min_x, min_y, max_x, max_y = area.boundary.extent
    return {
        "type": "Feature",
        "bbox": [round(v, 6) for v in (min_x, min_y, max_x, max_y)],
        "geometry": _geojson(area.boundary),
        "properties": {
            "name": area.name,
            "center": {"type": "Point", "coordinates": [round(area.center.x, 6), round(area.center.y, 6)]},
            "districts": [district.name for district in area.districts.all()],
        },
    }


def _geojson(geometry: Any) -> dict[str, Any]:
    return json.loads(geometry.json)
