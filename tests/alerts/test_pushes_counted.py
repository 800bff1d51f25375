"""Pushes handed to FCM are counted by kind and outcome in the metrics."""

from __future__ import annotations

import pytest

from reports.models import Device
from tests.alerts.fixtures import alert_of, device_with_zone, published_report, run_due_alert_jobs, trusted_device
from tests.metrics_scrape import metrics_scrape, sample
from tests.referrals import factories as f
from workflows.referral_news import report_referral_status_update

pytestmark = pytest.mark.django_db


def test_a_reporters_notice_push_is_counted_by_outcome(citizen, service_area, fcm):
    Device.objects.filter(pk=citizen.device.pk).update(push_token="tok-counted")
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device).referrals.get()
    before = metrics_scrape()
    report_referral_status_update(referral_id=referral.pk, status="received", message="")
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-counted"]
    assert sample(metrics_scrape(), "lantern_pushes_total", kind="notice", outcome="delivered") == sample(
        before, "lantern_pushes_total", kind="notice", outcome="delivered") + 1


def test_an_alerts_pushes_are_counted_by_outcome(service_area, fcm):
    device_with_zone(push_token="tok-fine")
    device_with_zone(push_token="unregistered-1")
    published_report(device=trusted_device(), category="violence.robbery")
    alert_of(published_report(device=trusted_device(), category="violence.robbery", location=(3.7262, 51.0549)))
    before = metrics_scrape()
    run_due_alert_jobs()
    after = metrics_scrape()
    for outcome in ("delivered", "recipient_gone"):
        assert sample(after, "lantern_pushes_total", kind="alert", outcome=outcome) == sample(
            before, "lantern_pushes_total", kind="alert", outcome=outcome) + 1
