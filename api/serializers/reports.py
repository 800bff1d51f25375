"""Reports as citizens send them and see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.emergency import emergency_guidance
from alerts.models import Category, Report
from alerts.selectors import category_list
from api.serializers.fields import GeoJSONPointField, PlainTextField
from api.serializers.moderation import HitSerializer

# Phones' clocks drift; a report "from the future" by a few minutes is a clock, not a lie.
_CLOCK_SKEW = timedelta(minutes=5)
_OLDEST_REPORTABLE = timedelta(days=365)


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: consent is never inferred from "yes", 1 or "on"."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class ConsentSerializer(serializers.Serializer):
    share_with_police = StrictBooleanField(default=False)
    victim_support = StrictBooleanField(default=False)
    public_alert = StrictBooleanField(default=False)


class CategoryCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("Unknown category {value}. See GET /api/v1/categories/ for the codes."),
        "invalid": _("Send a category code such as property.bicycle_theft."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=category_list(), **kwargs)


class ReportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    category = CategoryCodeField()
    description = PlainTextField(
        max_length=settings.REPORT_DESCRIPTION_MAX_CHARS, allow_blank=True, default="", trim_whitespace=True
    )
    location = GeoJSONPointField()
    accuracy_m = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    occurred_at = serializers.DateTimeField()
    consent = ConsentSerializer()
    perception = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    factors = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=10
    )

    def validate_occurred_at(self, value: Any) -> Any:
        now = timezone.now()
        if value > now + _CLOCK_SKEW:
            raise serializers.ValidationError(_("This date is in the future."))
        if value < now - _OLDEST_REPORTABLE:
            raise serializers.ValidationError(_("Reports can describe events of the last 12 months only."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        category: Category = attrs["category"]
        errors: dict[str, list[str]] = {}
        if attrs["kind"] == Report.Kind.INSECURITY:
            if not category.is_insecurity_factor:
                errors["category"] = [_("A feeling of insecurity takes an insecurity.* category.")]
            if attrs.get("perception") is None:
                errors["perception"] = [_("Say how unsafe you felt, from 1 (a little) to 5 (very).")]
            known = set(category_list().filter(group=Category.Group.INSECURITY).values_list("code", flat=True))
            unknown = [code for code in attrs.get("factors", []) if code not in known]
            if unknown:
                errors["factors"] = [_("Unknown insecurity factors: %(codes)s.") % {"codes": ", ".join(unknown)}]
        else:
            if category.is_insecurity_factor:
                errors["category"] = [_("An incident takes a category that is not an insecurity factor.")]
            if attrs.get("perception") is not None:
                errors["perception"] = [_("A perception score belongs to insecurity reports only.")]
            if attrs.get("factors"):
                errors["factors"] = [_("Factors belong to insecurity reports only.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EmergencyGuidanceSerializer(serializers.Serializer):
    number = serializers.CharField()
    message = serializers.CharField()


class ReportOutputSerializer(serializers.ModelSerializer):
    """A report as its own author sees it. Never used for anyone else."""

    category = serializers.CharField(source="category.code")
    location = GeoJSONPointField()
    district = serializers.CharField(source="district.name", default=None)
    consent = serializers.SerializerMethodField()
    photo_count = serializers.SerializerMethodField()
    emergency_guidance = serializers.SerializerMethodField()
    hits = serializers.SerializerMethodField(help_text="Why the report was held or rejected, and what to change")

    class Meta:
        model = Report
        fields = [
            "id", "status", "kind", "category", "description", "location", "location_precision", "accuracy_m",
            "district", "occurred_at", "consent", "perception", "factors", "photo_count", "emergency_guidance",
            "hits", "created_at", "withdrawn_at",
        ]

    @extend_schema_field(ConsentSerializer)
    def get_consent(self, report: Report) -> dict[str, bool]:
        return {
            "share_with_police": report.consent_police,
            "victim_support": report.consent_victim_support,
            "public_alert": report.consent_public_alert,
        }

    def get_photo_count(self, report: Report) -> int:
        count = getattr(report, "photo_count", None)
        return count if count is not None else report.photos.count()

    @extend_schema_field(EmergencyGuidanceSerializer(allow_null=True))
    def get_emergency_guidance(self, report: Report) -> dict[str, str] | None:
        if not report.emergency or report.status == Report.Status.WITHDRAWN:
            return None
        return emergency_guidance(number=settings.EMERGENCY_NUMBER, language=get_language() or "en")

    @extend_schema_field(HitSerializer(many=True))
    def get_hits(self, report: Report) -> list[dict[str, Any]]:
        case = getattr(report, "case", None)
        if case is None or report.status == Report.Status.WITHDRAWN:
            return []
        return HitSerializer(case.hits.all(), many=True).data
