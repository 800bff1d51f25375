"""A reporter hears of their own report's news: moderation decided, referral acknowledged."""

from __future__ import annotations

import pytest

from reports.models import Device
from tests.alerts.fixtures import run_due_alert_jobs
from tests.referrals import factories as f
from workflows.referral_news import report_referral_status_update

pytestmark = pytest.mark.django_db


def test_a_partners_acknowledgement_reaches_the_reporters_device_by_push(citizen, service_area, fcm):
    Device.objects.filter(pk=citizen.device.pk).update(push_token="tok-acknowledged", locale="fr")
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device).referrals.get()
    report_referral_status_update(referral_id=referral.pk, status="received", message="")
    run_due_alert_jobs()
    [message] = [m["message"] for m in fcm.messages]
    assert message["token"] == "tok-acknowledged"
    assert message["notification"]["title"] == "Votre signalement a été reçu"
    assert message["data"]["notice"] == "referral_acknowledged"


def test_a_resent_identical_update_tells_nobody_twice(citizen, service_area, fcm):
    Device.objects.filter(pk=citizen.device.pk).update(push_token="tok-once")
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device).referrals.get()
    report_referral_status_update(referral_id=referral.pk, status="received", message="")
    report_referral_status_update(referral_id=referral.pk, status="received", message="")
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-once"]


def test_an_anonymised_report_notifies_nobody(citizen, service_area, fcm):
    from reports.services import device_delete

    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device).referrals.get()
    device_delete(device=citizen.device)
    report_referral_status_update(referral_id=referral.pk, status="received", message="")
    run_due_alert_jobs()
    assert fcm.messages == []
