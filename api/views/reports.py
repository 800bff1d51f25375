from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.parsers import BoundedJSONParser, PayloadTooLarge, json_loads_bounded
from api.permissions import IsDevice
from api.ratelimits import BY_IP, BY_PRINCIPAL, rate_limits_enforce
from api.serializers.reports import ReportInputSerializer, ReportOutputSerializer
from reports.errors import PhotoRejected
from reports.photos import SanitizedPhoto, photo_sanitize
from reports.selectors import report_get_for, report_list_for
from workflows.submit import Consent, report_submit
from workflows.withdraw import report_withdraw


class OwnReportsPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


def _payload_and_uploads(request: Request) -> tuple[Any, list[UploadedFile]]:
    """JSON bodies carry the report alone; multipart bodies carry it as a ``report`` JSON part plus
    up to PHOTO_MAX_COUNT ``photos`` files."""
    if request.content_type.startswith("multipart/"):
        raw = request.data.get("report")
        if raw is None:
            raise exceptions.ValidationError({"report": [_("Send the report as a JSON part named report.")]})
        try:
            text = raw.read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1).decode() if hasattr(raw, "read") else raw
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(_("The report part is not valid JSON.")) from exc
        if len(text) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(_("The report part is larger than a report can be."))
        try:
            payload = json_loads_bounded(text)
        except exceptions.ParseError as exc:
            raise exceptions.ParseError(_("The report part is not valid JSON.")) from exc
        uploads = request.FILES.getlist("photos")
        if len(uploads) > settings.PHOTO_MAX_COUNT:
            raise exceptions.ValidationError(
                {"photos": [
                    ngettext("At most %(count)d photo per report.", "At most %(count)d photos per report.",
                             settings.PHOTO_MAX_COUNT) % {"count": settings.PHOTO_MAX_COUNT}
                ]}
            )
        return payload, uploads
    return request.data, []


def _photos(uploads: list[UploadedFile]) -> list[SanitizedPhoto]:
    photos = []
    for upload in uploads:
        if upload.size and upload.size > settings.PHOTO_MAX_BYTES:
            raise PhotoRejected(
                _("A photo may be at most %(mb)d MB.") % {"mb": settings.PHOTO_MAX_BYTES // 1_000_000},
                field="photos",
            )
        data = upload.read(settings.PHOTO_MAX_BYTES + 1)
        photos.append(
            photo_sanitize(data, max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
        )
    return photos


class ReportCollectionView(APIView):
    permission_classes = [IsDevice]
    # Read by the schema only (the view paginates by hand): the list is documented as its envelope.
    pagination_class = OwnReportsPagination
    parser_classes = [BoundedJSONParser, MultiPartParser]

    @extend_schema(responses=ReportOutputSerializer(many=True), tags=["reports"])
    def get(self, request: Request) -> Response:
        paginator = OwnReportsPagination()
        page = paginator.paginate_queryset(report_list_for(device=request.user), request, view=self)
        return paginator.get_paginated_response(ReportOutputSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": ReportInputSerializer, "multipart/form-data": {
            "type": "object", "properties": {
                "report": {"type": "string", "description": "The report as JSON (same fields as the JSON body)"},
                "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
            }}},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Retries with the same key answer the first response.")],
        responses={201: ReportOutputSerializer},
        tags=["reports"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        rate_limits_enforce(request, [("report_submit_device", BY_PRINCIPAL), ("report_submit_ip", BY_IP)])
        payload, uploads = _payload_and_uploads(request)
        serializer = ReportInputSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submitted = report_submit(
            device=request.user,
            kind=data["kind"],
            category=data["category"],
            description=data["description"],
            location=data["location"],
            accuracy_m=data.get("accuracy_m"),
            occurred_at=data["occurred_at"],
            consent=Consent(**data["consent"]),
            perception=data.get("perception"),
            factors=data.get("factors"),
            photos=_photos(uploads),
            contact=data.get("contact"),
        )
        answer = ReportOutputSerializer(
            submitted.report, context={"hits": submitted.hits, "referrals": submitted.referrals}
        )
        return Response(
            answer.data, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/reports/{submitted.report.id}/"}
        )


class ReportDetailView(APIView):
    permission_classes = [IsDevice]

    @extend_schema(responses=ReportOutputSerializer, tags=["reports"])
    def get(self, request: Request, report_id: str) -> Response:
        return Response(ReportOutputSerializer(report_get_for(device=request.user, report_id=report_id)).data)

    @extend_schema(responses=ReportOutputSerializer, tags=["reports"])
    def delete(self, request: Request, report_id: str) -> Response:
        """Withdraw the report: it stays for the audit trail, its text, photos and exact place erased."""
        report = report_withdraw(report=report_get_for(device=request.user, report_id=report_id))
        return Response(ReportOutputSerializer(report).data)
