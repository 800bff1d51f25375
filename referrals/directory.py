"""The partner directory, kept per process: who serves which place and which categories.

Routing runs on every report with consent, and asked PostgreSQL three to five questions each time (the
jurisdictions containing the point, the partners of each kind serving them, a fallback by name). Partners
and jurisdictions change a few times a year, by an administrator, so each process keeps a snapshot with
prepared boundaries and routes in memory.

A snapshot is dropped when a partner, a jurisdiction or their links are changed in this process (at once and
again when the transaction commits), and in every process after ``REFERENCE_CACHE_SECONDS`` (30 s by
default; 0 turns the cache off). Delivery never relies on it: a job reads its partner from the database.
Records are shared between threads: they are read, never changed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction

from referrals.models import Jurisdiction, Partner

_lock = threading.Lock()
_held: tuple[float, Directory] | None = None


@dataclass(frozen=True)
class Listing:
    """An active partner, the jurisdictions it serves, and the categories it handles (empty: all)."""

    partner: Partner
    jurisdiction_ids: frozenset[int]
    category_ids: frozenset[int]

    def handles(self, category_id: int) -> bool:
        return not self.category_ids or category_id in self.category_ids


@dataclass(frozen=True)
class Directory:
    # (jurisdiction id, prepared boundary), smallest area first, then by name: the most specific first.
    jurisdictions: tuple[tuple[int, Any], ...] = ()
    listings: tuple[Listing, ...] = ()
    # GEOS builds a prepared geometry's index lazily, on first use, which two threads must not do at once.
    _guard: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def jurisdictions_containing(self, point: Point) -> list[int]:
        """Ids of the jurisdictions containing ``point``, the most specific first."""
        with self._guard:
            return [pk for pk, prepared in self.jurisdictions if prepared.contains(point)]

    def serving(self, *, kind: str, category_id: int, jurisdiction_ids: list[int]) -> list[tuple[Partner, int]]:
        """Active partners of ``kind`` that handle the category, once per jurisdiction of ``jurisdiction_ids``
        they serve."""
        return [
            (listing.partner, pk)
            for listing in self.listings
            if listing.partner.kind == kind and listing.handles(category_id)
            for pk in jurisdiction_ids
            if pk in listing.jurisdiction_ids
        ]

    def active_named(self, *, name: str, kind: str) -> Partner | None:
        return next(
            (listing.partner for listing in self.listings
             if listing.partner.name == name and listing.partner.kind == kind),
            None,
        )


def _load() -> Directory:
    jurisdictions = sorted(Jurisdiction.objects.all(), key=lambda j: (j.boundary.area, j.name))
    partners = Partner.objects.filter(is_active=True).prefetch_related("jurisdictions", "categories")
    return Directory(
        jurisdictions=tuple((j.pk, j.boundary.prepared) for j in jurisdictions),
        listings=tuple(
            Listing(
                partner=partner,
                jurisdiction_ids=frozenset(j.pk for j in partner.jurisdictions.all()),
                category_ids=frozenset(c.pk for c in partner.categories.all()),
            )
            for partner in partners
        ),
    )


def partner_directory() -> Directory:
    global _held
    ttl = settings.REFERENCE_CACHE_SECONDS
    now = time.monotonic()
    held = _held
    if held is not None and now - held[0] < ttl:
        return held[1]
    directory = _load()
    if ttl > 0:
        with _lock:
            _held = (now, directory)
    return directory


def partner_directory_forget(**_: Any) -> None:
    """Drop this process's snapshot, now and when the current transaction (if any) commits."""
    _forget_now()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_now)


def _forget_now() -> None:
    global _held
    with _lock:
        _held = None
