"""The views whose GET answers the read replica may serve: public, read-only, and fine a few seconds old.

A view opts in by naming ``ReadsFromReplica`` first among its bases; nothing else ever reads from the
replica (kernel/replicas.py holds the rules, including when the primary answers anyway).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase

from kernel.replicas import primary_reads, replica_reads

_READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadsFromReplica:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in _READ_ONLY:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with replica_reads():
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def perform_authentication(self, request: Any) -> None:
        # Keys and accounts are read from the primary: one issued a moment ago must work at once.
        with primary_reads():
            super().perform_authentication(request)  # type: ignore[misc]
