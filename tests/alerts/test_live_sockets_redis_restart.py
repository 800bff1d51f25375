"""Websockets through a Redis restart, and the health check while Redis is down: a real uvicorn server on the
test database and on a Redis of this module's own, which the tests kill (SIGKILL) and start again empty.

Transactional tests: the server reads what the test commits, and live events go out on commit.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.test import override_settings
from websockets.asyncio.client import ClientConnection

from alerts.events import alert_group
from api.services import staff_account_create
from moderation.events import MODERATION_QUEUE
from reports.services import device_register
from reports.taxonomy import taxonomy_sync
from tests import factories
from tests.alerts.live_sockets import (
    TOWN_R7,
    alerts_socket,
    case_then_alert,
    moderation_socket,
)
from tests.browser import asgi_server
from tests.own_redis import OwnRedis, own_redis

pytestmark = pytest.mark.django_db(transaction=True)

PREFIX = "lantern-restart-test"
# How long the service may take to answer again after Redis is back (the fault tests' bound).
RECOVERY_SECONDS = 30.0


@pytest.fixture(scope="module")
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, redis_server) -> Iterator[str]:
    with django_db_blocker.unblock():
        with asgi_server(connection.settings_dict, REDIS_URL=redis_server.url(), CACHE_KEY_PREFIX=PREFIX) as url:
            yield url
        taxonomy_sync()  # the transactional tests' flush took the migrations' categories; later modules need them


@pytest.fixture
def town(redis_server) -> Iterator[None]:
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    factories.service_area_create()
    # This process's live events go to the server's Redis, under the server's prefix.
    layers = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {
        **settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": f"{PREFIX}:asgi",
        "hosts": [{**settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0], "address": redis_server.url()}]}}}
    with override_settings(CHANNEL_LAYERS=layers):
        yield


def _health(base_url: str) -> tuple[int, Message, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/health/", timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def _redis_restart(redis_server: OwnRedis) -> None:
    redis_server.kill()
    redis_server.start()
    with redis_server.client() as client:
        assert client.dbsize() == 0  # an empty Redis: the sockets' group memberships are gone with the rest


def _groups_rejoined(redis_server: OwnRedis, *groups: str) -> bool:
    """Wait until the server has written its sockets' groups to the new Redis again."""
    keys = [f"{PREFIX}:asgi:group:{group}" for group in groups]
    deadline = time.monotonic() + RECOVERY_SECONDS
    with redis_server.client() as client:
        while time.monotonic() < deadline:
            if all(client.zcard(key) for key in keys):
                return True
            time.sleep(0.1)
    return False


async def _rejoined_then_events(
    redis_server: OwnRedis, alerts: ClientConnection, moderation: ClientConnection
) -> tuple[bool, dict, dict, str, str]:
    """Whether the sockets' groups are back on Redis, then what ``case_then_alert`` answers."""
    rejoined = await asyncio.to_thread(_groups_rejoined, redis_server, alert_group(TOWN_R7), MODERATION_QUEUE)
    return (rejoined, *await case_then_alert(alerts, moderation))


def test_sockets_stay_open_through_a_redis_restart_and_get_what_is_sent_after_it(server, redis_server, town):
    _, device_token = device_register(platform="android")
    _, staff_token = staff_account_create(username="restart-moderator", role="moderator")

    async def scenario() -> tuple[bool, dict, dict, str, str]:
        alerts = await alerts_socket(server, device_token)
        moderation = await moderation_socket(server, staff_token)
        await asyncio.to_thread(_redis_restart, redis_server)
        return await _rejoined_then_events(redis_server, alerts, moderation)

    rejoined, alert_event, case_event, alert_id, report_id = async_to_sync(scenario)()
    assert rejoined
    assert case_event["event"] == "case.new" and case_event["case"]["report_id"] == report_id
    assert alert_event["event"] == "alert.new" and alert_event["alert"]["id"] == alert_id


def test_sockets_connect_and_subscribe_while_redis_is_down_and_get_what_is_sent_once_it_is_back(
        server, redis_server, town):
    _, device_token = device_register(platform="android")
    _, staff_token = staff_account_create(username="outage-moderator", role="moderator")

    async def scenario() -> tuple[bool, dict, dict, str, str]:
        await asyncio.to_thread(redis_server.kill)
        try:
            alerts = await alerts_socket(server, device_token)
            moderation = await moderation_socket(server, staff_token)
        finally:
            await asyncio.to_thread(redis_server.start)
        return await _rejoined_then_events(redis_server, alerts, moderation)

    rejoined, alert_event, case_event, alert_id, report_id = async_to_sync(scenario)()
    assert rejoined
    assert case_event["event"] == "case.new" and case_event["case"]["report_id"] == report_id
    assert alert_event["event"] == "alert.new" and alert_event["alert"]["id"] == alert_id


def test_health_answers_503_with_retry_after_while_redis_is_down_and_200_when_it_is_back(server, redis_server):
    redis_server.kill()
    try:
        status, headers, body = _health(server)
    finally:
        redis_server.start()
    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Retry-After"]) > 0
    assert body["type"] == "urn:lantern:problem:unhealthy"
    assert body["checks"] == {"database": "ok", "cache": "unavailable", "channel_layer": "unavailable"}
    assert _health(server)[0] == 200
