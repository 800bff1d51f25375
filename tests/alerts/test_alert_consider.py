"""When a report becomes a public alert, and what the alert keeps of it."""

from __future__ import annotations

import math
from datetime import timedelta

import h3
import pytest
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_consider, alerts_expire
from moderation.services import case_claim
from privacy.geo import EARTH_RADIUS_M
from reports.models import Report
from tests import factories
from tests.alerts.fixtures import alert_jobs, alert_of, published_report, trusted_device
from workflows.decide import report_decide
from workflows.withdraw import report_withdraw

pytestmark = pytest.mark.django_db

NEARBY = (3.7262, 51.0549)  # about 110 m from factories.INSIDE


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(a[0] - b[0]) * math.cos(lat) * EARTH_RADIUS_M
    dy = math.radians(a[1] - b[1]) * EARTH_RADIUS_M
    return math.hypot(dx, dy)


def _approve(report: Report, moderator) -> None:
    case_claim(report_id=report.pk, moderator=moderator.user)
    report_decide(report_id=report.pk, moderator=moderator.user, decision="approve",
                         reason_code="moderator.false_positive")


def test_a_moderator_approval_makes_an_alert_of_a_consented_report_in_a_moderator_category(service_area, moderator):
    device, _ = factories.device_create()
    report = factories.report_held(device=device, description="Someone shouted insults at me.")
    Report.objects.filter(pk=report.pk).update(consent_public_alert=True, category_id=factories.Category.objects.get(
        code="harassment.street").pk)
    assert alert_of(report) is None
    _approve(report, moderator)
    alert = alert_of(report)
    assert alert is not None
    assert alert.category.code == "harassment.street"
    assert alert.district_name == "East"
    assert alert.report_count == 1


def test_no_consent_means_no_alert_even_when_approved(service_area, moderator):
    device, _ = factories.device_create()
    report = factories.report_held(device=device, description="Someone shouted insults at me.")
    Report.objects.filter(pk=report.pk).update(category_id=factories.Category.objects.get(code="harassment.street").pk)
    _approve(report, moderator)
    assert alert_of(report) is None


@pytest.mark.parametrize("code", ["violence.sexual", "violence.domestic", "harassment.sexual", "harassment.stalking",
                                  "antisocial.noise"])
def test_sensitive_and_never_alerted_categories_never_become_alerts(service_area, moderator, code):
    device, _ = factories.device_create()
    report = factories.report_held(device=device, description="It happened here.")
    Report.objects.filter(pk=report.pk).update(
        consent_public_alert=True, category_id=factories.Category.objects.get(code=code).pk
    )
    _approve(report, moderator)
    assert alert_of(report) is None
    assert not Alert.objects.exists()


def test_two_independent_devices_nearby_within_the_hour_corroborate_each_other(service_area):
    first = published_report(device=trusted_device(), category="property.pickpocketing")
    assert first.status == Report.Status.PUBLISHED
    assert alert_of(first) is None  # one device alone is not enough for this category
    second = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY)
    alert = alert_of(second)
    assert alert is not None and alert == alert_of(first)
    assert alert.report_count == 2


def test_the_same_device_twice_is_not_corroboration(service_area):
    device = trusted_device()
    published_report(device=device, category="property.pickpocketing")
    second = published_report(device=device, category="property.pickpocketing", location=NEARBY)
    assert alert_of(second) is None


def test_a_second_device_far_away_or_hours_apart_is_not_corroboration(service_area):
    published_report(device=trusted_device(), category="property.pickpocketing")
    far = published_report(device=trusted_device(), category="property.pickpocketing", location=(3.700, 51.045))
    # The first one happened two hours ago; this one four hours ago.
    later = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY,
                             occurred_ago=timedelta(hours=4))
    assert alert_of(far) is None
    assert alert_of(later) is None


def test_the_published_point_is_noised_once_snapped_to_a_resolution_9_cell_and_stored(service_area):
    published_report(device=trusted_device(), category="property.pickpocketing")
    report = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY)
    alert = alert_of(report)
    lat, lng = h3.cell_to_latlng(alert.cell)
    assert h3.get_resolution(alert.cell) == 9
    assert (alert.point.x, alert.point.y) == pytest.approx((lng, lat), abs=1e-9)
    assert alert.cell_r7 == h3.cell_to_parent(alert.cell, 7)
    assert alert.source_cell == h3.latlng_to_cell(NEARBY[1], NEARBY[0], 9)
    # Planar Laplace with ε = ln 4 / 200 m moves a point more than 5 km once in about 10¹⁴ draws.
    assert _distance_m((alert.point.x, alert.point.y), NEARBY) < 5000
    stored = (alert.point.x, alert.point.y)
    assert alert_consider(report=report) == alert
    alert.refresh_from_db()
    assert (alert.point.x, alert.point.y) == stored


