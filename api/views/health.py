"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    probe = secrets.token_hex(4)
    cache.set("health:probe", probe, timeout=10)
    if cache.get("health:probe") != probe:
        raise RuntimeError("cache did not return what was stored")


def _channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def roundtrip() -> None:
        channel = await layer.new_channel("health.")
        await layer.send(channel, {"type": "health.probe"})
        message = await layer.receive(channel)
        if message.get("type") != "health.probe":
            raise RuntimeError("channel layer returned another message")

    async_to_sync(roundtrip)()


_CHECKS = {"database": _database, "cache": _cache, "channel_layer": _channel_layer}


class HealthView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: {"type": "object", "example": {"status": "ok", "checks": {"database": "ok"}}}},
        tags=["operations"],
    )
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        for name, check in _CHECKS.items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                logger.warning("health check %s failed: %s", name, exc)
                checks[name] = "unavailable"
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "ok" if healthy else "degraded", "checks": checks}
        if not healthy:
            body.update(
                {"type": "urn:lantern:problem:unhealthy", "title": "Service unavailable", "status": 503,
                 "detail": "A backing service does not answer: " + ", ".join(
                     name for name, value in checks.items() if value != "ok")}
            )
            return Response(body, status=503, content_type="application/problem+json")
        return Response(body, headers={"Cache-Control": "no-store"})
