"""The channel layer's group send: what channels_redis does, in fewer round trips when nobody listens."""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from backend.channel_layers import RedisChannelLayer


def test_it_is_the_configured_layer():
    assert type(get_channel_layer()) is RedisChannelLayer


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


def test_it_forgets_members_whose_membership_expired_and_sends_them_nothing():
    layer = get_channel_layer()

    async def scenario() -> tuple[list[bytes], list[bytes]]:
        stale = await layer.new_channel()
        await layer.group_add("test.layer.expiry", stale)
        key = layer._group_key("test.layer.expiry")
        connection = layer.connection(layer.consistent_hash("test.layer.expiry"))
        await connection.zadd(key, {stale: int(time.time()) - layer.group_expiry - 10})
        await layer.group_send("test.layer.expiry", {"type": "queue.event", "event": "case.new"})
        members = await connection.zrange(key, 0, -1)
        waiting = await connection.zrange(layer.prefix + stale, 0, -1)
        return members, waiting

    assert async_to_sync(scenario)() == ([], [])

