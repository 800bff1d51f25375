"""The channel layer while its Redis is away: sockets keep their groups (a Redis of the test's own, killed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from asgiref.sync import async_to_sync

from backend.channel_layers import RedisChannelLayer
from tests.own_redis import OwnRedis, own_redis

PREFIX = "outage-test:asgi"
RECOVERY_SECONDS = 30.0


@pytest.fixture
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


def _layer(redis_server: OwnRedis) -> RedisChannelLayer:
    return RedisChannelLayer(hosts=[{"address": redis_server.url(), "socket_timeout": 30,
                                     "socket_connect_timeout": 2}], prefix=PREFIX)


def _members(redis_server: OwnRedis, group: str) -> set[str]:
    with redis_server.client() as client:
        return {member.decode() for member in client.zrange(f"{PREFIX}:group:{group}", 0, -1)}


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {RECOVERY_SECONDS:.0f} s: {what}")
        time.sleep(0.1)


def test_a_socket_joining_a_group_while_redis_is_down_is_in_it_once_redis_is_back(redis_server):
    layer = _layer(redis_server)

    async def scenario() -> dict:
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.to_thread(redis_server.kill)
        await layer.group_add("outage.joined", channel)  # a socket connecting or subscribing during the outage
        await asyncio.to_thread(redis_server.start)
        await asyncio.to_thread(_wait_until, lambda: channel in _members(redis_server, "outage.joined"),
                                "the channel is in its group again")
        await layer.group_send("outage.joined", {"type": "alert.event", "event": "alert.new"})
        try:
            return await asyncio.wait_for(receiving, 10)
        finally:
            receiving.cancel()

    assert async_to_sync(scenario)() == {"type": "alert.event", "event": "alert.new"}


def test_a_group_left_while_redis_is_down_is_left_when_redis_comes_back_with_its_data(redis_server):
    layer = _layer(redis_server)

    async def scenario() -> tuple[str, set[str], set[str]]:
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await layer.group_add("outage.left", channel)
        await layer.group_add("outage.kept", channel)
        with redis_server.client() as client:
            client.save()  # Redis comes back with what it had, the memberships included
        await asyncio.to_thread(redis_server.kill)
        await layer.group_discard("outage.left", channel)  # an alert socket changing its cells during the outage
        await asyncio.to_thread(redis_server.start)
        await asyncio.to_thread(_wait_until, lambda: not _members(redis_server, "outage.left"),
                                "the group left during the outage is left in Redis")
        receiving.cancel()
        return channel, _members(redis_server, "outage.left"), _members(redis_server, "outage.kept")

    channel, left, kept = async_to_sync(scenario)()
    assert left == set()
    assert kept == {channel}
