from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.views import devices, health, places, reports

app_name = "api"

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("api/v1/health/", health.HealthView.as_view(), name="health"),
    path("api/v1/categories/", places.CategoryListView.as_view(), name="categories"),
    path("api/v1/service-area/", places.ServiceAreaView.as_view(), name="service-area"),
    path("api/v1/devices/", devices.DeviceRegisterView.as_view(), name="devices"),
    path("api/v1/devices/<str:device_id>/", devices.DeviceDetailView.as_view(), name="device"),
    path("api/v1/reports/", reports.ReportCollectionView.as_view(), name="reports"),
    path("api/v1/reports/<str:report_id>/", reports.ReportDetailView.as_view(), name="report"),
]
