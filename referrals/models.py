"""The directory of places that police and victim-support partners serve."""

from __future__ import annotations

from django.contrib.gis.db import models


class Jurisdiction(models.Model):
    class Kind(models.TextChoices):
        POLICE_AREA = "police_area", "Police area"
        MUNICIPALITY = "municipality", "Municipality"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
