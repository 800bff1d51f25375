"""Moderation over HTTP: previews for citizens, the queue and decisions for moderators, appeals,
and the public transparency figures."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import HasRole, IsDevice
from api.ratelimits import BY_PRINCIPAL, rate_limit_enforce
from api.replica_reads import ReadsFromReplica
from api.serializers.fields import GeoJSONPointField
from api.serializers.moderation import (
    AppealInputSerializer,
    CaseDetailSerializer,
    CaseSummarySerializer,
    DecisionInputSerializer,
    DraftInputSerializer,
    MonthQuerySerializer,
    QueueQuerySerializer,
    ScreeningSerializer,
)
from api.serializers.reports import ReportOutputSerializer
from maps.selectors import transparency_release_get
from moderation.engine import Draft, screen
from moderation.selectors import queue_list
from moderation.services import case_claim, case_photo_view, case_view
from reports.photo_storage import photo_stream
from reports.selectors import report_get_for
from workflows.decide import report_appeal, report_decide
from workflows.screening import report_preview

Moderator = HasRole("moderator")


def _screening_body(screening: Any) -> dict[str, Any]:
    return ScreeningSerializer(screening).data


class ReportPreviewView(APIView):
    """Screen a draft with the same rules as intake, storing nothing."""

    permission_classes = [IsDevice]

    @extend_schema(request=DraftInputSerializer, responses=ScreeningSerializer, tags=["reports"])
    def post(self, request: Request) -> Response:
        rate_limit_enforce(request, scope="report_preview_device", key=BY_PRINCIPAL)
        serializer = DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        screening = report_preview(
            device=request.user, description=data["description"], category_code=data["category"],
            locale=data["locale"] or None,
        )
        return Response(_screening_body(screening))


class ModerationCheckView(APIView):
    """The rules engine on any text, for staff (training, tuning, answering a citizen's question)."""

    permission_classes = [Moderator]

    @extend_schema(request=DraftInputSerializer, responses=ScreeningSerializer, tags=["moderation"])
    def post(self, request: Request) -> Response:
        serializer = DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        screening = screen(Draft(text=data["description"], category=data["category"], locale=data["locale"] or None))
        return Response(_screening_body(screening))


class QueuePagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class QueueView(APIView):
    permission_classes = [Moderator]
    # Read by the schema only (the view paginates by hand): the list is documented as its envelope.
    pagination_class = QueuePagination

    @extend_schema(parameters=[QueueQuerySerializer], responses=CaseSummarySerializer(many=True), tags=["moderation"])
    def get(self, request: Request) -> Response:
        query = QueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        cases = queue_list(
            family=filters.get("family"), district=filters.get("district"), state=filters.get("state"),
            min_age=timedelta(minutes=filters["min_age_minutes"]) if "min_age_minutes" in filters else None,
            max_age=timedelta(minutes=filters["max_age_minutes"]) if "max_age_minutes" in filters else None,
        )
        paginator = QueuePagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseSummarySerializer(page, many=True).data)


class CaseDetailView(APIView):
    permission_classes = [Moderator]

    @extend_schema(
        parameters=[OpenApiParameter("include", str, enum=["location"], required=False,
                                     description="`location` adds the exact point; the view is audited")],
        responses=CaseDetailSerializer, tags=["moderation"],
    )
    def get(self, request: Request, report_id: str) -> Response:
        include_location = request.query_params.get("include") == "location"
        case = case_view(report_id=_uuid(report_id), viewer=request.user, location=include_location)
        body = CaseDetailSerializer(case).data
        if include_location:
            body["location"] = GeoJSONPointField().to_representation(case.report.location)
            body["accuracy_m"] = case.report.accuracy_m
        return Response(body, headers={"Cache-Control": "no-store"})


class CasePhotoView(APIView):
    permission_classes = [Moderator]

    @extend_schema(responses={(200, "image/*"): bytes}, tags=["moderation"])
    def get(self, request: Request, report_id: str, index: int) -> FileResponse:
        try:
            photo = case_photo_view(report_id=_uuid(report_id), viewer=request.user, index=index)
        except IndexError as exc:
            raise exceptions.NotFound() from exc
        response = FileResponse(photo_stream(photo.file.name), content_type=photo.content_type)
        # Known from the row: a stream from object storage cannot say its own length before it ends.
        response["Content-Length"] = str(photo.size_bytes)
        response["Cache-Control"] = "no-store"
        response["Content-Disposition"] = "inline"
        return response


class ClaimView(APIView):
    permission_classes = [Moderator]

    @extend_schema(request=None, responses=CaseSummarySerializer, tags=["moderation"])
    def post(self, request: Request, report_id: str) -> Response:
        case = case_claim(report_id=_uuid(report_id), moderator=request.user)
        return Response(CaseSummarySerializer(case).data)


class DecisionView(APIView):
    permission_classes = [Moderator]

    @extend_schema(
        request=DecisionInputSerializer, tags=["moderation"],
        responses=inline_serializer("DecisionResult", {
            "report_id": serializers.UUIDField(), "status": serializers.CharField(),
            "case_state": serializers.CharField(),
        }),
    )
    def post(self, request: Request, report_id: str) -> Response:
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = report_decide(report_id=_uuid(report_id), moderator=request.user, **serializer.validated_data)
        return Response(
            {"report_id": str(decided.report_id), "status": decided.status, "case_state": decided.case_state}
        )


class AppealView(APIView):
    """The reporter contests a rejection, once, with a note."""

    permission_classes = [IsDevice]

    @extend_schema(
        request=AppealInputSerializer, responses=ReportOutputSerializer, tags=["reports"],
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Retries with the same key answer the first response.")],
    )
    @idempotent
    def post(self, request: Request, report_id: str) -> Response:
        serializer = AppealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_appeal(
            report=report_get_for(device=request.user, report_id=report_id), note=serializer.validated_data["note"]
        )
        return Response(ReportOutputSerializer(report).data)


class TransparencyView(ReadsFromReplica, APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(parameters=[MonthQuerySerializer], tags=["moderation"],
                   responses={200: {"type": "object", "description": "A closed month's stored release: figures per "
                                    "district, differentially private; counts under 10 as '<10'"},
                              304: None})
    def get(self, request: Request) -> HttpResponse:
        query = MonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        release = transparency_release_get(month=query.validated_data["month"])
        # The stored bytes never change, so their hash is a strong validator.
        etag = f'"{release.content_hash}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
        candidates = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
        if etag in candidates or "*" in candidates:
            return HttpResponse(status=304, headers=headers)
        return HttpResponse(bytes(release.document), content_type="application/json", headers=headers)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise exceptions.NotFound() from exc
