"""Django's Redis cache with one connection pool, and one client, per process.

Django keeps a cache backend per async context, and under ASGI every request runs in a new one: with the
stock backend each request built a fresh Redis client and pool and opened a new TCP connection (measured
at about 2.4 ms of the intake's time, twice per report for the two rate limits). redis-py's pools are
thread-safe, so every backend instance of a process shares one.

The stock client also builds a new ``redis.Redis`` object for every cache call (``get_client``), and
redis-py's constructor fills a dictionary of about 170 response callbacks each time: 0.7 ms of CPU per
call here, four calls per report for the two rate limits. A ``redis.Redis`` is thread-safe and holds no
connection of its own, so one per pool is kept.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[Any, ...], RedisCacheClient] = {}
_lock = threading.Lock()


# Django's incr asks EXISTS, then INCRBY: two round trips (each rate limit makes one incr per request), and
# a key expiring between the two would come back without a time-to-live. One script does both atomically.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""


class SharedRedisCacheClient(RedisCacheClient):
    """``RedisCacheClient`` that reuses one ``redis.Redis`` per connection pool, and increments in one
    round trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, Any] = {}
        self._incr_script: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            with _lock:
                client = self._redis_clients.get(index)
                if client is None:
                    if index not in self._pools:
                        self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = self._redis_clients[index] = self._client(connection_pool=self._pools[index])
        return client

    def incr(self, key: Any, delta: int) -> int:
        client = self.get_client(key, write=True)
        script = self._incr_script.get(id(client))
        if script is None:
            script = self._incr_script[id(client)] = client.register_script(_INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), tuple(sorted((k, repr(v)) for k, v in self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
