"""Reference data every report reads, kept per process: the categories, the service area and its districts.

They change a few times a year, by an administrator, yet intake looked each of them up on every report
(three queries, with the point-in-polygon tests in PostgreSQL). Each process now keeps a snapshot with
prepared geometries, so that the place of a report is found in microseconds.

A snapshot is dropped when one of its records is saved or deleted in this process (at once and again when
the transaction commits, so that a reader in between cannot keep a stale copy), and in every process after
``REFERENCE_CACHE_SECONDS`` (30 s by default; 0 turns the cache off): an administrator's change reaches all
workers within that time. Records are shared between threads: they are read, never changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction

from reports.models import Category, District, ServiceArea

_lock = threading.Lock()
_snapshots: dict[str, tuple[float, Any]] = {}


def _snapshot[T](name: str, load: Callable[[], T]) -> T:
    ttl = settings.REFERENCE_CACHE_SECONDS
    now = time.monotonic()
    held = _snapshots.get(name)
    if held is not None and now - held[0] < ttl:
        return held[1]
    value = load()
    if ttl > 0:
        with _lock:
            _snapshots[name] = (now, value)
    return value


def reference_forget(**_: Any) -> None:
    """Drop every snapshot of this process, now and when the current transaction (if any) commits."""
    with _lock:
        _snapshots.clear()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_now)


def _forget_now() -> None:
    with _lock:
        _snapshots.clear()


# --- categories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taxonomy:
    """The active categories by code."""

    by_code: dict[str, Category]

    @property
    def insecurity_codes(self) -> frozenset[str]:
        return frozenset(code for code, c in self.by_code.items() if c.group == Category.Group.INSECURITY)


def reference_categories() -> Taxonomy:
    def load() -> Taxonomy:
        return Taxonomy({c.code: c for c in Category.objects.filter(is_active=True).order_by("position", "code")})

    return _snapshot("categories", load)


# --- places ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    record: Any
    prepared: Any  # GEOS PreparedGeometry


@dataclass(frozen=True)
class Places:
    """The active service area and its districts, with prepared boundaries."""

    service_area: ServiceArea | None
    _area: _Shape | None = None
    _districts: tuple[_Shape, ...] = ()
    # GEOS builds a prepared geometry's index lazily, on first use, which two threads must not do at once.
    _guard: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def service_area_containing(self, point: Point) -> ServiceArea | None:
        if self._area is None:
            return None
        with self._guard:
            return self.service_area if self._area.prepared.contains(point) else None

    def district_containing(self, point: Point) -> District | None:
        with self._guard:
            return next((shape.record for shape in self._districts if shape.prepared.contains(point)), None)


def reference_places() -> Places:
    def load() -> Places:
        area = ServiceArea.objects.filter(is_active=True).first()
        if area is None:
            return Places(service_area=None)
        # Ordered as the query it replaces would have found them: the first district that contains a point.
        districts = District.objects.filter(service_area=area).order_by("pk")
        return Places(
            service_area=area,
            _area=_Shape(area, area.boundary.prepared),
            _districts=tuple(_Shape(d, d.boundary.prepared) for d in districts),
        )

    return _snapshot("places", load)
