"""Real websocket clients for ``/ws/alerts/`` and ``/ws/moderation/`` on a test's uvicorn server, and the events
that reach them: an alert published in the test town, a report held for the moderators."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h3
from asgiref.sync import sync_to_async
from websockets.asyncio.client import ClientConnection, connect

from alerts.models import Alert
from tests import factories
from tests.alerts.fixtures import alert_of, published_report, trusted_device

NEARBY = (3.7262, 51.0549)
TOWN_R7 = h3.latlng_to_cell(factories.INSIDE[1], factories.INSIDE[0], 7)
# The town's resolution-7 cell and its neighbours: wherever the noise put the alert, it is in there.
WATCHED_CELLS = sorted(h3.grid_disk(TOWN_R7, 1))
RECEIVE_TIMEOUT = 15.0


def _ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


async def alerts_socket(base_url: str, device_token: str) -> ClientConnection:
    """A socket on ``/ws/alerts/`` watching the town, past its snapshot."""
    socket = await connect(_ws_url(base_url, "/ws/alerts/"),
                           additional_headers={"Authorization": f"Bearer {device_token}"})
    await socket.send(json.dumps({"action": "subscribe", "cells": WATCHED_CELLS}))
    snapshot = await next_event(socket)
    assert snapshot["event"] == "snapshot", snapshot
    return socket


async def moderation_socket(base_url: str, staff_token: str) -> ClientConnection:
    return await connect(_ws_url(base_url, "/ws/moderation/"),
                         additional_headers={"Authorization": f"Token {staff_token}"})


async def next_event(socket: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_TIMEOUT))


def alert_publish() -> Alert:
    """Two trusted devices' robbery reports in the town: a published alert (``alert.new`` to the town's cell)."""
    published_report(device=trusted_device(), category="violence.robbery")
    alert = alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))
    assert alert is not None
    return alert


def case_open() -> str:
    """A report the rules hold: a new case for the moderators (``case.new``). Answers the report's id."""
    device, _ = factories.device_create()
    return str(factories.report_held(device=device).pk)


async def case_then_alert(alerts: ClientConnection, moderation: ClientConnection) -> tuple[dict, dict, str, str]:
    """Opens a case, then publishes an alert, and closes both sockets. Answers the alert event, the case event, the
    alert's id and the report's id.

    The case goes first: publishing the alert's reports may tell the moderators of cases of its own."""
    report_id = await sync_to_async(case_open)()
    case_event = await next_event(moderation)
    alert = await sync_to_async(alert_publish)()
    alert_event = await next_event(alerts)
    await alerts.close()
    await moderation.close()
    return alert_event, case_event, str(alert.pk), report_id
