"""Live events: the one builder of group names, and the process's one sender of events to websocket groups.

Each part's ``events.py`` says what its events are and calls ``live_send_on_commit``: events go out after the
transaction commits, so nobody is told about something that was rolled back, and a channel layer that is down
(Redis) costs the live update, with a log line, never the write that caused it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def group_name(*parts: str) -> str:
    """The one builder of channel-layer group names: ASCII, from known parts, never raw input."""
    name = ".".join(_UNSAFE.sub("-", part) for part in parts)
    if not name or len(name) > 99:
        raise ValueError(f"unusable group name {name!r}")
    return name


# How long the sender waits for Redis to take one live event before giving up on it.
SEND_TIMEOUT_SECONDS = 2.0
# Events waiting to be sent; past this (Redis slow or down under load) new ones are dropped, with a log line.
OUTBOX_SIZE = 10_000
_outbox: queue.Queue[tuple[Any, str, dict[str, Any]]] | None = None
_outbox_lock = threading.Lock()


def _sender_outbox() -> queue.Queue[tuple[Any, str, dict[str, Any]]]:
    """The process's outbox of live events, and the one daemon thread that sends them (started once)."""
    global _outbox
    with _outbox_lock:
        if _outbox is None:
            _outbox = queue.Queue(maxsize=OUTBOX_SIZE)
            threading.Thread(target=_send_in_order, args=(_outbox,), name="lantern-live-events", daemon=True).start()
        return _outbox


def _send_in_order(outbox: queue.Queue[tuple[Any, str, dict[str, Any]]]) -> None:
    """Send the outbox's events one at a time, in the order they were queued.

    One at a time: many concurrent ``group_send`` calls cost channels_redis more than they save (handing
    events off that way cut intake throughput by a fifth). Lantern's channel layer sends without an event loop
    (``group_send_blocking``, a quarter of the CPU); another layer is driven by this thread's own loop, which
    lives as long as the process: ``async_to_sync`` would start a loop per call, and channels_redis keeps its
    connections per loop (every event then opened a new Redis connection, about 14 ms a report)."""
    loop = asyncio.new_event_loop()
    while True:
        layer, group, message = outbox.get()
        try:
            if getattr(layer, "sends_blocking", False):
                layer.group_send_blocking(group, message, timeout=SEND_TIMEOUT_SECONDS)
            else:
                loop.run_until_complete(asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT_SECONDS))
        except Exception as exc:  # Redis down, channel full…: live updates are best effort
            logger.warning("live event %s to %s not sent: %s", message.get("event"), group, exc)


def group_send_safely(group: str, message: dict[str, Any]) -> None:
    """Queue a live event for the process's sender and return at once: a request thread (there are only
    ``REQUEST_THREADS`` per worker) never waits for Redis. Failures are logged by the sender."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        _sender_outbox().put_nowait((layer, group, message))
    except queue.Full:
        logger.warning("live event %s to %s not sent: %d events already waiting", message.get("event"), group,
                       OUTBOX_SIZE)


def live_send_on_commit(group: str, message: dict[str, Any]) -> None:
    """Queue ``message`` for ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: group_send_safely(group, message))
