"""Refuse oversized bodies before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from api.open311.renderers import georeport_xml
from api.problems import PROBLEM_CONTENT_TYPE, problem_body


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
