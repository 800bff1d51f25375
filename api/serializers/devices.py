from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reports.models import Device

_LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})(?:[-_](?P<region>[A-Za-z]{2}|\d{3}))?$")


def _validate_locale(value: str) -> str:
    match = _LOCALE.match(value)
    if not match:
        raise serializers.ValidationError(_("Send a language tag such as fr or nl-BE."))
    region = match.group("region")
    return match.group("lang") + (f"-{region.upper()}" if region else "")


def _validate_time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise serializers.ValidationError(_("Unknown time zone; send an IANA name such as Europe/Paris.")) from exc
    return value


class DeviceInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Device.Platform.choices)
    locale = serializers.CharField(max_length=16, default="en")
    time_zone = serializers.CharField(max_length=64, default="UTC", validators=[_validate_time_zone])
    push_token = serializers.CharField(max_length=4096, required=False, allow_blank=True, default="")

    def validate_locale(self, value: str) -> str:
        return _validate_locale(value)


class DeviceUpdateSerializer(serializers.Serializer):
    locale = serializers.CharField(max_length=16, required=False)
    time_zone = serializers.CharField(max_length=64, required=False, validators=[_validate_time_zone])
    push_token = serializers.CharField(max_length=4096, required=False, allow_blank=True)

    def validate_locale(self, value: str) -> str:
        return _validate_locale(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one of locale, time_zone, push_token."))
        return attrs


class DeviceCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    token = serializers.CharField(help_text="Bearer token; shown once, store it in the device's keychain.")


class DeviceOutputSerializer(serializers.ModelSerializer):
    has_push_token = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = ["id", "platform", "locale", "time_zone", "has_push_token", "push_enabled", "created_at"]

    def get_has_push_token(self, device: Device) -> bool:
        return bool(device.push_token)
