"""A table shaped like ``alerts.Report``'s core columns, so the bare endpoint writes a comparable row."""

from __future__ import annotations

from django.contrib.gis.db import models


class BenchReport(models.Model):
    """What a citizen's report stores, minus everything Lantern adds around it (device, district,
    moderation status, emergency flag). Only ``benchmarks/intake.py`` writes here, and it empties the
    table when it is done."""

    kind = models.CharField(max_length=12)
    category = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    # Spatial index on, as on Report.location: the insert pays for the same GiST maintenance.
    location = models.PointField(srid=4326)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    consent_police = models.BooleanField(default=False)
    consent_victim_support = models.BooleanField(default=False)
    consent_public_alert = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"bench {self.kind} {self.category} {self.pk}"
