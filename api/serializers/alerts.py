"""Public alerts, the zones a device watches and its alert settings, as apps send and see them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import Subscription
from api.serializers.fields import GeoJSONPointField, PlainTextField
from reports.models import Device
from reports.selectors import category_list


class AlertQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius_m = serializers.IntegerField(
        min_value=1, max_value=settings.ALERT_MAX_RADIUS_M, default=1000,
        help_text="At most 10 000 m",
    )


class AlertPropertiesSerializer(serializers.Serializer):
    category = serializers.CharField()
    group = serializers.CharField()
    title = serializers.CharField(help_text="Generated from the category and the district, in the reader's language")
    text = serializers.CharField(help_text="Generated from the part of the day; never the reporter's words")
    district = serializers.CharField(allow_null=True)
    part_of_day = serializers.ChoiceField(choices=["morning", "afternoon", "evening", "night"])
    occurred_at = serializers.DateTimeField(help_text="Quarter hour")
    expires_at = serializers.DateTimeField()
    report_count = serializers.IntegerField()
    cell = serializers.CharField(help_text="H3 resolution-9 cell of the published point")
    details = serializers.CharField(allow_null=True, help_text="Moderated, redacted text, when shown at all")


class AlertFeatureSerializer(serializers.Serializer):
    """For the OpenAPI schema: features are built by ``alerts.public.alert_feature``."""

    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.UUIDField()
    geometry = GeoJSONPointField(help_text="Centre of the H3 cell of the noised point; never the report's place")
    properties = AlertPropertiesSerializer()


class AlertCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = AlertFeatureSerializer(many=True)


def _alertable_codes() -> set[str]:
    return set(
        category_list().filter(sensitive=False).exclude(corroboration="never").values_list("code", flat=True)
    )


class SubscriptionInputSerializer(serializers.Serializer):
    label = PlainTextField(max_length=60, required=False, allow_blank=True, default="")
    center = GeoJSONPointField()
    radius_m = serializers.IntegerField(min_value=50, max_value=settings.ALERT_MAX_RADIUS_M)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=50,
        help_text="Category codes to be alerted about; empty for every category that may be alerted",
    )

    def validate_categories(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - _alertable_codes())
        if unknown:
            raise serializers.ValidationError(
                _("These categories are never alerted or do not exist: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return value


class SubscriptionOutputSerializer(serializers.ModelSerializer):
    center = GeoJSONPointField()

    class Meta:
        model = Subscription
        fields = ["id", "label", "center", "radius_m", "categories", "created_at"]


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
                      "example": "22:00"})
class ClockTimeField(serializers.TimeField):
    """A local wall-clock time answered as ``HH:MM``: not OpenAPI's ``time`` format, which needs seconds and
    an offset that quiet hours do not have."""


class QuietHoursSerializer(serializers.Serializer):
    start = ClockTimeField(format="%H:%M", help_text="Local time, e.g. 22:00")
    end = ClockTimeField(format="%H:%M", help_text="Local time, e.g. 07:00; may be earlier than start")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError(_("Quiet hours must start and end at different times."))
        return attrs


class AlertSettingsSerializer(serializers.Serializer):
    quiet_hours = QuietHoursSerializer(allow_null=True, required=False)
    daily_push_cap = serializers.IntegerField(min_value=0, max_value=50, required=False,
                                              help_text="Alert pushes a day at most; 0 for none")
    time_zone = serializers.CharField(read_only=True, help_text="The device's; change it on the device")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send quiet_hours, daily_push_cap or both."))
        return attrs

    @staticmethod
    def of(device: Device) -> dict[str, Any]:
        quiet = None
        if device.quiet_hours_start is not None and device.quiet_hours_end is not None:
            start, end = device.quiet_hours_start, device.quiet_hours_end
            quiet = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
        return {"quiet_hours": quiet, "daily_push_cap": device.daily_push_cap, "time_zone": device.time_zone}