def test_times_are_quarter_hours_and_alerts_expire_after_a_day(service_area, settings):
    published_report(device=trusted_device(), category="property.pickpocketing")
    report = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY)
    alert = alert_of(report)
    assert alert.occurred_at.minute % 15 == 0 and alert.occurred_at.second == 0
    assert alert.occurred_at <= report.occurred_at < alert.occurred_at + timedelta(minutes=15)
    assert alert.expires_at == alert.occurred_at + timedelta(hours=settings.ALERT_EXPIRY_HOURS)


def test_similar_reports_in_the_same_cell_and_window_merge_into_one_alert(service_area):
    published_report(device=trusted_device(), category="property.pickpocketing")
    second = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY)
    third = published_report(device=trusted_device(), category="property.pickpocketing", location=NEARBY)
    assert alert_of(third) == alert_of(second)
    assert Alert.objects.count() == 1
    assert alert_of(third).report_count == 3


def test_an_ongoing_incident_is_shown_only_after_a_delay(service_area, settings):
    settings.ALERT_ONGOING_DELAY_MINUTES = 10
    published_report(device=trusted_device(), category="violence.robbery", occurred_ago=timedelta(minutes=5))
    report = published_report(device=trusted_device(), category="violence.robbery", location=NEARBY,
                              occurred_ago=timedelta(minutes=3))
    alert = alert_of(report)
    assert alert.ongoing
    assert alert.visible_from >= timezone.now() + timedelta(minutes=9)
    jobs = [job for job in alert_jobs() if job.task_name == "alerts.fanout.alert_publish"]
    assert len(jobs) == 1 and jobs[0].args == {"alert_id": str(alert.pk)}
    assert jobs[0].scheduled_at == alert.visible_from


def test_a_past_incident_is_published_at_once_and_its_fanout_is_deferred_in_the_same_transaction(service_area):
    published_report(device=trusted_device(), category="violence.robbery")
    report = published_report(device=trusted_device(), category="violence.robbery", location=NEARBY)
    alert = alert_of(report)
    assert not alert.ongoing
    assert alert.visible_from <= timezone.now()
    assert [job.args for job in alert_jobs()] == [{"alert_id": str(alert.pk)}]


def test_old_news_is_not_alerted(service_area):
    published_report(device=trusted_device(), category="violence.robbery", occurred_ago=timedelta(hours=30))
    report = published_report(device=trusted_device(), category="violence.robbery", location=NEARBY,
                              occurred_ago=timedelta(hours=30))
    assert alert_of(report) is None


def test_expired_alerts_end_and_withdrawn_reports_retract_theirs(service_area):
    published_report(device=trusted_device(), category="violence.robbery")
    report = published_report(device=trusted_device(), category="violence.robbery", location=NEARBY)
    alert = alert_of(report)
    assert alerts_expire() == 0
    for linked in alert.reports.all():
        report_withdraw(report=linked)
    assert alerts_expire() == 1
    alert.refresh_from_db()
    assert alert.ended_at is not None and alert.end_reason == "retracted"


def test_an_alert_ends_when_it_expires(service_area):
    published_report(device=trusted_device(), category="violence.robbery")
    alert = alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))
    assert alerts_expire(now=alert.expires_at + timedelta(seconds=1)) == 1
    alert.refresh_from_db()
    assert alert.end_reason == "expired"


def test_a_failure_while_alerting_never_loses_the_report(service_area, monkeypatch, caplog):
    import alerts.services

    def broken(*args, **kwargs):
        raise RuntimeError("H3 unavailable")

    monkeypatch.setattr(alerts.services, "cell_of", broken)
    published_report(device=trusted_device(), category="violence.robbery")
    report = published_report(device=trusted_device(), category="violence.robbery", location=NEARBY)
    assert Report.objects.filter(pk=report.pk, status=Report.Status.PUBLISHED).exists()
    assert report.case is not None
    assert alert_of(report) is None
    assert "public alert for report" in caplog.text
