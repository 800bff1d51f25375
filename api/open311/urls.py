"""Routes of the Open311 GeoReport v2 server, under /open311/v2/ (JSON only)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from api.open311 import views

urlpatterns: list[URLPattern] = [
    path("open311/v2/discovery.json", views.DiscoveryView.as_view(), name="open311-discovery"),
    path("open311/v2/services.json", views.ServiceListView.as_view(), name="open311-services"),
    path("open311/v2/services/<str:service_code>.json", views.ServiceDefinitionView.as_view(),
         name="open311-service"),
    path("open311/v2/requests.json", views.RequestCollectionView.as_view(), name="open311-requests"),
    path("open311/v2/requests/<str:service_request_id>.json", views.RequestDetailView.as_view(),
         name="open311-request"),
    path("open311/v2/tokens/<str:token>.json", views.TokenView.as_view(), name="open311-token"),
    # Anything else under the prefix (.xml formats, typos) answers the standard's 404, not an HTML page.
    re_path(r"^open311/v2/(?P<rest>.*)$", views.NotFoundView.as_view(), name="open311-not-found"),
]
