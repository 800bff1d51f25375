from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import urls_alerts, urls_maps, urls_referrals
from api.views import devices, docs, health, moderation, places, reports

app_name = "api"

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("api/redoc/", docs.OfflineRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("api/v1/health/", health.HealthView.as_view(), name="health"),
    path("api/v1/categories/", places.CategoryListView.as_view(), name="categories"),
    path("api/v1/service-area/", places.ServiceAreaView.as_view(), name="service-area"),
    path("api/v1/devices/", devices.DeviceRegisterView.as_view(), name="devices"),
    path("api/v1/devices/<str:device_id>/", devices.DeviceDetailView.as_view(), name="device"),
    path("api/v1/reports/", reports.ReportCollectionView.as_view(), name="reports"),
    path("api/v1/reports/preview/", moderation.ReportPreviewView.as_view(), name="report-preview"),
    path("api/v1/reports/<str:report_id>/", reports.ReportDetailView.as_view(), name="report"),
    path("api/v1/reports/<str:report_id>/appeal/", moderation.AppealView.as_view(), name="report-appeal"),
    path("api/v1/moderation/check/", moderation.ModerationCheckView.as_view(), name="moderation-check"),
    path("api/v1/moderation/queue/", moderation.QueueView.as_view(), name="moderation-queue"),
    path("api/v1/moderation/reports/<str:report_id>/", moderation.CaseDetailView.as_view(), name="case"),
    path("api/v1/moderation/reports/<str:report_id>/claim/", moderation.ClaimView.as_view(), name="case-claim"),
    path("api/v1/moderation/reports/<str:report_id>/decision/", moderation.DecisionView.as_view(),
         name="case-decision"),
    path("api/v1/moderation/reports/<str:report_id>/photos/<int:index>/", moderation.CasePhotoView.as_view(),
         name="case-photo"),
    path("api/v1/transparency/", moderation.TransparencyView.as_view(), name="transparency"),
]

urlpatterns += urls_alerts.urlpatterns + urls_referrals.urlpatterns + urls_maps.urlpatterns
