"""Open311 GeoReport v2 endpoints, each as ``.json`` or ``.xml`` (the path's suffix chooses, whatever the
Accept header says); errors as the standard's ``[{code, description}]`` or ``<errors><error>…``.

Requests arriving here go through ``report_submit`` like the app's: the same moderation, the same routing
to partners. Reads show only what the public may see (see ``api.open311.serializers``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.middleware import principal_record
from api.open311 import serializers as documents
from api.open311.authentication import open311_api_key
from api.open311.errors import Open311Error, open311_exception_handler
from api.open311.renderers import GeoReportXMLRenderer
from api.open311.selectors import (
    api_key_covers,
    open311_request_get,
    open311_requests_search,
    open311_services_changeset,
)
from api.open311.tokens import report_id_of, token_for
from api.ratelimits import rate_limit_enforce
from api.replica_reads import ReadsFromReplica
from reports.models import Category, Report
from reports.selectors import category_list
from workflows.submit import Consent, report_submit

_ERRORS = {code: OpenApiResponse(documents.ErrorSerializer(many=True)) for code in (400, 403, 404)}
_TAGS = ["open311"]


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


class FormatSuffixNegotiation(DefaultContentNegotiation):
    """The path's ``.json`` or ``.xml`` is the format, as the standard says; a city system's Accept header
    (often ``*/*``, sometimes ``application/json`` everywhere) must not turn a document into a 406."""

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        renderer = next((r for r in renderers if r.format == (format_suffix or "json")), renderers[0])
        return renderer, renderer.media_type


class Open311View(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, GeoReportXMLRenderer]
    content_negotiation_class = FormatSuffixNegotiation
    # The XML document's root element and the element of each entry of a list (GeoReport v2's names).
    xml_root = "service_requests"
    xml_item: str | None = "request"

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return open311_exception_handler

    def get_format_suffix(self, **kwargs: Any) -> str | None:
        # Named "suffix", not DRF's "format": schema generators skip every ".{format}" path as a duplicate.
        return kwargs.get("suffix")


class DiscoveryView(Open311View):
    xml_root, xml_item = "discovery", None

    @extend_schema(responses=documents.DiscoverySerializer, tags=_TAGS, auth=[], summary="Service discovery")
    def get(self, request: Request, suffix: str = "json") -> Response:
        # The last change of the services (categories added, renamed, retired), not the time of asking:
        # clients compare changesets to know whether to fetch services again.
        changeset = (open311_services_changeset() or timezone.now()).replace(microsecond=0).isoformat()
        return Response({
            "changeset": changeset,
            "contact": settings.OPEN311_CONTACT,
            "key_service": settings.OPEN311_KEY_SERVICE,
            "endpoints": [{
                "specification": documents.SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2/"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        })


class ServiceListView(ReadsFromReplica, Open311View):
    xml_root, xml_item = "services", "service"

    @extend_schema(responses=documents.ServiceSerializer(many=True), tags=_TAGS, auth=[], summary="Services")
    def get(self, request: Request, suffix: str = "json") -> Response:
        language = _language()
        return Response([documents.service_document(category, language) for category in category_list()])


class ServiceDefinitionView(ReadsFromReplica, Open311View):
    xml_root, xml_item = "service_definition", None

    @extend_schema(responses={200: documents.ServiceDefinitionSerializer, 404: _ERRORS[404]}, tags=_TAGS, auth=[],
                   summary="A service's definition (its attributes)")
    def get(self, request: Request, service_code: str, suffix: str = "json") -> Response:
        return Response(documents.service_definition(_category(service_code, status_code=404)))


def _category(code: str, *, status_code: int) -> Category:
    category = category_list().filter(code=code).first()
    if category is None:
        raise Open311Error(status_code, _("Unknown service_code %(code)s; see services.json.") % {"code": code})
    return category


def _submitted(data: Any) -> dict[str, Any]:
    """The form as a flat dict, ``attribute[code]`` as ``code``."""
    flat = {key: data.get(key) for key in data}
    for key in list(flat):
        if key.startswith("attribute[") and key.endswith("]"):
            flat[key[len("attribute["):-1]] = flat.pop(key)
    return flat


def _by_api_key(group: str, request: Request) -> str:
    return f"open311-key:{request.open311_api_key.pk}"


class RequestCollectionView(ReadsFromReplica, Open311View):
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("service_request_id", str, description="Comma-delimited ids; overrides the rest"),
            OpenApiParameter("service_code", str, description="Comma-delimited service codes"),
            OpenApiParameter("start_date", str, description="W3C date-time; default end_date − 90 days"),
            OpenApiParameter("end_date", str, description="W3C date-time; default now"),
            OpenApiParameter("status", str, description="open, closed or both, comma-delimited"),
        ],
        responses={200: documents.ServiceRequestSerializer(many=True), 400: _ERRORS[400]},
        tags=_TAGS, auth=[], summary="Public service requests",
    )
    def get(self, request: Request, suffix: str = "json") -> Response:
        query = documents.SearchInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        reports = open311_requests_search(
            ids=data.get("service_request_id"),
            codes=[code for code in data.get("service_code", "").split(",") if code],
            start=data.get("start_date"), end=data.get("end_date"), statuses=data.get("status", []),
            default_days=settings.OPEN311_DEFAULT_DAYS, limit=settings.OPEN311_MAX_RESULTS,
        )
        language = _language()
        return Response([documents.service_request_document(report, language) for report in reports])

    @extend_schema(
        request={"application/x-www-form-urlencoded": documents.SubmitInputSerializer},
        parameters=[OpenApiParameter("api_key", str, OpenApiParameter.QUERY, required=False,
                                     description="The authority key, when not in the form")],
        responses={201: documents.SubmitAnswerSerializer(many=True), 400: _ERRORS[400], 403: _ERRORS[403]},
        tags=_TAGS, auth=[], summary="Submit a service request (api_key in the form or the query string)",
    )
    def post(self, request: Request, suffix: str = "json") -> Response:
        form = _submitted(request.data)
        # The standard puts api_key in the form; some clients send it in the query string of the POST.
        api_key = open311_api_key(form.get("api_key") or request.query_params.get("api_key"))
        if api_key is None:
            raise Open311Error(403, _("Invalid or missing api_key."))
        request.open311_api_key = api_key
        principal_record(request, kind="api-key")
        rate_limit_enforce(request, scope="open311_submit_key", key=_by_api_key)
        serializer = documents.SubmitInputSerializer(data=form)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = _category(data["service_code"], status_code=400)
        kind = Report.Kind.INSECURITY if category.is_insecurity_factor else Report.Kind.INCIDENT
        if kind == Report.Kind.INSECURITY and not data.get("perception"):
            raise Open311Error(400, _("attribute[perception] is required for this service (1 to 5)."))
        if kind == Report.Kind.INCIDENT and not data["description"]:
            raise Open311Error(400, _("description is required for this service: describe what happened."))
        location = Point(data["long"], data["lat"], srid=4326)
        if not api_key_covers(api_key=api_key, point=location):
            raise Open311Error(403, _("This api_key may only place requests inside its jurisdictions."))
        submitted = report_submit(
            device=None, kind=kind, category=category, description=data["description"], location=location,
            accuracy_m=None, occurred_at=timezone.now(),
            consent=Consent(
                share_with_police=data["share_with_police"] == "true", victim_support=False,
                public_alert=data["public_alert"] == "true",
            ),
            perception=int(data["perception"]) if kind == Report.Kind.INSECURITY else None,
            factors=[], source=Report.Source.OPEN311,
        )
        return Response([_submit_answer(submitted.report)], status=status.HTTP_201_CREATED)


def _submit_answer(report: Report) -> dict[str, Any]:
    if report.status == Report.Status.PUBLISHED and report.consent_public_alert and not report.category.sensitive:
        return {"service_request_id": str(report.id), "service_notice": _("Thank you: the request is public."),
                "account_id": None}
    # Not public (yet): a token the client can look up later instead of an id it could not read.
    notices = {
        Report.Status.PENDING_REVIEW: _("Held for review by a moderator before it is made public."),
        Report.Status.REJECTED: _("Received, but it will not be made public (see the moderation rules)."),
    }
    notice = notices.get(report.status, _("Received; it will not be made public."))
    return {"token": token_for(report.id), "service_notice": notice, "account_id": None}


class RequestDetailView(ReadsFromReplica, Open311View):
    @extend_schema(responses={200: documents.ServiceRequestSerializer(many=True), 404: _ERRORS[404]},
                   tags=_TAGS, auth=[], summary="One public service request")
    def get(self, request: Request, service_request_id: str, suffix: str = "json") -> Response:
        try:
            report = open311_request_get(service_request_id=service_request_id)
        except Report.DoesNotExist as exc:
            raise Open311Error(404, _("No public service request has this id.")) from exc
        return Response([documents.service_request_document(report, _language())])


class TokenView(ReadsFromReplica, Open311View):
    @extend_schema(responses={200: documents.TokenAnswerSerializer(many=True), 404: _ERRORS[404]},
                   tags=_TAGS, auth=[], summary="The service_request_id of a token, once public")
    def get(self, request: Request, token: str, suffix: str = "json") -> Response:
        report_id = report_id_of(token)
        if report_id is None:
            raise Open311Error(404, _("Unknown token."))
        try:
            public_id: str | None = str(open311_request_get(service_request_id=str(report_id)).id)
        except Report.DoesNotExist:
            public_id = None
        return Response([{"service_request_id": public_id, "token": token}])


class NotFoundView(Open311View):
    @extend_schema(exclude=True)
    def get(self, request: Request, rest: str = "", suffix: str | None = None) -> Response:
        raise Open311Error(404, _("There is no such Open311 resource; documents end in .json or .xml."))

    post = get
