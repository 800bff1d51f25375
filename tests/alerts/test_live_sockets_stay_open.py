"""Idle websockets stay open, and the health check answers while sockets are open: a real uvicorn server on the
test database and the shared test Redis, with real websocket clients.

Transactional tests: the server reads what the test commits, and live events go out on commit.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from api.services import staff_account_create
from reports.services import device_register
from reports.taxonomy import taxonomy_sync
from tests import factories
from tests.alerts.live_sockets import alerts_socket, case_then_alert, moderation_socket
from tests.browser import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

# channels_redis blocks 5 s at a time on Redis for a socket's messages; redis-py 8 once cut every such read
# at 5 s and closed the socket. A minute is twelve of those reads.
IDLE_SECONDS = 60


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock():
        with asgi_server(connection.settings_dict) as url:
            yield url
        # A transactional test flushes every table when it ends, the migrations' categories too; later
        # transactional tests of other modules expect them.
        taxonomy_sync()


@pytest.fixture
def town() -> None:
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    factories.service_area_create()


def _health(base_url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/health/", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_it_delivers_to_alert_and_moderation_sockets_left_idle_for_a_minute(server, town):
    _, device_token = device_register(platform="android")
    _, staff_token = staff_account_create(username="idle-moderator", role="moderator")

    async def scenario() -> tuple[dict, dict, str, str]:
        alerts = await alerts_socket(server, device_token)
        moderation = await moderation_socket(server, staff_token)
        await asyncio.sleep(IDLE_SECONDS)
        return await case_then_alert(alerts, moderation)

    alert_event, case_event, alert_id, report_id = async_to_sync(scenario)()
    assert alert_event["event"] == "alert.new" and alert_event["alert"]["id"] == alert_id
    assert case_event["event"] == "case.new" and case_event["case"]["report_id"] == report_id


def test_it_answers_health_200_while_sockets_are_open(server, town):
    _, device_token = device_register(platform="android")
    _, staff_token = staff_account_create(username="health-moderator", role="moderator")

    async def scenario() -> list[tuple[int, dict]]:
        sockets = [await alerts_socket(server, device_token), await alerts_socket(server, device_token),
                   await moderation_socket(server, staff_token), await moderation_socket(server, staff_token)]
        answers = [await asyncio.to_thread(_health, server) for _ in range(10)]
        for socket in sockets:
            await socket.close()
        return answers

    answers = async_to_sync(scenario)()
    assert answers == [(200, {"status": "ok", "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"}})] * 10
