"""Reports as citizens send them and see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import GeoJSONPointField, PlainTextField, datetime_text
from api.serializers.moderation import HitSerializer
from api.serializers.referrals import CitizenReferralSerializer, referrals_for_author
from referrals.selectors import referral_list_for_report
from reports.emergency import emergency_guidance
from reports.models import Category, Report
from reports.reference import reference_categories
from reports.selectors import category_list

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


class ContactSerializer(serializers.Serializer):
    """How victim support may reach the citizen. Kept only when ``consent.victim_support`` is true, never
    shown publicly, erased with the report's text."""

    phone = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                  help_text="International format, e.g. +32 470 12 34 56")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    preferred_language = serializers.RegexField(
        r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16, required=False,
        help_text="Language to be contacted in (e.g. nl, fr, ar); defaults to the report's language",
        error_messages={"invalid": _("Give a language code such as nl or fr-BE.")},
    )
    share_description = StrictBooleanField(
        default=False, help_text="Victim support may also read the description (otherwise only the category)"
    )

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException as exc:
            raise serializers.ValidationError(
                _("Give the number in international format, starting with + and the country code.")
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise serializers.ValidationError(_("This is not a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(
                _("Give a phone number or an e-mail address, so that victim support can reach you.")
            )
        contact: dict[str, Any] = {key: attrs[key] for key in ("phone", "email") if attrs.get(key)}
        if attrs.get("preferred_language"):
            contact["preferred_language"] = attrs["preferred_language"].split("-")[0].lower()
        contact["share_description"] = attrs.get("share_description", False)
        return contact


class CategoryCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("Unknown category {value}. See GET /api/v1/categories/ for the codes."),
        "invalid": _("Send a category code such as property.bicycle_theft."),
    }

    # A class attribute, not an argument: a serializer is built per request, and each would build this
    # queryset anew; it is only read for the API schema, lookups go to the taxonomy snapshot.
    queryset = category_list()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Category:
        # From the per-process snapshot of the taxonomy: every report names a category.
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        category = reference_categories().by_code.get(str(data))
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return category


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
    contact = ContactSerializer(
        required=False, allow_null=True,
        help_text="Only with consent.victim_support: how victim support may reach you. Without it, no "
                  "victim-support referral is made, since nobody could contact you.",
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
            known = reference_categories().insecurity_codes
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
            # An incident is a factual claim that moderators, partners and, once redacted, readers of
            # alerts rely on; a category alone is not one.
            if not attrs.get("description"):
                errors["description"] = [_("Describe what happened.")]
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
    referrals = serializers.SerializerMethodField(help_text="Who the report was sent to, how it goes, what was sent")

    class Meta:
        model = Report
        fields = [
            "id", "status", "kind", "category", "description", "location", "location_precision", "accuracy_m",
            "district", "occurred_at", "consent", "perception", "factors", "photo_count", "emergency_guidance",
            "hits", "referrals", "created_at", "withdrawn_at",
        ]

    def to_representation(self, report: Report) -> dict[str, Any]:
        # Written out: DRF's generic path copies and binds some forty field objects per report (about 2 ms
        # of every intake answer). The declared fields stay the contract and the schema; a test checks
        # that this gives exactly what the generic path gives.
        return {
            "id": str(report.id),
            "status": report.status,
            "kind": report.kind,
            "category": report.category.code,
            "description": report.description,
            "location": _POINT.to_representation(report.location) if report.location is not None else None,
            "location_precision": report.location_precision,
            "accuracy_m": report.accuracy_m,
            "district": report.district.name if report.district_id is not None else None,
            "occurred_at": datetime_text(report.occurred_at),
            "consent": self.get_consent(report),
            "perception": report.perception,
            "factors": [str(factor) for factor in report.factors] if report.factors is not None else None,
            "photo_count": self.get_photo_count(report),
            "emergency_guidance": self.get_emergency_guidance(report),
            "hits": self.get_hits(report),
            "referrals": self.get_referrals(report),
            "created_at": datetime_text(report.created_at),
            "withdrawn_at": datetime_text(report.withdrawn_at),
        }

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
        if report.status == Report.Status.WITHDRAWN:
            return []
        hits = self.context.get("hits")  # intake's answer: the hits as it wrote them
        if hits is None:
            case = getattr(report, "case", None)
            hits = case.hits.all() if case is not None else []
        return [{"code": hit.code, "action": hit.action, "explanation": hit.explanation} for hit in hits]

    @extend_schema_field(CitizenReferralSerializer(many=True))
    def get_referrals(self, report: Report) -> list[dict[str, Any]]:
        # Intake hands them over as it wrote them; lists and the detail have them from their selector (to_attr).
        referrals = self.context.get("referrals", getattr(report, "referrals_for_author", None))
        return referrals_for_author(referrals if referrals is not None else referral_list_for_report(report=report))


_POINT = GeoJSONPointField()
