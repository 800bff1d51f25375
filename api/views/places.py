"""Public reference data: the category taxonomy and the service area."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.replica_reads import ReadsFromReplica
from api.serializers.places import CategorySerializer, service_area_feature
from reports.errors import NoServiceArea
from reports.selectors import category_list, service_area_active


class PublicView(ReadsFromReplica, APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class CategoryListView(PublicView):
    @extend_schema(responses=CategorySerializer(many=True), tags=["reference"])
    def get(self, request: Request) -> Response:
        response = Response(CategorySerializer(category_list(), many=True).data)
        response["Cache-Control"] = "public, max-age=300"
        response["Vary"] = "Accept-Language"
        return response


class ServiceAreaView(PublicView):
    @extend_schema(responses={(200, "application/geo+json"): {"type": "object", "description": "GeoJSON Feature"}},
                   tags=["reference"])
    def get(self, request: Request) -> Response:
        area = service_area_active()
        if area is None:
            raise NoServiceArea(_("No service area is configured yet."))
        response = Response(service_area_feature(area), content_type="application/geo+json")
        response["Cache-Control"] = "public, max-age=300"
        return response
