from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from api import problems
from api.views.metrics import metrics_view
from backend.staff_home import staff_home
from maps.pages import map_page
from moderation.console import console_catalog, console_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("moderation/console/", console_page, name="moderation-console"),
    path("moderation/console/catalog.js", console_catalog, name="moderation-console-catalog"),
    path("maps/", map_page, name="maps"),
    path("staff/", staff_home, name="staff-home"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("api.urls")),
]
if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.append(path("", include("benchmarks.urls")))

handler403 = problems.permission_denied_view
handler404 = problems.not_found_view
handler500 = problems.server_error_view
