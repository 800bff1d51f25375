"""Rate limits on the shared Redis cache (django-ratelimit), answered as 429 with Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
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
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    try:
        usage = get_usage(request, group=f"lantern.{scope}", key=key, rate=rate, increment=True)
    except (RedisError, OSError) as exc:
        logger.warning("rate limit %s not checked, cache unavailable: %s", scope, exc)
        return
    if usage and usage["should_limit"] and usage["limit"] > 0:
        raise RateLimitExceeded(retry_after=usage["time_left"])
