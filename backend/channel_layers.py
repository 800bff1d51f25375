"""The channel layer: channels_redis's, with sockets that outlive a Redis restart, plus a group send for a thread
without an event loop.

**Through a Redis restart.** channels_redis 4.3 lets a lost Redis connection escape from ``receive``: every
socket's consumer then dies (the client sees 1006, no close frame), and Redis forgets, if it restarts without
its data, which sockets were in which group. Here ``receive`` waits out the outage instead (backoff from
``RECEIVE_RETRY_FIRST_SECONDS`` to ``RECEIVE_RETRY_MAX_SECONDS``), and the layer remembers the groups of its
process's own channels: before the process next reads Redis, every membership is written again. A group joined
or left while Redis is unreachable is written then too. The same rewrite runs every half ``group_expiry``
(a day by default), so a socket open for longer does not drop out of its groups.

Every held report tells the moderators' queue group (``case.new``), usually with no console open, from the one
thread per process that sends live events (kernel/live.py). Through asyncio a send cost that thread about
0.6 ms of CPU, most of it the event loop's own work. ``group_send_blocking`` does what channels_redis's
``group_send`` does (4.3: the same keys, the same messages, the same script) with redis-py's synchronous client,
and drops the group's expired members and reads the rest in one pipelined round trip instead of two: about
0.15 ms. Every other send (alerts' events, the consoles) is channels_redis's own ``group_send``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from typing import Any

import redis
from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

logger = logging.getLogger("channels_redis.core")

# What Redis going away, restarting or not answering looks like from redis-py 8 (BusyLoadingError, a Redis
# still loading its data after a restart, is a ConnectionError).
REDIS_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
RECEIVE_RETRY_FIRST_SECONDS = 0.25
RECEIVE_RETRY_MAX_SECONDS = 5.0
# A host given without a read timeout gets this one: redis-py 8's default (5 s) equals channels_redis's blocking
# pop, and a read cut at the moment Redis hands over a message loses that message.
DEFAULT_READ_TIMEOUT_SECONDS = 30

# Sends a message to each channel of a group that is under its capacity (channels_redis's script, unchanged).
_GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


class RedisChannelLayer(BaseRedisChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hosts = [dict(host) for host in self.hosts]  # the settings' own dicts stay as they are
        for host in self.hosts:
            timeout = host.setdefault("socket_timeout", DEFAULT_READ_TIMEOUT_SECONDS)
            if timeout is not None and timeout <= self.brpop_timeout:
                raise ValueError(f"the channel layer's socket_timeout ({timeout} s) must outlast its "
                                 f"{self.brpop_timeout} s blocking pop")
        self._blocking_clients: dict[tuple[int, float], redis.Redis] = {}
        self._blocking_lock = threading.Lock()
        # The groups of this process's own channels (its sockets), and the groups left while Redis was unreachable.
        self._groups_of: dict[str, set[str]] = {}
        self._left_unwritten: dict[str, set[str]] = {}
        self._rewrite_needed = False
        self._rewritten_at = time.monotonic()

    async def receive(self, channel: str) -> dict[str, Any]:
        """The next message of ``channel``, however long Redis is away meanwhile."""
        delay = RECEIVE_RETRY_FIRST_SECONDS
        try:
            while True:
                try:
                    return await super().receive(channel)
                except REDIS_UNREACHABLE as exc:
                    self._redis_lost(exc)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # a process's sockets do not retry in step
                delay = min(delay * 2, RECEIVE_RETRY_MAX_SECONDS)
        except asyncio.CancelledError:
            # The socket's consumer is gone (after its disconnect() has left its groups, when that ran at all).
            self._groups_of.pop(channel, None)
            raise

    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> Any:
        # Every blocking read of the process passes here, whichever socket's receive() holds the read lock: the
        # memberships are written back before the process listens again, not when some socket next hears a message.
        if self._rewrite_needed or time.monotonic() - self._rewritten_at > self.group_expiry / 2:
            await self._memberships_write()
        return await super()._brpop_with_clean(index, channel, timeout)

    async def group_add(self, group: str, channel: str) -> None:
        if not self._is_own(channel):
            await super().group_add(group, channel)
            return
        self._groups_of.setdefault(channel, set()).add(group)
        self._left_unwritten.get(channel, set()).discard(group)
        try:
            await super().group_add(group, channel)
        except REDIS_UNREACHABLE as exc:
            self._redis_lost(exc)  # written when Redis answers again; the socket stays open meanwhile

    async def group_discard(self, group: str, channel: str) -> None:
        if not self._is_own(channel):
            await super().group_discard(group, channel)
            return
        groups = self._groups_of.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self._groups_of[channel]
        try:
            await super().group_discard(group, channel)
        except REDIS_UNREACHABLE as exc:
            self._left_unwritten.setdefault(channel, set()).add(group)
            self._redis_lost(exc)

    def _is_own(self, channel: str) -> bool:
        return "!" in channel and self.non_local_name(channel).endswith(self.client_prefix + "!")

    def _redis_lost(self, exc: BaseException) -> None:
        if not self._rewrite_needed:
            logger.warning("channel layer: Redis unreachable (%s); sockets stay open and rejoin their groups "
                           "when it answers again", exc)
        self._rewrite_needed = True

    async def _memberships_write(self) -> None:
        """Write every membership of the process's channels, and the departures Redis missed, in one round trip
        per Redis host."""
        self._rewrite_needed = False  # before any await: one coroutine writes, the others go on listening
        joined: dict[str, dict[str, float]] = {}
        now = time.time()
        for channel, groups in self._groups_of.items():
            for group in groups:
                joined.setdefault(group, {})[channel] = now
        left: dict[str, list[str]] = {}
        for channel, groups in self._left_unwritten.items():
            for group in groups:
                left.setdefault(group, []).append(channel)
        written_departures = {channel: set(groups) for channel, groups in self._left_unwritten.items()}
        try:
            pipelines: dict[int, Any] = {}
            for group in joined.keys() | left.keys():
                index = self.consistent_hash(group)
                if index not in pipelines:
                    pipelines[index] = self.connection(index).pipeline(transaction=False)
                key = self._group_key(group)
                if group in left:
                    pipelines[index].zrem(key, *left[group])
                if group in joined:
                    pipelines[index].zadd(key, joined[group])
                    pipelines[index].expire(key, self.group_expiry)
            for pipe in pipelines.values():
                await pipe.execute()
        except BaseException:
            self._rewrite_needed = True
            raise
        for channel, groups in written_departures.items():
            remaining = self._left_unwritten.get(channel, set()) - groups
            if remaining:
                self._left_unwritten[channel] = remaining
            else:
                self._left_unwritten.pop(channel, None)
        self._rewritten_at = time.monotonic()
        if joined:
            logger.info("channel layer: %d sockets' group memberships written to Redis", len(self._groups_of))

    @property
    def sends_blocking(self) -> bool:
        """Whether ``group_send_blocking`` can reach every host (not through Redis Sentinel)."""
        return not any("master_name" in host for host in self.hosts)

    def group_send_blocking(self, group: str, message: dict[str, Any], *, timeout: float) -> None:
        """``group_send`` from a thread without an event loop, each Redis call bounded by ``timeout`` seconds."""
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        connection = self._blocking_client(self.consistent_hash(group), timeout)
        pipe = connection.pipeline(transaction=False)
        pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
        pipe.zrange(key, 0, -1)
        _, members = pipe.execute()
        if not members:
            return
        channel_names = [member.decode("utf8") for member in members]
        connection_to_channel_keys, channel_keys_to_message, channel_keys_to_capacity = (
            self._map_channel_keys_to_connection(channel_names, message)
        )
        for connection_index, channel_redis_keys in connection_to_channel_keys.items():
            # The channels' own Redis (with several hosts, not always the group's): old messages go first.
            connection = self._blocking_client(connection_index, timeout)
            pipe = connection.pipeline()
            for channel_key in channel_redis_keys:
                pipe.zremrangebyscore(channel_key, min=0, max=int(time.time()) - int(self.expiry))
            pipe.execute()
            over_capacity = connection.eval(
                _GROUP_SEND_LUA, len(channel_redis_keys), *channel_redis_keys,
                *(channel_keys_to_message[channel_key] for channel_key in channel_redis_keys),
                *(channel_keys_to_capacity[channel_key] for channel_key in channel_redis_keys),
                time.time(), self.expiry,
            )
            if over_capacity > 0:
                logger.info("%s of %s channels over capacity in group %s", over_capacity, len(channel_names), group)

    def _blocking_client(self, index: int, timeout: float) -> redis.Redis:
        with self._blocking_lock:
            client = self._blocking_clients.get((index, timeout))
            if client is None:
                host = dict(self.hosts[index])
                address = host.pop("address", None)
                options = {**host, "socket_timeout": timeout, "socket_connect_timeout": timeout}
                client = redis.Redis.from_url(address, **options) if address else redis.Redis(**options)
                self._blocking_clients[(index, timeout)] = client
            return client
