"""Redis (cache, rate limits, channel layer) is killed under load, then started again empty."""

from __future__ import annotations

import time

from tests.faults.outcomes import assert_every_referral_delivered_once_per_event, assert_every_report_kept
from tests.faults.stack import RECOVERY_SECONDS, ReportLoad, first_answer_after, wait_until


def test_it_keeps_accepting_reports_while_redis_is_down_and_uses_it_again_when_it_is_back(lantern):
    service = lantern.start()
    load = ReportLoad(service.base_url).start()
    time.sleep(3)
    lantern.redis.kill()
    before = len(load.accepted)
    time.sleep(8)
    accepted_while_down = len(load.accepted) - before
    health_while_down = service.health()
    lantern.redis.start()
    assert first_answer_after(service) < RECOVERY_SECONDS
    assert wait_until(lambda: service.health() == 200, seconds=RECOVERY_SECONDS)
    time.sleep(4)
    load.stop()

    # Nothing needs Redis to keep a report: rate limits fail open, live updates are skipped.
    assert accepted_while_down > 0, load.statuses
    assert set(load.statuses) == {"201"}, load.statuses
    # Only the health check tells: a load balancer may take the instance out until Redis is back.
    assert health_while_down == 503
    # And the new, empty Redis is in use again (rate-limit counters, cached answers).
    assert lantern.redis.key_count() > 0
    assert service.supervisor_alive()
    assert_every_report_kept(lantern, load)
    assert_every_referral_delivered_once_per_event(lantern, load)
