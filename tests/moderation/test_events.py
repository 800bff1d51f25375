"""Live events leave through one sender per process: in order, and without holding up the request."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from moderation.events import group_name, group_send_safely


def test_events_queued_from_a_request_arrive_in_the_order_they_were_queued():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    group = group_name("test", "order")
    async_to_sync(layer.group_add)(group, channel)
    for number in range(30):
        group_send_safely(group, {"type": "queue.event", "event": "case.new", "number": number})

    async def receive_all() -> list[int]:
        return [(await layer.receive(channel))["number"] for _ in range(30)]

    assert async_to_sync(receive_all)() == list(range(30))
    async_to_sync(layer.group_discard)(group, channel)


def test_events_reach_a_channel_layer_that_only_sends_from_an_event_loop(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": settings.CHANNEL_LAYERS["default"]["CONFIG"]}}
    layer = get_channel_layer()
    assert not getattr(layer, "sends_blocking", False)
    channel = async_to_sync(layer.new_channel)()
    group = group_name("test", "stock")
    async_to_sync(layer.group_add)(group, channel)
    for number in range(3):
        group_send_safely(group, {"type": "queue.event", "event": "case.new", "number": number})

    async def receive_all() -> list[int]:
        return [(await layer.receive(channel))["number"] for _ in range(3)]

    assert async_to_sync(receive_all)() == [0, 1, 2]
    async_to_sync(layer.group_discard)(group, channel)


def test_group_names_are_built_from_safe_ascii_only():
    assert group_name("alerts", "8928308280fffff") == "alerts.8928308280fffff"
    assert group_name("case", "a b/c") == "case.a-b-c"
