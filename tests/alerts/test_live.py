"""``/ws/alerts/`` through the real ASGI stack and the real Redis channel layer.

Transactional tests: the consumer reads the database from other threads, and events go out on commit.
"""

from __future__ import annotations

import logging
import time

import h3
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from alerts.models import Alert
from alerts.services import alerts_expire
from backend.asgi import application
from moderation.services import case_claim
from reports.models import Report
from reports.services import device_register
from reports.taxonomy import taxonomy_sync
from tests import factories
from tests.alerts.fixtures import alert_of, published_report, run_due_alert_jobs, trusted_device
from workflows.decide import report_decide

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _taxonomy_restored(django_db_setup, django_db_blocker):
    # A transactional test flushes every table when it ends, the migrations' categories too; later
    # transactional tests of other modules expect them.
    yield
    with django_db_blocker.unblock():
        taxonomy_sync()

NEARBY = (3.7262, 51.0549)
TOWN_R7 = h3.latlng_to_cell(factories.INSIDE[1], factories.INSIDE[0], 7)


def _socket(token: str | None, origin: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin))
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return WebsocketCommunicator(application, "/ws/alerts/", headers=headers)


def _alert() -> Alert:
    published_report(device=trusted_device(), category="violence.robbery")
    return alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))


def _watch_cells() -> list[str]:
    # The town's resolution-7 cell and its neighbours: wherever the noise put the alert, it is in there.
    return sorted(h3.grid_disk(TOWN_R7, 1))


def test_a_subscriber_gets_a_snapshot_then_new_and_expired_alerts_in_its_language(service_area):
    _, token = device_register(platform="android", locale="nl-BE", time_zone="Europe/Brussels")
    existing = _alert()

    async def scenario() -> list[dict]:
        socket = _socket(token)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"action": "subscribe", "cells": _watch_cells()})
        received = [await socket.receive_json_from(timeout=5)]
        await sync_to_async(published_report)(device=await sync_to_async(trusted_device)(),
                                        category="violence.assault")
        new = await sync_to_async(published_report)(device=await sync_to_async(trusted_device)(),
                                              category="violence.assault", location=NEARBY)
        received.append(await socket.receive_json_from(timeout=5))
        new_alert = await sync_to_async(alert_of)(new)
        await sync_to_async(Alert.objects.filter(pk=new_alert.pk).update)(expires_at=new_alert.occurred_at)
        await sync_to_async(alerts_expire)()
        received.append(await socket.receive_json_from(timeout=5))
        await socket.disconnect()
        return received

    snapshot, new, expired = async_to_sync(scenario)()
    assert snapshot["event"] == "snapshot"
    features = snapshot["alerts"]["features"]
    assert [feature["id"] for feature in features] == [str(existing.pk)]
    assert features[0]["geometry"]["coordinates"] == [round(existing.point.x, 7), round(existing.point.y, 7)]
    assert features[0]["properties"]["title"] == "Diefstal met geweld · East"
    assert new["event"] == "alert.new"
    assert new["alert"]["properties"]["category"] == "violence.assault"
    # In the app (not in a push) an alert may show the moderated, redacted text of its first report.
    assert new["alert"]["properties"]["details"] == "A phone was taken."
    assert expired == {"event": "alert.expired", "alert": {"id": new["alert"]["id"], "cell": new["alert"]["properties"][
        "cell"]}}


def test_alerts_outside_the_watched_cells_do_not_reach_the_socket(service_area):
    _, token = device_register(platform="ios")
    far_cell = h3.latlng_to_cell(50.8503, 4.3517, 8)  # Brussels

    async def scenario() -> list[dict]:
        socket = _socket(token)
        await socket.connect()
        await socket.send_json_to({"action": "subscribe", "cells": [far_cell]})
        snapshot = await socket.receive_json_from(timeout=5)
        await sync_to_async(_alert)()
        nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return [snapshot, nothing]

    snapshot, nothing = async_to_sync(scenario)()
    assert snapshot["alerts"]["features"] == []
    assert nothing is True


@pytest.mark.parametrize(
    "message",
    [
        {"action": "subscribe", "cells": ["not-a-cell"]},
        {"action": "subscribe", "cells": [h3.latlng_to_cell(51.05, 3.72, 5)]},  # too coarse
        {"action": "subscribe", "cells": "8928308280fffff"},
        {"action": "subscribe", "cells": [
            h3.latlng_to_cell(51.05 + i * 0.01, 3.72, 9) for i in range(51)]},
        {"action": "dance"},
        ["subscribe"],
    ],
)
def test_invalid_subscriptions_are_answered_with_an_error_and_join_nothing(service_area, message):
    _, token = device_register(platform="android")

    async def scenario() -> dict:
        socket = _socket(token)
        await socket.connect()
        await socket.send_json_to(message)
        answer = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return answer

    answer = async_to_sync(scenario)()
    assert answer["event"] == "error"
    assert answer["code"] in {"invalid-cells", "unknown-action"}


