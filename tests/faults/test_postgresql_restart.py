"""PostgreSQL goes away under load: a fast restart (every connection terminated), then a stop of ~12 s."""

from __future__ import annotations

import time

from tests.faults.outcomes import assert_every_referral_delivered_once_per_event, assert_every_report_kept
from tests.faults.stack import RECOVERY_SECONDS, ReportLoad, first_answer_after, wait_until

STOPPED_SECONDS = 12


def test_it_answers_503_while_postgresql_is_away_and_heals_without_a_hand_restart(lantern):
    service = lantern.start()
    load = ReportLoad(service.base_url).start()
    workers = service.worker_pids()
    time.sleep(3)

    lantern.cluster.restart_fast()
    assert first_answer_after(service) < RECOVERY_SECONDS
    time.sleep(3)

    lantern.cluster.stop()
    time.sleep(STOPPED_SECONDS)
    health_while_stopped = service.health()
    lantern.cluster.start()
    assert first_answer_after(service) < RECOVERY_SECONDS
    assert wait_until(lambda: service.health() == 200, seconds=RECOVERY_SECONDS)
    time.sleep(4)
    load.stop()

    # While it was away, citizens were told to retry (and their apps did, with the same Idempotency-Key).
    assert load.server_errors, "the outage was not seen"
    assert set(load.server_errors) <= {"503 application/problem+json Retry-After: 5"}, load.server_errors
    assert health_while_stopped == 503
    assert service.supervisor_alive() and service.web_pids()
    assert_every_report_kept(lantern, load)
    # Only a worker that came back delivers what was reported after the restarts.
    assert_every_referral_delivered_once_per_event(lantern, load)
    # And it came back by itself: the worker process reconnected; run.sh never had to start another.
    assert workers and service.worker_pids() == workers
    assert "the job worker exited" not in service.log.read_text(errors="replace")
