"""Who receives a report: consent, place, category, language, fallbacks, urgency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from referrals.models import Referral
from referrals.services import URGENT_PRIORITY, referrals_create
from reports.models import Device, Report
from reports.taxonomy import taxonomy_sync
from tests.referrals import factories as f


def _partners(referrals: list[Referral]) -> list[str]:
    return [referral.partner.name for referral in referrals]


def _jobs_for(referral: Referral) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, priority FROM procrastinate_jobs WHERE task_name = 'referrals.deliver' "
            "AND args->>'referral_id' = %s",
            [str(referral.pk)],
        )
        return cursor.fetchall()


def test_it_sends_the_report_to_the_police_of_the_area_that_contains_the_point(citizen, jurisdictions):
    f.partner_create(name="West police", jurisdictions=(jurisdictions["West police area"],))
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    east = f.report_make(device=citizen.device, location=f.EAST_POINT)
    west = f.report_make(device=citizen.device, location=f.WEST_POINT)
    assert _partners(list(east.referrals.all())) == ["East police"]
    assert _partners(list(west.referrals.all())) == ["West police"]


def test_it_sends_nothing_to_the_police_without_consent(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    report = f.report_make(device=citizen.device, police=False)
    assert not report.referrals.exists()


def test_a_held_report_still_reaches_the_police(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    report = f.report_make(device=citizen.device, description="It was Jan Peeters from number 12.")
    assert report.status == Report.Status.PENDING_REVIEW
    referral = report.referrals.get()
    assert referral.partner.name == "East police"
    assert referral.payload["moderation_status"] == "pending_review"


def test_it_picks_the_police_partner_that_handles_the_category(citizen, jurisdictions):
    area = (jurisdictions["East police area"],)
    f.partner_create(name="Cyber unit", jurisdictions=area, categories=("harassment.stalking",))
    f.partner_create(name="Bike squad", jurisdictions=area, categories=("property.bicycle_theft",))
    report = f.report_make(device=citizen.device, category="property.bicycle_theft")
    assert _partners(list(report.referrals.all())) == ["Bike squad"]


def test_the_most_specific_jurisdiction_wins(citizen, jurisdictions):
    f.partner_create(name="Town-wide police", jurisdictions=(jurisdictions["Test town"],))
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    report = f.report_make(device=citizen.device)
    assert _partners(list(report.referrals.all())) == ["East police"]


def test_an_inactive_partner_receives_nothing(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],), is_active=False)
    assert not f.report_make(device=citizen.device).referrals.exists()


def test_the_configured_fallback_receives_what_no_jurisdiction_serves(citizen, jurisdictions, settings):
    f.partner_create(name="West police", jurisdictions=(jurisdictions["West police area"],))
    f.partner_create(name="National desk")
    settings.REFERRAL_FALLBACK_PARTNERS = {"police": "National desk"}
    referral = f.report_make(device=citizen.device, location=f.EAST_POINT).referrals.get()
    assert referral.partner.name == "National desk"
    assert referral.routed_by == "fallback"


def test_the_fallback_never_receives_a_report_without_consent(citizen, jurisdictions, settings):
    f.partner_create(name="National desk")
    settings.REFERRAL_FALLBACK_PARTNERS = {"police": "National desk", "victim_support": "National desk"}
    assert not f.report_make(device=citizen.device, police=False).referrals.exists()


def test_victim_support_is_chosen_for_the_citizens_language(citizen, jurisdictions):
    town = (jurisdictions["Test town"],)
    f.partner_create(name="Slachtofferhulp", kind="victim_support", jurisdictions=town, languages=["nl"])
    f.partner_create(name="Aide aux victimes", kind="victim_support", jurisdictions=town, languages=["fr"])
    report = f.report_make(
        device=citizen.device, police=False, victim_support=True, category="harassment.stalking",
        contact={"phone": "+32470123456", "preferred_language": "fr"},
    )
    assert _partners(list(report.referrals.all())) == ["Aide aux victimes"]


def test_victim_support_speaking_another_language_is_better_than_none(citizen, jurisdictions):
    f.partner_create(name="Slachtofferhulp", kind="victim_support", jurisdictions=(jurisdictions["Test town"],),
                     languages=["nl"])
    report = f.report_make(
        device=citizen.device, police=False, victim_support=True,
        contact={"email": "me@example.org", "preferred_language": "ar"},
    )
    assert _partners(list(report.referrals.all())) == ["Slachtofferhulp"]


def test_victim_support_needs_a_way_to_reach_the_citizen(citizen, jurisdictions):
    f.partner_create(name="Slachtofferhulp", kind="victim_support", jurisdictions=(jurisdictions["Test town"],))
    report = f.report_make(device=citizen.device, police=False, victim_support=True, contact=None)
    assert not report.referrals.exists()


def test_police_and_victim_support_each_get_their_referral(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="Slachtofferhulp", kind="victim_support", jurisdictions=(jurisdictions["Test town"],))
    report = f.report_make(device=citizen.device, victim_support=True, contact={"phone": "+32470123456"})
    assert sorted(_partners(list(report.referrals.all()))) == ["East police", "Slachtofferhulp"]


def test_a_report_that_signals_danger_now_is_referred_first_and_marked_urgent(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    calm = f.report_make(device=citizen.device).referrals.get()
    urgent = f.report_make(device=citizen.device, category="violence.weapon",
                           description="A man is waving a knife at people.",
                           occurred_at=timezone.now() - timedelta(minutes=5)).referrals.get()
    assert urgent.urgent and not calm.urgent
    assert _jobs_for(urgent) == [("todo", URGENT_PRIORITY)]
    assert _jobs_for(calm)[0][1] < URGENT_PRIORITY


def test_municipal_services_get_only_reports_the_public_may_see(citizen, jurisdictions):
    town = (jurisdictions["Test town"],)
    f.partner_create(name="Street lighting", kind="municipal_service", jurisdictions=town,
                     categories=("insecurity.poor_lighting",))
    report = f.report_make(device=citizen.device, police=False, public=True, category="insecurity.poor_lighting",
                           description="Half the lamps in the underpass are out.")
    assert report.status == Report.Status.PENDING_REVIEW
    assert not report.referrals.exists()
    # Published by a moderator: routing again adds the municipal service, once.
    Report.objects.filter(pk=report.pk).update(status="published", public_description=report.description)
    report.refresh_from_db()
    assert _partners(referrals_create(report=report)) == ["Street lighting"]
    assert referrals_create(report=report) == []
    assert report.referrals.count() == 1


def test_municipal_services_never_get_a_report_without_public_consent(citizen, jurisdictions):
    f.partner_create(name="Street lighting", kind="municipal_service", jurisdictions=(jurisdictions["Test town"],))
    report = f.report_make(device=citizen.device, police=False, public=False, category="insecurity.poor_lighting")
    Report.objects.filter(pk=report.pk).update(status="published")
    report.refresh_from_db()
    assert referrals_create(report=report) == []


def test_demo_reports_are_never_referred(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    report = f.report_make(device=citizen.device)
    Referral.objects.all().delete()
    report.source = Report.Source.DEMO
    assert referrals_create(report=report) == []


@pytest.mark.django_db(transaction=True)
def test_the_referral_and_its_job_are_written_in_the_reports_transaction(service_area):
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    device = Device.objects.create(token_hash="x" * 64, platform="android")

    def delivery_jobs() -> int:
        # procrastinate's tables are not flushed between transactional tests: count, don't assume zero.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'referrals.deliver'")
            return cursor.fetchone()[0]

    jobs_before = delivery_jobs()
    with pytest.raises(RuntimeError), transaction.atomic():
        f.report_make(device=device)
        assert Referral.objects.count() == 1
        assert delivery_jobs() == jobs_before + 1
        raise RuntimeError("the request failed after intake")
    assert Report.objects.count() == 0
    assert Referral.objects.count() == 0
    assert delivery_jobs() == jobs_before
