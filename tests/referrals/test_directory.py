"""Routing reads a per-process partner directory that follows every change made through Django."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import directory
from referrals.directory import partner_directory
from referrals.models import Partner
from reports.models import Report
from tests.referrals import factories as f


def _partners(report: Report) -> list[str]:
    return [referral.partner.name for referral in report.referrals.all()]


def test_routing_a_second_report_asks_the_database_nothing_about_partners(citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.report_make(device=citizen.device)
    with CaptureQueriesContext(connection) as queries:
        report = f.report_make(device=citizen.device)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert 'FROM "referrals_partner"' not in sql and 'FROM "referrals_jurisdiction"' not in sql
    assert _partners(report) == ["East police"]


def test_a_deactivated_partner_receives_nothing_more_at_once(citizen, jurisdictions):
    police = f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    assert _partners(f.report_make(device=citizen.device)) == ["East police"]
    police.is_active = False
    police.save()
    assert _partners(f.report_make(device=citizen.device)) == []


def test_a_partner_given_a_new_area_or_category_is_routed_at_once(citizen, jurisdictions):
    police = f.partner_create(name="West police", jurisdictions=(jurisdictions["West police area"],),
                              categories=("harassment.stalking",))
    assert _partners(f.report_make(device=citizen.device)) == []
    police.jurisdictions.add(jurisdictions["East police area"])
    assert _partners(f.report_make(device=citizen.device)) == []
    police.categories.clear()
    assert _partners(f.report_make(device=citizen.device)) == ["West police"]


def test_the_smallest_jurisdiction_comes_first(jurisdictions):
    found = partner_directory().jurisdictions_containing(Point(*f.EAST_POINT, srid=4326))
    sizes = {j.pk: j.boundary.area for j in jurisdictions.values()}
    assert found == sorted(found, key=lambda pk: sizes[pk])
    assert jurisdictions["East police area"].pk in found and jurisdictions["West police area"].pk not in found


def test_changes_made_by_another_process_are_seen_after_the_time_to_live(citizen, jurisdictions, settings,
                                                                         monkeypatch):
    settings.REFERENCE_CACHE_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(directory.time, "monotonic", lambda: clock[0])
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    assert _partners(f.report_make(device=citizen.device)) == ["East police"]
    # An update that sends no signal stands for a change made in another process.
    Partner.objects.filter(name="East police").update(is_active=False)
    clock[0] += 29
    assert _partners(f.report_make(device=citizen.device)) == ["East police"]
    clock[0] += 2
    assert _partners(f.report_make(device=citizen.device)) == []
