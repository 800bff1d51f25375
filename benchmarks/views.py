"""The baseline: what a plain DRF create endpoint on PostGIS costs on this machine.

No authentication, no rate limits, no service-area lookup, no idempotency: only parsing, a
ModelSerializer's validation, one INSERT and rendering. ``benchmarks/intake.py`` divides the real
intake's throughput by this one's.
"""

from __future__ import annotations

from typing import Any

from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework_gis.fields import GeometryField

from benchmarks.models import BenchReport


class BenchReportSerializer(serializers.ModelSerializer):
    location = GeometryField()

    class Meta:
        model = BenchReport
        fields = [
            "id", "kind", "category", "description", "location", "accuracy_m", "occurred_at",
            "consent_police", "consent_victim_support", "consent_public_alert", "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class BareCreateView(generics.CreateAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = BenchReportSerializer
    queryset = BenchReport.objects.all()
