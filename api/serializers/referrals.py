"""Referrals as their citizen sees them, and partners' status updates."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import PlainTextField, datetime_text
from referrals.models import Referral

CITIZEN_STATUSES = {
    "not_yet_delivered": _("Not yet delivered"),
    "delivered": _("Delivered"),
    "received": _("Received by the partner"),
    "in_progress": _("Being handled by the partner"),
    "closed": _("Closed by the partner"),
    "cancelled": _("Not sent: you withdrew the report"),
}


def citizen_status(referral: Referral) -> str:
    """One word for the citizen. Retries, dead letters and refusals all read "not yet delivered": what
    is wrong on the way is the operators' problem, not something the citizen can act on."""
    if referral.status:
        return referral.status
    if referral.state == Referral.State.DELIVERED:
        return "delivered"
    if referral.state == Referral.State.CANCELLED:
        return "cancelled"
    return "not_yet_delivered"


class CitizenReferralSerializer(serializers.ModelSerializer):
    """One referral of the author's own report: who got it, how it is going, and exactly what was sent."""

    partner = serializers.CharField(source="partner.name")
    kind = serializers.CharField(source="partner_kind")
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    message = serializers.CharField(source="status_message", help_text="The partner's last message, if any")
    fields_sent = serializers.ListField(
        source="fields", child=serializers.CharField(), help_text="Names of the fields sent"
    )
    received = serializers.JSONField(
        source="payload", help_text="What the partner received; emptied when the report is withdrawn or erased"
    )

    class Meta:
        model = Referral
        fields = [
            "id", "partner", "kind", "urgent", "status", "status_label", "message", "status_updated_at",
            "delivered_at", "fields_sent", "received",
        ]

    def to_representation(self, referral: Referral) -> dict[str, Any]:
        # Written out, as the report's answer that embeds it (see ReportOutputSerializer).
        status = citizen_status(referral)
        return {
            "id": str(referral.id),
            "partner": referral.partner.name,
            "kind": referral.partner_kind,
            "urgent": referral.urgent,
            "status": status,
            "status_label": str(CITIZEN_STATUSES[status]),
            "message": referral.status_message,
            "status_updated_at": datetime_text(referral.status_updated_at),
            "delivered_at": datetime_text(referral.delivered_at),
            "fields_sent": [str(name) for name in referral.fields],
            "received": referral.payload,
        }

    @extend_schema_field(serializers.ChoiceField(choices=list(CITIZEN_STATUSES)))
    def get_status(self, referral: Referral) -> str:
        return citizen_status(referral)

    def get_status_label(self, referral: Referral) -> str:
        return str(CITIZEN_STATUSES[citizen_status(referral)])


class PartnerStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s for s in Referral.PartnerStatus.values if s])
    message = PlainTextField(max_length=1000, allow_blank=True, default="", trim_whitespace=True)


class PartnerStatusOutputSerializer(serializers.ModelSerializer):
    referral_id = serializers.UUIDField(source="id")
    state = serializers.CharField(help_text="Lantern's delivery state: pending, sending, delivered, …")

    class Meta:
        model = Referral
        fields = ["referral_id", "event_id", "status", "status_message", "status_updated_at", "state"]


def referrals_for_author(referrals: Any) -> list[dict[str, Any]]:
    return CitizenReferralSerializer(referrals, many=True).data
