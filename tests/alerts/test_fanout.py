"""Pushes for a new alert, through the real firebase-admin client against a fake FCM on 127.0.0.1."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import fanout
from alerts.models import Alert, PushDelivery
from alerts.push import push_transport
from reports.services import device_alert_settings_update
from tests.alerts.fixtures import (
    alert_jobs,
    alert_of,
    device_with_zone,
    published_report,
    run_due_alert_jobs,
    trusted_device,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["pooled", "send_each"])
def push_client(request, settings) -> str:
    """Every behaviour holds with Lantern's pooled client and with firebase-admin's own ``send_each``."""
    settings.FCM_CLIENT = request.param
    return request.param

NEARBY = (3.7262, 51.0549)
FAR = (3.6950, 51.0650)  # about 3 km west-north-west of the town centre


def _robbery_alert() -> Alert:
    """An alert corroborated by two trusted devices (with no push tokens of their own)."""
    published_report(device=trusted_device(), category="violence.robbery")
    return alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))


def _statuses(alert: Alert) -> dict[str, str]:
    return {d.device.push_token: d.status for d in PushDelivery.objects.filter(alert=alert).select_related("device")}


def test_devices_watching_the_place_get_one_localised_push_without_the_reporters_words(service_area, fcm):
    english = device_with_zone(push_token="tok-en", locale="en")
    french = device_with_zone(push_token="tok-fr", locale="fr-BE")
    device_with_zone(push_token="tok-far", center=FAR, radius_m=200)
    device_with_zone(push_token="tok-burglary-only", categories=["property.burglary"])
    device_with_zone(push_token="")  # no token: nothing to push to
    alert = _robbery_alert()
    assert run_due_alert_jobs() == 1
    by_token = {m["message"]["token"]: m["message"] for m in fcm.messages}
    assert set(by_token) == {"tok-en", "tok-fr"}
    assert by_token["tok-en"]["notification"]["title"] == "Robbery · East"
    assert by_token["tok-fr"]["notification"]["title"].startswith("Vol avec violence")
    assert "ne vous rendez pas sur place" in by_token["tok-fr"]["notification"]["body"]
    for message in by_token.values():
        assert "phone was taken" not in str(message)
        assert message["data"] == {"kind": "alert", "alert_id": str(alert.pk), "cell": alert.cell}
        assert message["android"]["collapse_key"] == f"alert-{alert.pk}"
    alert.refresh_from_db()
    assert alert.delivery["matched"] == 2 and alert.delivery["sent"] == 2
    assert {english.pk, french.pk} == set(PushDelivery.objects.filter(alert=alert).values_list("device_id", flat=True))


def test_no_device_gets_the_same_alert_twice(service_area, fcm):
    device = device_with_zone(push_token="tok-twice")
    # A second zone over the same place: still one push.
    from django.contrib.gis.geos import Point

    from alerts.services import subscription_create

    subscription_create(device=device, center=Point(*NEARBY, srid=4326), radius_m=3000)
    alert = _robbery_alert()
    fanout.alert_publish_now(alert_id=alert.pk)
    fanout.alert_publish_now(alert_id=alert.pk)
    assert fcm.tokens_sent() == ["tok-twice"]
    assert PushDelivery.objects.filter(alert=alert).count() == 1


def test_quiet_hours_and_the_daily_cap_hold_pushes_back(service_area, fcm):
    sleeper = device_with_zone(push_token="tok-sleeper", time_zone="Europe/Brussels")
    now_local = timezone.localtime(timezone.now(), timezone=zoneinfo.ZoneInfo("Europe/Brussels"))
    start = (now_local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    device_alert_settings_update(device=sleeper, quiet_hours=(start, end))
    capped = device_with_zone(push_token="tok-capped")
    device_alert_settings_update(device=capped, daily_push_cap=0)
    awake = device_with_zone(push_token="tok-awake")
    alert = _robbery_alert()
    run_due_alert_jobs()
    assert _statuses(alert) == {"tok-sleeper": "skipped_quiet", "tok-capped": "skipped_cap", "tok-awake": "sent"}
    assert fcm.tokens_sent() == ["tok-awake"]
    awake.refresh_from_db()
    assert awake.push_count == 1 and awake.push_day == now_local.date()


def test_the_daily_cap_counts_pushes_of_the_local_day(service_area, fcm):
    device = device_with_zone(push_token="tok-cap2")
    device_alert_settings_update(device=device, daily_push_cap=1)
    first = _robbery_alert()
    run_due_alert_jobs()
    published_report(device=trusted_device(), category="violence.assault", location=NEARBY)
    second = alert_of(published_report(device=trusted_device(), category="violence.assault", location=NEARBY))
    run_due_alert_jobs()
    assert _statuses(first) == {"tok-cap2": "sent"}
    assert _statuses(second) == {"tok-cap2": "skipped_cap"}


def test_unregistered_and_invalid_tokens_deactivate_the_device(service_area, fcm):
    gone = device_with_zone(push_token="unregistered-1")
    bogus = device_with_zone(push_token="invalid-2")
    fine = device_with_zone(push_token="tok-fine")
    alert = _robbery_alert()
    run_due_alert_jobs()
    statuses = dict(PushDelivery.objects.filter(alert=alert).values_list("device_id", "status"))
    assert statuses == {gone.pk: "invalid_token", bogus.pk: "invalid_token", fine.pk: "sent"}
    for device in (gone, bogus):
        device.refresh_from_db()
        assert not device.push_enabled and device.push_token == ""
    assert not alert_jobs()[1:]  # nothing to retry


def test_fcm_unavailable_is_retried_with_backoff_and_nothing_is_lost(service_area, fcm, settings):
    settings.FCM_RETRY_BASE_SECONDS = 0
    device_with_zone(push_token="tok-a")
    device_with_zone(push_token="tok-b")
    fcm.fail_next(10, status=503)  # the push client tries a 503 once more at once, then a later round does
    alert = _robbery_alert()
    fanout.alert_publish_now(alert_id=alert.pk)
    assert fcm.messages == [] or len(fcm.messages) < 2
    retries = [job for job in alert_jobs() if job.task_name == "alerts.fanout.alert_push_send"]
    assert retries and retries[0].args == {"alert_id": str(alert.pk), "attempt": 2}
    run_due_alert_jobs()
    assert sorted(fcm.tokens_sent()) == ["tok-a", "tok-b"]
    alert.refresh_from_db()
    assert alert.delivery["sent"] == 2 and alert.delivery["pending"] == 0


def test_an_internal_error_is_retried(service_area, fcm, settings):
    settings.FCM_RETRY_BASE_SECONDS = 0
    device_with_zone(push_token="tok-internal")
    alert = _robbery_alert()
    fcm.fail_next(5, status=500)
    fanout.alert_publish_now(alert_id=alert.pk)
    delivery = PushDelivery.objects.get(alert=alert)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.error
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-internal"]


def test_a_slow_fcm_times_out_and_is_retried(service_area, fcm, settings):
    settings.FCM_RETRY_BASE_SECONDS = 0
    settings.FCM_TIMEOUT_SECONDS = 1
    device_with_zone(push_token="tok-slow")
    alert = _robbery_alert()
    fcm.delay = 1.5
    fanout.alert_publish_now(alert_id=alert.pk)
    assert PushDelivery.objects.get(alert=alert).status == "pending"
    fcm.delay = 0
    run_due_alert_jobs()
    assert PushDelivery.objects.get(alert=alert).status == "sent"


def test_fcm_down_altogether_keeps_pushes_pending_until_it_is_back(service_area, fcm, settings):
    settings.FCM_RETRY_BASE_SECONDS = 0
    device_with_zone(push_token="tok-down")
    alert = _robbery_alert()
    fcm.token_down = True  # the OAuth endpoint fails: not one push can be authorised
    fanout.alert_publish_now(alert_id=alert.pk)
    assert PushDelivery.objects.get(alert=alert).status == "pending"
    fcm.token_down = False
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-down"]


def test_pushes_give_up_after_the_last_attempt_and_say_so(service_area, fcm, settings):
    settings.FCM_RETRY_BASE_SECONDS = 0
    settings.FCM_MAX_ATTEMPTS = 2
    device_with_zone(push_token="tok-never")
    alert = _robbery_alert()
    fcm.fail_next(1000, status=503)
    run_due_alert_jobs()
    alert.refresh_from_db()
    assert alert.delivery["failed"] == 1 and alert.delivery["pending"] == 0


def test_without_credentials_push_is_off_with_one_log_line_and_alerts_still_happen(service_area, no_push, caplog):
    device_with_zone(push_token="tok-off")
    with caplog.at_level(logging.WARNING, logger="alerts.push"):
        alert = _robbery_alert()
        run_due_alert_jobs()
        assert push_transport() is None
    assert alert is not None
    assert set(PushDelivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"push_off"}
    lines = [record for record in caplog.records if "push notifications are off" in record.getMessage()]
    assert len(lines) == 1


def test_batches_of_the_configured_size_all_arrive(service_area, fcm, settings):
    settings.FCM_BATCH_SIZE = 3
    from alerts.push import push_transport_reset

    push_transport_reset()
    for index in range(7):
        device_with_zone(push_token=f"tok-batch-{index}")
    alert = _robbery_alert()
    run_due_alert_jobs()
    assert sorted(fcm.tokens_sent()) == sorted(f"tok-batch-{index}" for index in range(7))
    assert push_transport().batch_size == 3
    alert.refresh_from_db()
    assert alert.delivery["sent"] == 7


def test_the_reporters_own_devices_are_not_pushed_their_own_alert(service_area, fcm):
    reporter = trusted_device(push_token="tok-reporter")
    from django.contrib.gis.geos import Point

    from alerts.services import subscription_create

    subscription_create(device=reporter, center=Point(*NEARBY, srid=4326), radius_m=2000)
    published_report(device=reporter, category="violence.robbery")
    alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))
    run_due_alert_jobs()
    assert "tok-reporter" not in fcm.tokens_sent()


def test_a_retracted_alert_sends_nothing_more(service_area, fcm):
    device_with_zone(push_token="tok-late")
    alert = _robbery_alert()
    Alert.objects.filter(pk=alert.pk).update(ended_at=timezone.now())
    run_due_alert_jobs()
    assert fcm.tokens_sent() == []


def test_devices_are_matched_against_the_published_point_not_the_reports_place(service_area, fcm):
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.geos import Point

    from alerts.services import subscription_create
    from tests import factories

    alert = _robbery_alert()
    # A tiny zone on the report's exact place matches only when the published point lies within its 50 m.
    probe, _ = factories.device_create(push_token="tok-probe")
    subscription_create(device=probe, center=Point(*NEARBY, srid=4326), radius_m=50)
    run_due_alert_jobs()
    distance = Alert.objects.annotate(d=Distance("point", Point(*NEARBY, srid=4326))).get(pk=alert.pk).d.m
    assert ("tok-probe" in fcm.tokens_sent()) == (distance <= 50)


def test_reporters_hear_of_a_moderators_decision_by_push_on_their_device_only(service_area, fcm, moderator):
    from moderation.services import case_claim
    from tests import factories
    from workflows.decide import report_decide

    device, _ = factories.device_create(push_token="tok-reporter-decision", locale="de")
    device_with_zone(push_token="tok-bystander")
    report = factories.report_held(device=device)
    case_claim(report_id=report.pk, moderator=moderator.user)
    report_decide(report_id=report.pk, moderator=moderator.user, decision="reject", reason_code="pii.person_name")
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-reporter-decision"]
    message = fcm.messages[0]["message"]
    assert message["notification"]["title"] == "Ihre Meldung wurde nicht veröffentlicht"
    assert message["data"] == {"kind": "report", "report_id": str(report.pk), "notice": "rejected"}
    assert "Jan Peeters" not in str(message)


def test_a_big_alert_gets_helper_senders_that_share_its_batches(service_area, fcm, settings):
    settings.FCM_BATCH_SIZE = 2
    settings.FCM_SENDERS = 3
    from alerts.push import push_transport_reset

    push_transport_reset()
    for index in range(7):
        device_with_zone(push_token=f"tok-share-{index}")
    alert = _robbery_alert()
    fanout.alert_publish_now(alert_id=alert.pk)
    helpers = [job for job in alert_jobs() if job.task_name == "alerts.fanout.alert_push_send"]
    assert [job.args for job in helpers] == [{"alert_id": str(alert.pk), "attempt": 1, "helper": True}] * 2
    run_due_alert_jobs()  # the helpers find every batch already claimed: nothing is sent twice
    assert sorted(fcm.tokens_sent()) == sorted(f"tok-share-{index}" for index in range(7))


def _sphere_distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, false)", [*a, *b],
        )
        return cursor.fetchone()[0]


def test_a_zone_matches_exactly_when_the_point_lies_within_its_radius_on_the_sphere(service_area, fcm):
    alert = _robbery_alert()
    point = (alert.point.x, alert.point.y)
    # Diagonally away: the point lies inside the zone's bounding box either way, only the disc decides.
    center = (point[0] + 0.004, point[1] + 0.0025)
    distance = _sphere_distance_m(center, point)
    inside = device_with_zone(push_token="tok-inside", center=center, radius_m=int(distance) + 1)
    outside = device_with_zone(push_token="tok-outside", center=center, radius_m=int(distance) - 1)
    matched = set(fanout.alert_devices_match(alert=alert))
    assert inside.pk in matched and outside.pk not in matched


def test_a_moved_or_resized_zone_is_matched_where_it_is_now(service_area, fcm):
    from django.contrib.gis.geos import Point

    from alerts.models import Subscription
    from alerts.services import subscription_update

    alert = _robbery_alert()
    device = device_with_zone(push_token="tok-moved", center=FAR, radius_m=200)
    assert device.pk not in fanout.alert_devices_match(alert=alert)
    zone = Subscription.objects.get(device=device)
    subscription_update(subscription=zone, center=Point(alert.point.x + 0.01, alert.point.y, srid=4326))
    assert device.pk not in fanout.alert_devices_match(alert=alert)  # 700 m away, 200 m radius
    subscription_update(subscription=zone, radius_m=1000)
    assert device.pk in fanout.alert_devices_match(alert=alert)


def test_matching_leaves_the_planner_settings_of_the_transaction_as_they_were(service_area, fcm):
    from django.db import connection

    alert = _robbery_alert()
    device_with_zone(push_token="tok-settings")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        fanout.alert_devices_match(alert=alert)
        cursor.execute("SELECT current_setting('enable_bitmapscan'), current_setting('jit')")
        assert cursor.fetchone() == ("on", "on")

