"""``lantern_websocket_connections`` follows sockets through the real ASGI stack: accepted ones count until
they end; refused ones never count."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from prometheus_client import REGISTRY

from api.services import staff_account_create
from backend.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _open(route: str) -> float:
    return REGISTRY.get_sample_value("lantern_websocket_connections", {"route": route}) or 0.0


def _communicator(path: str, authorization: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if authorization:
        headers.append((b"authorization", authorization.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def test_an_accepted_socket_counts_until_it_closes():
    _, token = staff_account_create(username="gauge-moderator", role="moderator")
    before = _open("ws/moderation/")

    async def scenario() -> tuple[float, float]:
        socket = _communicator("/ws/moderation/", f"Token {token}")
        connected, _ = await socket.connect()
        assert connected
        during = _open("ws/moderation/")
        await socket.disconnect()
        return during, _open("ws/moderation/")

    during, after = async_to_sync(scenario)()
    assert (during, after) == (before + 1, before)


def test_a_refused_socket_is_not_counted_once_closed():
    before = _open("ws/moderation/")

    async def scenario() -> int:
        # A refusal is an accept and then a close with 4401, so that apps can tell it from a network failure.
        socket = _communicator("/ws/moderation/", "Token lts_wrong")
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        await socket.wait()
        return closed.get("code")

    assert async_to_sync(scenario)() == 4401
    assert _open("ws/moderation/") == before
