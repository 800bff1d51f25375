"""The Redis cache every process shares: rate-limit counters and idempotency records live there."""

from __future__ import annotations

import pytest
from django.core.cache import cache


def test_incr_counts_up_an_existing_key_in_one_step():
    cache.set("counter", 1, timeout=60)
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 5) == 7
    assert cache.get("counter") == 7


def test_incr_refuses_a_missing_key_instead_of_creating_one_that_never_expires():
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    assert cache.get("never-set") is None


def test_incr_keeps_the_time_to_live():
    cache.set("windowed", 1, timeout=60)
    cache.incr("windowed")
    ttl = cache._cache.get_client("windowed").ttl(cache.make_and_validate_key("windowed"))
    assert 0 < ttl <= 60


def test_every_call_reuses_one_redis_client():
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
