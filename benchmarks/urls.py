"""Included by backend/urls.py only when settings.BENCHMARK_ENDPOINTS is on."""

from __future__ import annotations

from django.urls import path

from benchmarks.views import BareCreateView

app_name = "benchmarks"

urlpatterns = [
    path("bench/bare/", BareCreateView.as_view(), name="bare"),
]
