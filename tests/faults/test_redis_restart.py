"""Redis (cache, rate limits, channel layer) is killed under load, then started again empty."""

from __future__ import annotations

import time

from tests.faults.outcomes import assert_every_referral_delivered_once_per_event, assert_every_report_kept
from tests.faults.stack import RECOVERY_SECONDS, ReportLoad, first_answer_after


def test_it_keeps_accepting_reports_while_redis_is_down_and_uses_it_again_when_it_is_back(lantern):
    service = lantern.start()
    load = ReportLoad(service.base_url).start()
    time.sleep(3)
    lantern.redis.kill()
    before = len(load.accepted)
    time.sleep(8)
    accepted_while_down = len(load.accepted) - before
    lantern.redis.start()
    assert first_answer_after(service) < RECOVERY_SECONDS
    time.sleep(4)
    load.stop()

    # Nothing needs Redis to keep a report: rate limits fail open, live updates are skipped.
    assert accepted_while_down > 0, load.statuses
    assert set(load.statuses) == {"201"}, load.statuses
    # And the new, empty Redis is in use again (rate-limit counters, cached answers).
    assert lantern.redis.key_count() > 0
    assert service.supervisor_alive()
    assert_every_report_kept(lantern, load)
    assert_every_referral_delivered_once_per_event(lantern, load)
