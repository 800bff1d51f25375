"""The channel layer: channels_redis's group send, and the same without an event loop in fewer round trips."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from backend.channel_layers import RedisChannelLayer


def test_it_is_the_configured_layer():
    assert type(get_channel_layer()) is RedisChannelLayer


def test_its_redis_reads_outlast_its_blocking_pop_even_when_no_timeout_is_configured():
    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:6379/0"])
    assert layer.hosts[0]["socket_timeout"] > layer.brpop_timeout
    with pytest.raises(ValueError, match="must outlast"):
        RedisChannelLayer(hosts=[{"address": "redis://127.0.0.1:6379/0", "socket_timeout": 5}])


def test_it_delivers_a_group_message_to_every_member_channel():
    layer = get_channel_layer()

    async def scenario() -> list[dict]:
        channels = [await layer.new_channel() for _ in range(2)]
        for channel in channels:
            await layer.group_add("test.layer.members", channel)
        await layer.group_send("test.layer.members", {"type": "queue.event", "event": "case.new"})
        received = [await layer.receive(channel) for channel in channels]
        for channel in channels:
            await layer.group_discard("test.layer.members", channel)
        return received

    assert async_to_sync(scenario)() == [{"type": "queue.event", "event": "case.new"}] * 2


def test_it_delivers_the_same_messages_without_an_event_loop():
    layer = get_channel_layer()
    channels = [async_to_sync(layer.new_channel)() for _ in range(2)]
    for channel in channels:
        async_to_sync(layer.group_add)("test.layer.blocking", channel)
    layer.group_send_blocking("test.layer.blocking", {"type": "queue.event", "number": 1}, timeout=2)
    async_to_sync(layer.group_send)("test.layer.blocking", {"type": "queue.event", "number": 2})

    async def receive_all() -> list[dict]:
        return [await layer.receive(channel) for channel in channels for _ in range(2)]

    assert async_to_sync(receive_all)() == [{"type": "queue.event", "number": n} for n in (1, 2)] * 2
    for channel in channels:
        async_to_sync(layer.group_discard)("test.layer.blocking", channel)


@pytest.mark.parametrize("blocking", [False, True], ids=["async", "blocking"])
def test_it_forgets_members_whose_membership_expired_and_sends_them_nothing(blocking):
    layer = get_channel_layer()

    async def send(group: str, message: dict) -> None:
        if blocking:
            layer.group_send_blocking(group, message, timeout=2)
        else:
            await layer.group_send(group, message)

    async def scenario() -> tuple[list[bytes], list[bytes]]:
        stale = await layer.new_channel()
        await layer.group_add("test.layer.expiry", stale)
        key = layer._group_key("test.layer.expiry")
        connection = layer.connection(layer.consistent_hash("test.layer.expiry"))
        await connection.zadd(key, {stale: int(time.time()) - layer.group_expiry - 10})
        await send("test.layer.expiry", {"type": "queue.event", "event": "case.new"})
        members = await connection.zrange(key, 0, -1)
        waiting = await connection.zrange(layer.prefix + stale, 0, -1)
        return members, waiting

    assert async_to_sync(scenario)() == ([], [])

