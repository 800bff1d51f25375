"""Read replicas: which reads ``DATABASE_REPLICA_URL``'s database may serve, and when the primary must.

Nothing is guessed from a URL or a method. A view that answers public, read-only data which may be a few
seconds old opens ``replica_reads()`` around its work (api/replica_reads.py); every other read, and every
write, goes to the primary. Inside such a scope the primary still serves:

- everything after the scope's first write, and everything inside a transaction on the primary: what was
  just written is read back from where it was written;
- everything, when the replica is further behind than ``REPLICA_MAX_LAG_SECONDS`` or does not answer;
- a lookup by id that the replica did not find (``found_on_primary_if_missing``): a request for something
  just created elsewhere must not answer 404 because the replica has not replayed it yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

# How long one process trusts its last look at the replica's lag: one query per second, not per request.
_LAG_CHECK_SECONDS = 1.0

# Behind by the time since the last replayed transaction when WAL is waiting to be replayed; 0 when all
# that was received is replayed (an idle primary sends nothing, and the replica is then current).
_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class _Scope:
    replica: bool


_scope: ContextVar[_Scope | None] = ContextVar("lantern_replica_scope", default=None)
_lag_lock = threading.Lock()
_lag_seen: dict[str, float] = {}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_current() -> bool:
    """Whether the replica is within REPLICA_MAX_LAG_SECONDS of the primary (looked at once a second)."""
    now = time.monotonic()
    with _lag_lock:
        if now - _lag_seen.get("at", -_LAG_CHECK_SECONDS) < _LAG_CHECK_SECONDS:
            return _lag_seen["lag"] <= settings.REPLICA_MAX_LAG_SECONDS
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        logger.warning("replica unavailable, reading from the primary: %s", exc)
        lag = float("inf")
    with _lag_lock:
        _lag_seen.update(at=time.monotonic(), lag=lag)
    return lag <= settings.REPLICA_MAX_LAG_SECONDS


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may come from the replica (see the module's rules); without a replica, a no-op."""
    token = _scope.set(_Scope(replica=replica_configured() and _replica_current()))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside come from the primary, even within ``replica_reads()``."""
    token = _scope.set(_Scope(replica=False))
    try:
        yield
    finally:
        _scope.reset(token)


def reading_from_replica() -> bool:
    scope = _scope.get()
    return scope is not None and scope.replica and not connections[PRIMARY].in_atomic_block


def found_on_primary_if_missing[T](lookup: Callable[[], T], *missing: type[Exception]) -> T:
    """``lookup()``; if the replica answered and found nothing, ``lookup()`` again on the primary."""
    try:
        return lookup()
    except missing:
        if not reading_from_replica():
            raise
    with primary_reads():
        return lookup()


class ReplicaRouter:
    """Django's database router: the replica only inside ``replica_reads()``, never for writes."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return REPLICA if reading_from_replica() else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        scope = _scope.get()
        if scope is not None:
            # Read-your-writes: the rest of this scope reads where it wrote.
            scope.replica = False
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases hold the same rows: objects read from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A streaming replica is read-only and follows the primary's schema by itself.
        return False if db == REPLICA else None
