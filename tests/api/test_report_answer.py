"""The report as its author sees it is written out by hand for speed; it must be exactly DRF's rendering."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.serializers.referrals import CitizenReferralSerializer
from api.serializers.reports import ReportOutputSerializer
from referrals.models import Jurisdiction, Referral
from reports.models import Report
from reports.selectors import report_get_for
from tests import factories
from tests.referrals import factories as referral_factories
from workflows.withdraw import report_withdraw


def _generic(report: Report) -> dict[str, Any]:
    """What DRF's generic ModelSerializer path renders, nested referrals included."""
    serializer = ReportOutputSerializer(report)
    rendered = serializers.ModelSerializer.to_representation(serializer, report)
    rendered["referrals"] = [
        serializers.ModelSerializer.to_representation(CitizenReferralSerializer(referral), referral)
        for referral in Referral.objects.filter(report=report).select_related("partner").order_by(
            "-urgent", "created_at", "id")
    ]
    return rendered


@pytest.fixture
def jurisdictions(service_area: Any) -> dict[str, Jurisdiction]:
    return referral_factories.town_jurisdictions()


def _both_ways(report: Report) -> None:
    assert ReportOutputSerializer(report).data == _generic(report)
    again = report_get_for(device=report.device, report_id=report.pk)
    assert ReportOutputSerializer(again).data == _generic(again)


def test_a_plain_report_renders_as_drf_would(citizen):
    _both_ways(factories.report_create(device=citizen.device))


def test_a_held_report_with_its_hits_renders_as_drf_would(citizen):
    report = factories.report_held(device=citizen.device)
    assert ReportOutputSerializer(report_get_for(device=citizen.device, report_id=report.pk)).data["hits"]
    _both_ways(report)


def test_an_insecurity_report_with_factors_renders_as_drf_would(citizen):
    _both_ways(factories.report_create(device=citizen.device, category="insecurity.poor_lighting",
                                       kind="insecurity", perception=4))


def test_a_referred_report_with_a_partner_status_renders_as_drf_would(citizen, jurisdictions):
    referral_factories.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    report = referral_factories.report_make(device=citizen.device)
    Referral.objects.filter(report=report).update(
        status="received", status_message="Thank you", status_updated_at=timezone.now(), state="delivered",
        delivered_at=timezone.now(),
    )
    rendered = ReportOutputSerializer(report_get_for(device=citizen.device, report_id=report.pk)).data
    assert rendered["referrals"][0]["status"] == "received"
    _both_ways(Report.objects.get(pk=report.pk))


def test_the_answer_to_a_new_report_is_the_same_as_reading_it_back(citizen, jurisdictions):
    referral_factories.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    created = citizen.client.post("/api/v1/reports/", factories.report_payload(
        description="There is a fight with a knife right now at the tram stop."), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["emergency_guidance"] and body["referrals"]
    read = citizen.client.get(f"/api/v1/reports/{body['id']}/").json()
    assert body == read


def test_a_withdrawn_report_renders_as_drf_would(citizen):
    report = factories.report_held(device=citizen.device)
    report_withdraw(report=report)
    _both_ways(Report.objects.get(pk=report.pk))
