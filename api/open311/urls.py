"""Routes of the Open311 GeoReport v2 server, under /open311/v2/: every document as ``.json`` or ``.xml``."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from api.open311 import views

_V2 = r"^open311/v2/"
_FORMAT = r"\.(?P<suffix>json|xml)$"

urlpatterns: list[URLPattern] = [
    re_path(_V2 + r"discovery" + _FORMAT, views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(_V2 + r"services" + _FORMAT, views.ServiceListView.as_view(), name="open311-services"),
    re_path(_V2 + r"services/(?P<service_code>[^/]+)" + _FORMAT, views.ServiceDefinitionView.as_view(),
            name="open311-service"),
    re_path(_V2 + r"requests" + _FORMAT, views.RequestCollectionView.as_view(), name="open311-requests"),
    re_path(_V2 + r"requests/(?P<service_request_id>[^/]+)" + _FORMAT, views.RequestDetailView.as_view(),
            name="open311-request"),
    re_path(_V2 + r"tokens/(?P<token>[^/]+)" + _FORMAT, views.TokenView.as_view(), name="open311-token"),
    # Anything else under the prefix (other formats, typos) answers the standard's 404, not an HTML page,
    # in XML when the path asks for XML.
    re_path(_V2 + r"(?P<rest>.*?)(?:\.(?P<suffix>xml))?$", views.NotFoundView.as_view(), name="open311-not-found"),
]