@pytest.mark.parametrize(
    ("message", "dutch"),
    [({"action": "subscribe", "cells": ["not-a-cell"]}, "cells moet een lijst zijn van maximaal 50"),
     ({"action": "dance"}, "Stuur {")],
)
def test_it_answers_error_frames_in_the_devices_language(service_area, message, dutch):
    _, token = device_register(platform="android", locale="nl-BE")

    async def scenario() -> dict:
        socket = _socket(token)
        await socket.connect()
        await socket.send_json_to(message)
        answer = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return answer

    assert async_to_sync(scenario)()["detail"].startswith(dutch)


def test_a_device_flooding_subscriptions_gets_an_error_then_is_closed(service_area, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "live_message_device": "3/m"}
    _, token = device_register(platform="android", locale="fr-BE")

    async def scenario() -> tuple[list[dict], dict, dict]:
        first, second = _socket(token), _socket(token)
        assert (await first.connect())[0] and (await second.connect())[0]
        answers = []
        for socket, cells in ((first, _watch_cells()), (second, []), (first, [])):
            await socket.send_json_to({"action": "subscribe", "cells": cells})
            answers.append(await socket.receive_json_from(timeout=5))
        # The device's fourth message, on either socket, is one too many.
        await second.send_json_to({"action": "subscribe", "cells": _watch_cells()})
        refused = await second.receive_json_from(timeout=5)
        closed = await second.receive_output(timeout=5)
        await first.disconnect()
        return answers, refused, closed

    answers, refused, closed = async_to_sync(scenario)()
    assert [answer["event"] for answer in answers] == ["snapshot"] * 3
    assert refused["event"] == "error" and refused["code"] == "rate-limited" and refused["retry_after"] >= 1
    assert refused["detail"].startswith("Trop de demandes")  # in the device's language
    assert closed == {"type": "websocket.close", "code": 4429}


def test_the_subscription_limit_fails_open_when_redis_is_down(service_area, settings, caplog):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "live_message_device": "1/m"}
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"],
                                                      "LOCATION": "redis://127.0.0.1:9/0"}}
    from alerts.consumers import _message_count

    with caplog.at_level(logging.WARNING, logger="alerts.consumers"):
        assert [_message_count("a-device") for _ in range(3)] == [0, 0, 0]
    assert "live_message_device not checked" in caplog.text


@pytest.mark.parametrize("token", [None, "ltd_not-a-device"])
def test_only_devices_may_connect(service_area, token):
    async def scenario() -> dict:
        socket = _socket(token)
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(None, True), (b"http://127.0.0.1", True), (b"https://evil.example", False), (b"null", False)],
)
def test_native_apps_without_an_origin_connect_but_foreign_browser_pages_do_not(service_area, origin, allowed):
    _, token = device_register(platform="android")

    async def scenario() -> bool:
        socket = _socket(token, origin=origin)
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    assert async_to_sync(scenario)() is allowed


def test_the_reporter_hears_of_the_decision_on_its_own_socket(service_area, fcm):
    from api.services import staff_account_create

    moderator, _ = staff_account_create(username="live-alerts-moderator", role="moderator")
    device, token = device_register(platform="android", push_token="tok-live-reporter")
    _, other_token = device_register(platform="android")
    report = factories.report_held(device=device)

    async def scenario() -> tuple[dict, bool]:
        mine, theirs = _socket(token), _socket(other_token)
        await mine.connect()
        await theirs.connect()
        await sync_to_async(case_claim)(report_id=report.pk, moderator=moderator)
        await sync_to_async(report_decide)(report_id=report.pk, moderator=moderator,
                                        decision="approve", reason_code="moderator.false_positive")
        update = await mine.receive_json_from(timeout=5)
        nothing = await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()
        return update, nothing

    update, nothing = async_to_sync(scenario)()
    assert update == {"event": "report.updated", "report": {
        "report_id": str(report.pk), "event": "moderation.decided", "status": "published"}}
    assert nothing is True
    run_due_alert_jobs()
    assert fcm.tokens_sent() == ["tok-live-reporter"]


UNREACHABLE_REDIS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
}
UNREACHABLE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                 "LOCATION": "redis://127.0.0.1:1/0"}}


def test_with_redis_down_reports_and_alerts_are_created_broadcasts_skipped_and_pushes_go_on(service_area, fcm, caplog):
    from tests.alerts.fixtures import device_with_zone

    device_with_zone(push_token="tok-redis-down")
    with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS, CACHES=UNREACHABLE_CACHE), \
            caplog.at_level(logging.WARNING, logger="kernel.live"):
        alert = _alert()
        run_due_alert_jobs()
        # Live events go out from the process's sender, after the request has returned.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            "alert.new" in record.getMessage() and "not sent" in record.getMessage() for record in caplog.records
        ):
            time.sleep(0.05)
    assert alert is not None
    assert Report.objects.filter(status="published").count() >= 2
    assert any("alert.new" in record.getMessage() and "not sent" in record.getMessage() for record in caplog.records)
    assert fcm.tokens_sent() == ["tok-redis-down"]
