"""Moderation as staff and reporters see it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers.fields import PlainTextField
from moderation.models import Case, Decision, RuleHit
from moderation.selectors import rule_explanation


class HitSerializer(serializers.Serializer):
    """A rule hit as the reporter sees it: what to change, not where the rule looked."""

    code = serializers.CharField()
    action = serializers.ChoiceField(choices=RuleHit.Action.choices)
    explanation = serializers.CharField()


class StaffHitSerializer(HitSerializer):
    spans = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))

    def to_representation(self, hit: RuleHit) -> dict[str, Any]:
        data = super().to_representation(hit)
        # In the moderator's language (the request's), not the report's: the stored text is the fallback.
        data["explanation"] = rule_explanation(code=hit.code, language=get_language()) or data["explanation"]
        return data


class ScreeningSerializer(serializers.Serializer):
    language = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["allow", "redact", "hold", "reject"])
    hits = HitSerializer(many=True)
    redacted_text = serializers.CharField()


class DraftInputSerializer(serializers.Serializer):
    """A draft report for preview: the text and, when known, the category and place."""

    description = PlainTextField(max_length=settings.REPORT_DESCRIPTION_MAX_CHARS, allow_blank=True)
    category = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    locale = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reason_code = serializers.RegexField(
        r"^[a-z]+(\.[a-z0-9_]+)+$", max_length=64,
        error_messages={"invalid": _("A reason code is dotted, e.g. pii.person_name or moderator.false_positive.")},
    )
    note = PlainTextField(max_length=2000, required=False, allow_blank=True, default="")


class AppealInputSerializer(serializers.Serializer):
    note = PlainTextField(max_length=2000, min_length=3)


class DecisionSerializer(serializers.ModelSerializer):
    moderator = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["outcome", "reason_code", "note", "on_appeal", "moderator", "created_at"]

    def get_moderator(self, decision: Decision) -> str:
        return decision.moderator.get_username() if decision.moderator_id else "rules engine"


class CaseSummarySerializer(serializers.ModelSerializer):
    """A queue entry: the redacted text only; the original is read (and audited) on the case page."""

    report_id = serializers.UUIDField()
    category = serializers.CharField(source="report.category.code")
    kind = serializers.CharField(source="report.kind")
    district = serializers.CharField(source="report.district.name", default=None)
    claimed_by = serializers.CharField(source="claimed_by.username", default=None, allow_null=True)
    hits = StaffHitSerializer(many=True)
    occurred_at = serializers.DateTimeField(source="report.occurred_at")

    class Meta:
        model = Case
        fields = [
            "report_id", "state", "auto_verdict", "families", "language", "category", "kind", "district",
            "redacted_text", "hits", "opened_at", "occurred_at", "claimed_by", "claimed_until",
        ]


class CaseDetailSerializer(CaseSummarySerializer):
    description = serializers.CharField(source="report.description")
    decisions = DecisionSerializer(many=True)
    appeal_note = serializers.CharField(source="appeal.note", default=None)
    photo_count = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "description", "decisions", "appeal_note", "photo_count"]

    def get_photo_count(self, case: Case) -> int:
        return case.report.photos.count()


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")

    def validate_month(self, value: str) -> date:
        match = _MONTH.match(value)
        if not match or int(match.group(1)) < 1:
            # Year 0000 matches the pattern but is no date at all.
            raise serializers.ValidationError(_("Send a month as YYYY-MM, e.g. 2026-10."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class QueueQuerySerializer(serializers.Serializer):
    family = serializers.ChoiceField(
        choices=["pii", "vigilantism", "threat", "hate", "profiling", "trust", "flood", "rate"], required=False
    )
    district = serializers.SlugField(required=False)
    state = serializers.ChoiceField(choices=["open", "escalated", "appealed"], required=False)
    min_age_minutes = serializers.IntegerField(min_value=0, max_value=525_600, required=False)
    max_age_minutes = serializers.IntegerField(min_value=0, max_value=525_600, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_age_minutes"), attrs.get("max_age_minutes")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_age_minutes": [_("Must not exceed max_age_minutes.")]})
        return attrs
