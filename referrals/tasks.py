"""Background jobs of the referrals part (procrastinate, on the same PostgreSQL).

The delivery job carries only the referral id: the row is the truth, so a job that runs twice, late or
never is harmless. The sweeper, every minute, re-queues whatever is due and has no job; its jobs have the
highest priority, so a worker takes the sweep before any delivery still waiting.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from referrals.services import DELIVER_TASK, QUEUE, SWEEP_PRIORITY, SWEEP_TASK, referral_deliver, referrals_sweep

logger = logging.getLogger(__name__)


@app.task(name=DELIVER_TASK, queue=QUEUE)
def referral_deliver_job(referral_id: str) -> str:
    referral = referral_deliver(referral_id=referral_id)
    return referral.state if referral is not None else "not sent: not due, or its partner is full"


@app.periodic(cron="* * * * *")
@app.task(name=SWEEP_TASK, queue=QUEUE, priority=SWEEP_PRIORITY, queueing_lock="referrals_sweep")
def referrals_sweep_job(timestamp: int) -> int:
    """Every minute: find referrals whose job was lost or whose worker died, and queue them again."""
    return referrals_sweep()
