"""Refuse oversized bodies before anything reads them; give every request an id, a metric and a log line."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from api.models import ApiKey
from api.open311.renderers import georeport_xml
from api.problems import PROBLEM_CONTENT_TYPE, problem_body
from kernel.log_format import request_id_var
from kernel.metrics import UNMATCHED_ROUTE, request_answered
from reports.models import Device


def _open311_error(request: HttpRequest, status_code: int, detail: str) -> HttpResponse:
    """Open311 clients read the standard's error array (or ``<errors>`` for ``.xml``), not a problem."""
    errors = [{"code": status_code, "description": detail}]
    if request.path.endswith(".xml"):
        return HttpResponse(georeport_xml(errors, root="errors", item="error"), status=status_code,
                            content_type="text/xml; charset=utf-8")
    return JsonResponse(errors, status=status_code, safe=False)


class RequestSizeLimitMiddleware:
    """413 for API bodies larger than their kind allows: multipart carries photos, JSON does not.

    DRF parses JSON from the stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE alone would not stop a
    large JSON body; the declared Content-Length is checked here instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", "/open311/")):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
            limit = settings.MULTIPART_MAX_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if length > limit:
                detail = _("The request body is larger than this endpoint accepts (%(size)s, at most %(limit)s).") % {
                    "size": filesizeformat(length), "limit": filesizeformat(limit)}
                if request.path.startswith("/open311/"):
                    return _open311_error(request, 413, detail)
                body = problem_body(status_code=413, slug="payload-too-large", instance=request.path, detail=detail)
                return JsonResponse(body, status=413, content_type=PROBLEM_CONTENT_TYPE)
        return self.get_response(request)


# --- request ids, the access log and request metrics ---------------------------------------------------

access_logger = logging.getLogger("lantern.access")

# An id from a proxy or an app is kept when it looks like one (a UUID, nginx's $request_id…); anything else
# (too long, spaces, control characters that would forge log lines) is replaced by a new one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
REQUEST_ID_HEADER = "X-Request-ID"


def principal_record(request: Any, *, kind: str) -> None:
    """Say who a request was made by, when a view authenticates it itself (partners' signatures)."""
    getattr(request, "_request", request).lantern_principal = kind


def principal_kind(request: HttpRequest) -> str:
    """device, staff, api-key, partner or anonymous: what kind of caller, never which one."""
    marked = getattr(request, "lantern_principal", None)
    if marked:
        return marked
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return "api-key"
    user = getattr(request, "user", None)
    if isinstance(user, Device):
        return "device"
    if user is not None and getattr(user, "is_authenticated", False):
        return "staff"
    return "anonymous"


class RequestObservationMiddleware:
    """Gives every request an id (``X-Request-ID``, echoed in the answer and on every log line written while
    it is answered), counts it in the metrics by URL pattern and status, and writes one access-log line.

    The route is the URL pattern that answered, never the raw path: a path holds report ids and tile
    coordinates, and a query string may hold a citizen's position.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = match.route if match is not None and match.route else UNMATCHED_ROUTE
            request_answered(route=route, method=request.method or "", status=response.status_code, seconds=seconds)
            response[REQUEST_ID_HEADER] = request_id
            if settings.LOG_REQUESTS:
                access_logger.info(
                    "%s %s %d %.1f ms", request.method, route, response.status_code, seconds * 1000,
                    extra={
                        "method": request.method, "route": route, "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1), "principal": principal_kind(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
