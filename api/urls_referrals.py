"""HTTP routes of the referrals part, included by api/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
