"""The job worker's restart pacing (the restarts themselves are shown against a real PostgreSQL in
tests/faults/test_postgresql_restart.py)."""

from __future__ import annotations

from backend.management.commands.jobs_worker import (
    RESTART_FIRST_SECONDS,
    WORKER_RESTART_MAX_SECONDS,
    WORKER_STABLE_SECONDS,
    restart_delay,
)


def test_it_waits_twice_as_long_after_each_quick_failure_up_to_the_cap():
    delays, delay = [], None
    for _ in range(8):
        delay = restart_delay(delay, ran_for=2)
        delays.append(delay)
    assert delays[:4] == [RESTART_FIRST_SECONDS, 2, 4, 8]
    assert delays[-1] == WORKER_RESTART_MAX_SECONDS


def test_it_starts_again_from_the_first_delay_after_a_stable_run():
    assert restart_delay(WORKER_RESTART_MAX_SECONDS, ran_for=WORKER_STABLE_SECONDS) == RESTART_FIRST_SECONDS
