"""HTTP routes of the maps part, included by api/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from api.views import maps

# Path parts are plain strings here and validated by the views, so a bad month or tile coordinate
# answers a 400 problem that says which part is wrong, not a bare 404.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/maps/releases/", maps.ReleaseListView.as_view(), name="map-releases"),
    path("api/v1/maps/releases/<str:month>/<str:layer>.geojson", maps.ReleaseGeoJSONView.as_view(),
         name="map-release-geojson"),
    path("api/v1/maps/releases/<str:month>/<str:layer>.csv", maps.ReleaseCSVView.as_view(), name="map-release-csv"),
    path("api/v1/maps/tiles/<str:layer>/<str:month>/<str:z>/<str:x>/<str:y>.mvt", maps.TileView.as_view(),
         name="map-tile"),
]
