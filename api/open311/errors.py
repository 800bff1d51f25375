"""Open311's error shape: ``[{"code": 400, "description": "…"}]`` with the same HTTP status.

The rest of the API answers RFC 9457 problems; Open311 clients expect the standard's array, so the views
under /open311/v2/ use this handler instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.parsers import PayloadTooLarge
from api.problems import RateLimitExceeded, field_errors

logger = logging.getLogger(__name__)


class Open311Error(exceptions.APIException):
    """A refusal with the standard's status: 400 (bad request), 403 (api_key) or 404 (not found)."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(detail=description)
        self.status_code = status_code


def errors_response(status_code: int, descriptions: list[str], headers: dict[str, str] | None = None) -> Response:
    return Response(
        [{"code": status_code, "description": description} for description in descriptions],
        status=status_code, headers=headers,
    )


def open311_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if hasattr(exc, "problem_type"):
        # Domain refusals (outside the service area, …): the client sent something we cannot take.
        set_rollback()
        status_code = 503 if getattr(exc, "status", 400) == 503 else 400
        return errors_response(status_code, [str(exc.detail)])
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = Open311Error(404, _("No such resource."))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("The request body is larger than this endpoint accepts."))
    elif isinstance(exc, TooManyFieldsSent):
        exc = Open311Error(400, _("The request has too many fields."))
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    if isinstance(exc, RateLimitExceeded):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, exceptions.ValidationError):
        descriptions = [
            f"{error['field']}: {error['detail']}" if error["field"] else error["detail"]
            for error in field_errors(exc.detail)
        ]
        return errors_response(status.HTTP_400_BAD_REQUEST, descriptions or [_("Invalid request.")])
    status_code = exc.status_code
    if isinstance(exc, exceptions.UnsupportedMediaType):
        status_code = status.HTTP_400_BAD_REQUEST
    detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else _("Invalid request.")
    return errors_response(status_code, [detail], headers)
