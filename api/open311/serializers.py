"""Open311 GeoReport v2 documents: services, service definitions, service requests, tokens.

What a GET shows is what the public may see: the category's label as the description (with the report's
redacted public text only when the operator turned ``OPEN311_PUBLIC_TEXT`` on), an approximate place, the
district as the address, and times truncated to the hour, so that a request cannot be matched to someone
seen at a place at a minute. Photos are never public.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import PlainTextField
from reports.models import Category, Report
from reports.taxonomy import group_label

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONSENT_ATTRIBUTES = ("share_with_police", "public_alert")
PERCEPTION_ATTRIBUTE = "perception"
_TRUE_FALSE = [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]


class ErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


class EndpointSerializer(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())


class DiscoverySerializer(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointSerializer(many=True)


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = AttributeValueSerializer(many=True)


class ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = AttributeSerializer(many=True)


class ServiceRequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True)
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField(allow_null=True)
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.CharField()
    updated_datetime = serializers.CharField()
    expected_datetime = serializers.CharField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.CharField(allow_null=True)


class SubmitAnswerSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(required=False)
    token = serializers.CharField(required=False)
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class TokenAnswerSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(allow_null=True)
    token = serializers.CharField()


@extend_schema_field({"type": "string", "pattern": "^(true|false)$", "example": "true"})
class TrueFalseField(serializers.CharField):
    """Open311 attribute values are strings: "true" or "false", never inferred from anything else."""

    default_error_messages = {"true_false": _('Send "true" or "false".')}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in ("true", "false"):
            self.fail("true_false")
        return value


class SubmitInputSerializer(serializers.Serializer):
    """POST requests.json, form-encoded. ``attribute[code]`` fields arrive here as ``code``.

    Names, e-mail, phone, device and account ids, ``media_url`` and addresses are accepted and ignored:
    Lantern stores no identity of the person behind a request, and fetches nothing from given URLs."""

    # Read before validation (api.open311.authentication), here so that the schema shows it in the form.
    api_key = serializers.CharField(required=False, help_text="The authority key (or in the query string)")
    service_code = serializers.CharField(max_length=64)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    long = serializers.FloatField(min_value=-180, max_value=180, required=False)
    address_string = serializers.CharField(required=False, allow_blank=True)
    description = PlainTextField(
        max_length=settings.REPORT_DESCRIPTION_MAX_CHARS, allow_blank=True, default="", trim_whitespace=True
    )
    perception = serializers.ChoiceField(choices=["1", "2", "3", "4", "5"], required=False)
    share_with_police = TrueFalseField(default="false")
    # Open311 requests are public by the standard's design (GET requests.json lists them): public unless
    # the client says otherwise.
    public_alert = TrueFalseField(default="true")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("lat") is None or attrs.get("long") is None:
            raise serializers.ValidationError(
                {"lat": [_("lat and long are required: Lantern does not geocode address_string.")]}
            )
        return attrs


class SearchInputSerializer(serializers.Serializer):
    """GET requests.json filters; lists are comma-delimited as in the standard."""

    service_request_id = serializers.CharField(required=False)
    service_code = serializers.CharField(required=False)
    start_date = serializers.DateTimeField(required=False)
    end_date = serializers.DateTimeField(required=False)
    status = serializers.CharField(required=False)

    def validate_status(self, value: str) -> list[str]:
        statuses = [part for part in value.split(",") if part]
        if any(part not in ("open", "closed") for part in statuses):
            raise serializers.ValidationError(_("status is open, closed, or both comma-delimited."))
        return statuses

    def validate_service_request_id(self, value: str) -> list[uuid.UUID]:
        ids = []
        for part in value.split(","):
            try:
                ids.append(uuid.UUID(part))
            except ValueError:
                # Unknown and malformed ids alike find nothing, rather than saying which is which.
                continue
        return ids

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start_date") and attrs.get("end_date") and attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": [_("end_date is before start_date.")]})
        return attrs


# --- documents -------------------------------------------------------------------------------------


def service_document(category: Category, language: str) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.label(language),
        "description": category.descriptions.get(language) or category.descriptions.get("en") or "",
        "metadata": True,
        "type": "realtime",
        "keywords": category.group,
        "group": group_label(category.group, language),
    }


def service_definition(category: Category) -> dict[str, Any]:
    attributes = [
        {
            "variable": True, "code": "share_with_police", "datatype": "singlevaluelist", "required": False,
            "datatype_description": str(_("true or false; false when absent")), "order": 1,
            "description": str(_("The citizen agrees that the police receive this report.")),
            "values": _TRUE_FALSE,
        },
        {
            "variable": True, "code": "public_alert", "datatype": "singlevaluelist", "required": False,
            "datatype_description": str(_("true or false; true when absent")), "order": 2,
            "description": str(_("The moderated text and an approximate place may be shown publicly.")),
            "values": _TRUE_FALSE,
        },
    ]
    if category.is_insecurity_factor:
        attributes.append({
            "variable": True, "code": PERCEPTION_ATTRIBUTE, "datatype": "singlevaluelist", "required": True,
            "datatype_description": str(_("1 (a little unsafe) to 5 (very unsafe)")), "order": 3,
            "description": str(_("How unsafe did the citizen feel here?")),
            "values": [{"key": str(n), "name": str(n)} for n in range(1, 6)],
        })
    return {"service_code": category.code, "attributes": attributes}


def _hour(moment: datetime) -> str:
    return moment.replace(minute=0, second=0, microsecond=0).isoformat()


def _description(report: Report, language: str) -> str:
    label = report.category.label(language)
    if settings.OPEN311_PUBLIC_TEXT and report.public_description:
        return f"{label}\n\n{report.public_description}"
    return label


def service_request_document(report: Report, language: str) -> dict[str, Any]:
    # The report's one public place, the same its alert shows: never the true point or its cell.
    lng, lat = round(report.public_location.x, 6), round(report.public_location.y, 6)
    updated = max(filter(None, [report.updated_at, getattr(report, "closed_at", None)]))
    return {
        "service_request_id": str(report.id),
        "status": "closed" if getattr(report, "closed", False) else "open",
        "status_notes": None,
        "service_name": report.category.label(language),
        "service_code": report.category.code,
        "description": _description(report, language),
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": _hour(report.created_at),
        "updated_datetime": _hour(updated),
        "expected_datetime": None,
        "address": report.district.name if report.district_id else "",
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": None,
    }
