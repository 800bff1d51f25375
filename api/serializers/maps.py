"""Shapes of the maps API: the list of releases, and the path parts of release and tile URLs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from maps.layers import month_parse
from maps.models import Release
from maps.selectors import MAX_ZOOM


class ReleaseSerializer(serializers.ModelSerializer):
    month = serializers.CharField(source="month_label", help_text="YYYY-MM, in the release's time zone")
    epsilon = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=False)
    h3_resolution = serializers.IntegerField(source="resolution")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["month", "layer", "epsilon", "published_at", "h3_resolution", "threshold", "content_hash", "links"]

    def get_links(self, release: Release) -> dict[str, str]:
        kwargs = {"month": release.month_label, "layer": release.layer}
        tile = reverse("api:map-tile", kwargs={**kwargs, "z": "0", "x": "0", "y": "0"})
        return {
            "geojson": reverse("api:map-release-geojson", kwargs=kwargs),
            "csv": reverse("api:map-release-csv", kwargs=kwargs),
            "tiles": tile.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
        }


class MonthField(serializers.CharField):
    def to_internal_value(self, data: Any) -> date:
        text = super().to_internal_value(data)
        try:
            return month_parse(text)
        except ValueError as exc:
            raise serializers.ValidationError(_("Send a month as YYYY-MM, e.g. 2026-10.")) from exc


class ReleasePathSerializer(serializers.Serializer):
    month = MonthField()
    layer = serializers.CharField(max_length=32)


class TilePathSerializer(ReleasePathSerializer):
    z = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM)
    x = serializers.IntegerField(min_value=0)
    y = serializers.IntegerField(min_value=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        side = 2 ** attrs["z"]
        errors = {
            name: [_("Must be below %(side)d at zoom %(z)d.") % {"side": side, "z": attrs["z"]}]
            for name in ("x", "y") if attrs[name] >= side
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
