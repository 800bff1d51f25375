"""Websocket routes. Each part adds its consumers here as they are built (see ARCHITECTURE.md)."""

from __future__ import annotations

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
