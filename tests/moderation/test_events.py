"""Live events leave through one sender per process: in order, and without holding up the request."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kernel.live import group_name, group_send_safely


def _numbers_received(group: str, count: int) -> list[int]:
    """Queue ``count`` numbered events for a group with one member channel; the numbers it receives, in order."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    for number in range(count):
        group_send_safely(group, {"type": "queue.event", "event": "case.new", "number": number})

    async def receive_all() -> list[int]:
        return [(await layer.receive(channel))["number"] for _ in range(count)]

    received = async_to_sync(receive_all)()
    async_to_sync(layer.group_discard)(group, channel)
    return received


def test_events_queued_from_a_request_arrive_in_the_order_they_were_queued():
    assert _numbers_received(group_name("test", "order"), 30) == list(range(30))


def test_events_reach_a_channel_layer_that_only_sends_from_an_event_loop(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": settings.CHANNEL_LAYERS["default"]["CONFIG"]}}
    assert not getattr(get_channel_layer(), "sends_blocking", False)
    assert _numbers_received(group_name("test", "stock"), 3) == [0, 1, 2]


def test_group_names_are_built_from_safe_ascii_only():
    assert group_name("alerts", "8928308280fffff") == "alerts.8928308280fffff"
    assert group_name("case", "a b/c") == "case.a-b-c"
