"""HTTP routes of the alerts part, included by api/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from api.views import alerts

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/alerts/", alerts.AlertListView.as_view(), name="alerts"),
    path("api/v1/alerts/settings/", alerts.AlertSettingsView.as_view(), name="alert-settings"),
    path("api/v1/alerts/<str:alert_id>/", alerts.AlertDetailView.as_view(), name="alert"),
    path("api/v1/subscriptions/", alerts.SubscriptionCollectionView.as_view(), name="subscriptions"),
    path("api/v1/subscriptions/<str:subscription_id>/", alerts.SubscriptionDetailView.as_view(), name="subscription"),
]
