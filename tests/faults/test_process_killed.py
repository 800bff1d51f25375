"""A process dies without warning (SIGKILL: the OOM killer, a crash): scripts/run.sh starts it again alone."""

from __future__ import annotations

import os
import signal
import time

from tests.faults.outcomes import assert_every_referral_delivered_once_per_event, assert_every_report_kept
from tests.faults.stack import RECOVERY_SECONDS, ReportLoad, first_answer_after, wait_until


def test_a_worker_killed_mid_delivery_is_restarted_and_the_referral_is_sent_again_as_the_same_event(lantern):
    # The partner holds the first delivery without answering, so the worker is surely in the middle of it.
    service = lantern.start(partner_behaviours=("hang", "ok"))
    partner = lantern.receivers[0]
    load = ReportLoad(service.base_url).start()
    assert partner.arrived.wait(30), service.log_tail()
    [worker] = service.worker_pids()
    os.kill(worker, signal.SIGKILL)
    partner.released.set()

    def restarted() -> bool:
        now = service.worker_pids()
        return bool(now) and worker not in now

    assert wait_until(restarted, seconds=RECOVERY_SECONDS), service.log_tail()
    time.sleep(3)
    load.stop()

    assert set(load.statuses) == {"201"}, load.statuses
    assert_every_report_kept(lantern, load)
    assert_every_referral_delivered_once_per_event(lantern, load)
    first = partner.requests[0]
    assert first.answered is None
    assert [r.answered for r in partner.requests if r.event_id == first.event_id] == [None, 200]


def test_a_killed_web_server_is_started_again_while_the_worker_keeps_running(lantern):
    service = lantern.start()
    load = ReportLoad(service.base_url).start()
    time.sleep(3)
    workers = service.worker_pids()
    # uvicorn's supervisor leads its process group; its worker processes are in that group too.
    [web] = [pid for pid in service.web_pids() if os.getpgid(pid) == pid]
    os.kill(web, signal.SIGKILL)

    assert first_answer_after(service) < RECOVERY_SECONDS
    time.sleep(3)
    load.stop()

    assert web not in service.web_pids()
    assert service.worker_pids() == workers
    # The apps retried what found the door closed, with the same Idempotency-Key.
    assert set(load.statuses) <= {"201", "refused", "error", "timeout"}, load.statuses
    assert_every_report_kept(lantern, load)
    assert_every_referral_delivered_once_per_event(lantern, load)
