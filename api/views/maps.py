"""Insecurity maps over HTTP: the list of releases, a release as GeoJSON or CSV, and vector tiles.

Authorities (API keys, possibly limited to jurisdictions) and analysts read them. Every request by a
known caller is rate limited and logged, whatever its answer.
"""

from __future__ import annotations

import abc
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import ApiKey
from api.permissions import HasRole, IsAuthority
from api.ratelimits import BY_PRINCIPAL, rate_limit_enforce
from api.replica_reads import ReadsFromReplica
from api.serializers.maps import ReleasePathSerializer, ReleaseSerializer, TilePathSerializer
from maps.models import Release
from maps.selectors import (
    MapViewer,
    release_csv_for,
    release_geojson_for,
    release_get,
    release_list,
    release_tile,
)
from maps.services import map_access_record

# Releases never change once published; the key's scope may, so caches stay private to the caller.
IMMUTABLE = "private, max-age=31536000, immutable"
MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


class AnyAccept(BaseContentNegotiation):
    """These endpoints answer one format each (errors in problem+json): a client's Accept header, such as
    a map library's, must not turn a tile into a 406."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


def _viewer(request: Request) -> MapViewer:
    if isinstance(request.user, ApiKey):
        ids = tuple(sorted(request.user.jurisdictions.values_list("id", flat=True)))
        # A key created without --jurisdiction sees the whole service area.
        return MapViewer(jurisdiction_ids=ids or None)
    return MapViewer()


class MapsView(ReadsFromReplica, APIView):
    permission_classes = [IsAuthority | HasRole("analyst")]
    content_negotiation_class = AnyAccept
    endpoint = "maps"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        rate_limit_enforce(request, scope="maps_principal", key=BY_PRINCIPAL)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Here rather than in the handlers, so that refusals (400, 403, 404, 429) are logged as well.
        # Unauthenticated requests have nobody to attribute them to, and logging them would let anyone
        # fill the table.
        response = super().finalize_response(request, response, *args, **kwargs)
        user = getattr(request, "_user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            is_key, is_staff = isinstance(user, ApiKey), isinstance(user, get_user_model())
            if is_key:
                principal = f"api-key:{user.name}"
            elif is_staff:
                principal = f"user:{user.get_username()}"
            else:
                principal = f"{type(user).__name__.lower()}:{user.pk}"
            map_access_record(
                principal=principal, endpoint=self.endpoint, params={k: str(v) for k, v in kwargs.items()},
                status=response.status_code, api_key_id=user.pk if is_key else None,
                user_id=user.pk if is_staff else None,
            )
        return response

    def release(
        self, serializer_class: type[ReleasePathSerializer], kwargs: dict[str, Any], *, files: bool = True
    ) -> tuple[Release, Any]:
        path = serializer_class(data=kwargs)
        path.is_valid(raise_exception=True)
        try:
            release = release_get(
                month=path.validated_data["month"], layer=path.validated_data["layer"], files=files
            )
        except Release.DoesNotExist as exc:
            raise exceptions.NotFound() from exc
        return release, path.validated_data


def _immutable(response: HttpResponse, *, etag: str) -> HttpResponse:
    response["Cache-Control"] = IMMUTABLE
    response["ETag"] = f'"{etag}"'
    response["Vary"] = "Authorization, Cookie"
    return response


def _not_modified(request: Request, etag: str) -> bool:
    """RFC 9110's If-None-Match: a list of tags or ``*``, compared weakly (a proxy that compressed the body
    may have turned the tag into ``W/"…"``)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return tags == ["*"] or any(tag.removeprefix("W/") == f'"{etag}"' for tag in tags)


class ReleaseListView(MapsView):
    endpoint = "releases"

    @extend_schema(responses=ReleaseSerializer(many=True), tags=["maps"])
    def get(self, request: Request) -> Response:
        response = Response(ReleaseSerializer(release_list(), many=True).data)
        response["Cache-Control"] = "private, max-age=300"
        return response


class ReleaseFileView(MapsView, abc.ABC):
    content_type = ""
    suffix = ""

    @abc.abstractmethod
    def payload(self, release: Release, viewer: MapViewer) -> bytes:
        """The stored bytes of the release in this format, cut to the viewer's jurisdictions."""

    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        release, _path = self.release(ReleasePathSerializer, kwargs)
        viewer = _viewer(request)
        # The stored hash names the full release; a key limited to places gets its own cut, so its own tag.
        tag = release.content_hash + (f"-j{'.'.join(map(str, viewer.jurisdiction_ids or ()))}"
                                      if viewer.restricted else "") + f"-{self.suffix}"
        if _not_modified(request, tag):
            return _immutable(HttpResponse(status=304), etag=tag)
        response = HttpResponse(self.payload(release, viewer), content_type=self.content_type)
        response["Content-Disposition"] = (
            f'inline; filename="lantern-{release.layer}-{release.month_label}.{self.suffix}"'
        )
        return _immutable(response, etag=tag)


class ReleaseGeoJSONView(ReleaseFileView):
    endpoint = "geojson"
    content_type = "application/geo+json"
    suffix = "geojson"

    def payload(self, release: Release, viewer: MapViewer) -> bytes:
        return release_geojson_for(release, viewer)

    @extend_schema(responses={(200, "application/geo+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection, one hexagon per published cell")}, tags=["maps"])
    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        return super().get(request, **kwargs)


class ReleaseCSVView(ReleaseFileView):
    endpoint = "csv"
    content_type = "text/csv; charset=utf-8; header=present"
    suffix = "csv"

    def payload(self, release: Release, viewer: MapViewer) -> bytes:
        return release_csv_for(release, viewer)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR,
                                                                 description="CSV, one row per cell")}, tags=["maps"])
    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        return super().get(request, **kwargs)


class TileView(MapsView):
    endpoint = "tile"

    @extend_schema(responses={(200, MVT_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY,
                                                                       description="Mapbox vector tile")},
                   tags=["maps"])
    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        release, path = self.release(TilePathSerializer, kwargs, files=False)
        viewer = _viewer(request)
        tag = f"{release.content_hash[:32]}-{path['z']}-{path['x']}-{path['y']}" + (
            f"-j{'.'.join(map(str, viewer.jurisdiction_ids or ()))}" if viewer.restricted else ""
        )
        # The tag names the release, the tile and the viewer's cut: a match needs no tile at all.
        if _not_modified(request, tag):
            return _immutable(HttpResponse(status=304), etag=tag)
        tile = release_tile(release=release, z=path["z"], x=path["x"], y=path["y"], viewer=viewer)
        return _immutable(HttpResponse(tile, content_type=MVT_CONTENT_TYPE), etag=tag)
