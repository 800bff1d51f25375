"""Refused websocket handshakes, as a real client sees them through uvicorn: a close code it can act on
(4401 sign in again, 4403 not for you), never an HTTP 403 that looks like any other failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from api.services import staff_account_create
from reports.services import device_register
from tests.browser import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock(), asgi_server(connection.settings_dict) as url:
        yield url.replace("http://", "ws://")


def _close_code(url: str, authorization: str | None) -> int | None:
    headers = {"Authorization": authorization} if authorization else {}
    try:
        with connect(url, additional_headers=headers, open_timeout=10) as socket:
            socket.recv(timeout=10)
    except InvalidStatus as refused:
        pytest.fail(f"the handshake was refused over HTTP ({refused.response.status_code}), not closed with a code")
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


def _citizen() -> str:
    return f"Bearer {device_register(platform='android')[1]}"


def _staff(role: str, username: str) -> str:
    return f"Token {staff_account_create(username=username, role=role)[1]}"


@pytest.mark.parametrize("authorization", [None, "Bearer ltd_not-a-device", "Token lts_wrong"])
def test_it_closes_the_alerts_socket_of_a_stranger_with_4401(server, authorization):
    assert _close_code(f"{server}/ws/alerts/", authorization) == 4401


def test_it_closes_the_alerts_socket_of_a_staff_account_with_4403(server):
    assert _close_code(f"{server}/ws/alerts/", _staff("moderator", "ws-moderator")) == 4403


@pytest.mark.parametrize("authorization", [None, "Token lts_wrong", "Bearer ltd_not-a-device"])
def test_it_closes_the_moderation_socket_of_a_stranger_with_4401(server, authorization):
    assert _close_code(f"{server}/ws/moderation/", authorization) == 4401


@pytest.mark.parametrize("who", ["citizen", "analyst"])
def test_it_closes_the_moderation_socket_of_a_non_moderator_with_4403(server, who):
    authorization = _citizen() if who == "citizen" else _staff("analyst", "ws-analyst")
    assert _close_code(f"{server}/ws/moderation/", authorization) == 4403
