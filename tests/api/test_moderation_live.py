"""``/ws/moderation/`` through the real ASGI stack and the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from api.services import staff_account_create
from backend.asgi import application
from reports.services import device_register
from reports.taxonomy import taxonomy_sync
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(authorization: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if authorization:
        headers.append((b"authorization", authorization.encode()))
    return WebsocketCommunicator(application, "/ws/moderation/", headers=headers)


def test_moderators_see_new_claimed_and_decided_cases_live():
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    factories.service_area_create()
    _, token = staff_account_create(username="live-moderator", role="moderator")
    device, _ = device_register(platform="android")

    async def scenario() -> list[dict]:
        socket = _communicator(f"Token {token}")
        connected, _ = await socket.connect()
        assert connected
        report = await sync_to_async(factories.report_held)(device=device)
        received = [await socket.receive_json_from(timeout=5)]
        await socket.disconnect()
        return [*received, {"report_id": str(report.id)}]

    received, expected = async_to_sync(scenario)()
    assert received["event"] == "case.new"
    assert received["case"]["report_id"] == expected["report_id"]
    assert received["case"]["state"] == "open"
    assert "description" not in received["case"]


@pytest.mark.parametrize(
    ("authorization", "code"), [(None, 4401), ("Token lts_wrong", 4401), ("Bearer citizen", 4403)]
)
def test_the_socket_refuses_everyone_but_moderators(authorization, code):
    if authorization == "Bearer citizen":
        _, token = device_register(platform="ios")
        authorization = f"Bearer {token}"

    async def scenario() -> dict:
        socket = _communicator(authorization)
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": code}


def test_an_analyst_is_not_a_moderator():
    _, token = staff_account_create(username="curious-analyst", role="analyst")

    async def scenario() -> dict:
        socket = _communicator(f"Token {token}")
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closed

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4403}
