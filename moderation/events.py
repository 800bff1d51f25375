"""Live moderation events: the only place that sends to the moderators' websocket group.

Events go out after the transaction commits, so nobody is told about a case that was rolled back;
a channel layer that is down costs the live update (the console can refresh), never the decision.
"""

from __future__ import annotations

from typing import Any

from kernel.live import group_name, live_send_on_commit

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


def queue_event_send(event: str, case: Any) -> None:
    """Tell connected moderators that a case was opened, claimed or decided (after commit)."""
    message = {"type": "queue.event", "event": event, "case": case_summary(case)}
    live_send_on_commit(MODERATION_QUEUE, message)
