"""Live alert events: the only place that sends to the alert feeds' and devices' websocket groups.

Alerts go to groups named by the resolution-7 H3 cell that holds them; a reporter's own updates go to
the group of their device. Everything is sent after the transaction commits, and a channel layer that is
down (Redis) costs the live update, with a log line, never the alert, the report or the push.
"""

from __future__ import annotations

from typing import Any

import h3

from kernel.live import group_name, live_send_on_commit

FEED_RESOLUTION = 7


def alert_group(cell: str) -> str:
    """The group of the resolution-7 cell holding ``cell`` (a valid H3 id of resolution ≥ 7)."""
    parent = cell if h3.get_resolution(cell) == FEED_RESOLUTION else h3.cell_to_parent(cell, FEED_RESOLUTION)
    return group_name("alerts", parent)


def device_group(device_id: Any) -> str:
    return group_name("device", str(device_id))


def alert_event_send(event: str, public: dict[str, Any]) -> None:
    """``alert.new`` or ``alert.updated`` with the alert's public, language-neutral form (see alerts.public)."""
    live_send_on_commit(alert_group(public["cell"]), {"type": "alert.event", "event": event, "alert": public})


def alert_expired_send(*, alert_id: Any, cell: str) -> None:
    live_send_on_commit(
        alert_group(cell),
        {"type": "alert.event", "event": "alert.expired", "alert": {"id": str(alert_id), "cell": cell}},
    )


def report_update_send(*, device_id: Any, update: dict[str, Any]) -> None:
    """A reporter's own news (moderation decided, referral acknowledged) to their device's sockets."""
    live_send_on_commit(device_group(device_id), {"type": "report.event", "event": "report.updated", "report": update})
