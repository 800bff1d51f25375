"""Live moderation events: the only place that sends to the moderators' websocket group.

Events go out after the transaction commits, so nobody is told about a case that was rolled back;
a channel layer that is down costs the live update (the console can refresh), never the decision.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from asgiref.sync import async_to_sync
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


MODERATION_QUEUE = group_name("moderation", "queue")


def case_summary(case: Any) -> dict[str, Any]:
    report = case.report
    return {
        "report_id": str(case.report_id),
        "state": case.state,
        "auto_verdict": case.auto_verdict,
        "families": case.families,
        "category": report.category_id and report.category.code,
        "district": report.district.name if report.district_id else None,
        "opened_at": case.opened_at.isoformat() if case.opened_at else None,
        "claimed_by": case.claimed_by.get_username() if case.claimed_by_id else None,
        "claimed_until": case.claimed_until.isoformat() if case.claimed_until else None,
    }


def group_send_safely(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # Redis down, channel full…: live updates are best effort
        logger.warning("live event %s to %s not sent: %s", message.get("event"), group, exc)


def queue_event_send(event: str, case: Any) -> None:
    """Tell connected moderators that a case was opened, claimed or decided (after commit)."""
    message = {"type": "queue.event", "event": event, "case": case_summary(case)}
    transaction.on_commit(lambda: group_send_safely(MODERATION_QUEUE, message))
