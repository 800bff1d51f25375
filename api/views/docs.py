"""The API reference pages, served from this server only (no CDN, no web fonts): they work offline."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response

# Redoc's sidebar shows a logo from its makers' CDN; the browser is told not to fetch it (nor any other
# outside image, font or data), so reading the docs reaches no third party.
_SAME_ORIGIN_ONLY = "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"


class OfflineRedocView(SpectacularRedocView):
    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = _SAME_ORIGIN_ONLY
        return response
