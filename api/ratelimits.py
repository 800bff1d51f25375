"""Rate limits on the shared Redis cache (django-ratelimit), answered as 429 with Retry-After.

Every scope is counted on django-ratelimit's own keys and windows (its ``core`` helpers; the version is
bounded in pyproject.toml for that reason), several in one Redis round trip when a view checks more."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate
from redis.exceptions import RedisError

from api.client_address import client_ip_key
from api.problems import RateLimitExceeded

logger = logging.getLogger(__name__)

KeyFunction = Callable[[str, HttpRequest], str]


def _principal_key(group: str, request: HttpRequest) -> str:
    return f"{type(request.user).__name__}:{request.user.pk}"


BY_IP: KeyFunction = client_ip_key
BY_PRINCIPAL: KeyFunction = _principal_key


def rate_limit_enforce(request: HttpRequest, *, scope: str, key: KeyFunction) -> None:
    """Count this request in ``scope`` (a key of settings.RATE_LIMITS) and refuse it over the limit.

    When Redis is down the limit fails open, with a log line: losing a citizen's report is worse
    than letting a burst through.
    """
    rate_limits_enforce(request, [(scope, key)])


def rate_limits_enforce(request: HttpRequest, checks: Sequence[tuple[str, KeyFunction]]) -> None:
    """Count this request in several scopes at once and refuse it when any is over its limit.

    django-ratelimit's counters (keys, windows, expiry: ``get_usage`` reads the same ones), counted in one
    Redis round trip instead of two per scope: intake checks two scopes on every report. Fails open, with a
    log line, when Redis is down.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    counted = []
    for scope, key in checks:
        rate = settings.RATE_LIMITS.get(scope)
        if not rate:
            continue
        group = f"lantern.{scope}"
        limit, period = _split_rate(rate)
        value = key(group, request)
        window = _get_window(value, period)
        counted.append((limit, window, cache.make_key(_make_cache_key(group, window, rate, value, ALL)),
                        period + EXPIRATION_FUDGE))
    if not counted:
        return
    try:
        with cache._cache.get_client(write=True).pipeline(transaction=True) as pipeline:
            for _, _, cache_key, expiry in counted:
                # As the cache's add() then incr(): the first request of a window creates the counter.
                pipeline.set(cache_key, 0, ex=expiry, nx=True)
                pipeline.incr(cache_key)
            answers = pipeline.execute()
    except (RedisError, OSError) as exc:
        logger.warning("rate limits %s not checked, cache unavailable: %s", [scope for scope, _ in checks], exc)
        return
    now = int(time.time())
    for (limit, window, _, _), count in zip(counted, answers[1::2], strict=True):
        if count > limit > 0:
            raise RateLimitExceeded(retry_after=window - now)
