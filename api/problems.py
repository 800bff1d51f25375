"""RFC 9457 problem details: the one error shape of the API.

Every refusal answers ``application/problem+json`` with a stable ``type`` (``urn:lantern:problem:<slug>``),
a ``title`` and ``detail`` in the caller's language (``Accept-Language``), the ``status``, the
``instance`` (the request path) and, for invalid input, ``errors``: one entry per field.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.exceptions import Ratelimited
from psycopg_pool import PoolTimeout
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.parsers import PayloadTooLarge

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:lantern:problem:"


class RateLimitExceeded(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate-limited"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            detail=ngettext(
                "Too many requests. Try again in %(seconds)d second.",
                "Too many requests. Try again in %(seconds)d seconds.",
                self.retry_after,
            ) % {"seconds": self.retry_after}
        )


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency-key-reused"


class ServiceBusy(exceptions.APIException):
    """Every database connection stayed busy for ``DATABASE_POOL_TIMEOUT`` seconds: say so, early and
    clearly, instead of a generic 500 after a long wait. Nothing was stored, so a retry is safe."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service-busy"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__(detail=_("Lantern is busy. Nothing was stored; send it again in a few seconds."))


class DatabaseUnavailable(exceptions.APIException):
    """PostgreSQL dropped the connection (a restart, a failover) or cannot be reached. Connections are
    checked as they leave the pool, so this is a request whose connection died while it ran: what it wrote
    was rolled back or never sent, unless the commit itself was cut off. The apps retry with the same
    ``Idempotency-Key``, which answers the first response if the commit did happen."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database-unavailable"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__(detail=_("Lantern cannot reach its database just now. Send it again in a few seconds."))


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` is a lost or refused database connection (not a pool timeout: that is ServiceBusy)."""
    return isinstance(exc, (OperationalError, InterfaceError)) and not isinstance(exc.__cause__, PoolTimeout)


_TITLES = {
    400: lambda: _("Invalid request"),
    401: lambda: _("Authentication required"),
    403: lambda: _("Forbidden"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    406: lambda: _("Not acceptable"),
    409: lambda: _("Conflict"),
    413: lambda: _("Payload too large"),
    415: lambda: _("Unsupported media type"),
    422: lambda: _("Unprocessable request"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Internal error"),
    503: lambda: _("Service unavailable"),
}

# Stable slugs for DRF's exceptions; clients switch on these, never on the human text.
_DRF_TYPES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed-request",
    exceptions.ValidationError: "validation-error",
    exceptions.NotAuthenticated: "not-authenticated",
    exceptions.AuthenticationFailed: "authentication-failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not-found",
    exceptions.MethodNotAllowed: "method-not-allowed",
    exceptions.NotAcceptable: "not-acceptable",
    exceptions.UnsupportedMediaType: "unsupported-media-type",
    exceptions.Throttled: "rate-limited",
}


def problem_body(
    *, status_code: int, slug: str, detail: str, instance: str | None = None, title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title or _TITLES.get(status_code, _TITLES[400])(),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *, status_code: int, slug: str, detail: str, request: Any = None, title: str | None = None,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(
        status_code=status_code, slug=slug, detail=detail, title=title, errors=errors,
        instance=getattr(request, "path", None),
    )
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def field_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail flattened to ``[{"field": "location.coordinates", "detail", "code"}]``."""
    found: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            found.extend(field_errors(value, name))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) or isinstance(item, str) for item in detail):
            for item in detail:
                found.append(
                    {"field": prefix or None, "detail": str(item), "code": getattr(item, "code", "invalid")}
                )
        else:
            for index, item in enumerate(detail):
                found.extend(field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        found.append({"field": prefix or None, "detail": str(detail), "code": getattr(detail, "code", "invalid")})
    return found


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every exception a view raises becomes a problem response."""
    request = context.get("request")
    headers: dict[str, str] = {}

    if isinstance(exc, Exception) and hasattr(exc, "problem_type") and hasattr(exc, "status"):
        # Domain refusals of every part share this shape (alerts.errors, moderation.errors, referrals.errors,
        # maps.errors): the parts cannot share a base class without an import against the layering.
        set_rollback()
        errors = [{"field": exc.field, "detail": str(exc.detail), "code": exc.problem_type}] if exc.field else None
        return problem_response(
            status_code=exc.status, slug=exc.problem_type, detail=str(exc.detail), title=str(exc.title),
            errors=errors, request=request,
        )
    if isinstance(exc, Ratelimited):
        exc = RateLimitExceeded(retry_after=60)
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound(_("No such resource, or it is not yours."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("The request body is larger than this endpoint accepts."))
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(_("The request has too many fields."))
    elif isinstance(exc, UnicodeDecodeError):
        exc = exceptions.ParseError(_("The request body is not valid UTF-8."))
    elif isinstance(exc, OperationalError) and isinstance(exc.__cause__, PoolTimeout):
        logger.warning("no database connection free within the pool timeout: answered 503")
        exc = ServiceBusy()
    elif database_unavailable(exc):
        logger.warning("database connection lost or refused, answered 503: %s", exc)
        exc = DatabaseUnavailable()

    if not isinstance(exc, exceptions.APIException):
        return None

    set_rollback()
    if isinstance(exc, RateLimitExceeded):
        headers["Retry-After"] = str(exc.retry_after)
        slug = "rate-limited"
    elif isinstance(exc, (ServiceBusy, DatabaseUnavailable)):
        headers["Retry-After"] = str(exc.retry_after)
        slug = exc.default_code
    elif isinstance(exc, exceptions.Throttled):
        if exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
        slug = "rate-limited"
    else:
        slug = next((s for cls, s in _DRF_TYPES.items() if isinstance(exc, cls)), None) or str(
            exc.default_code
        ).replace("_", "-")

    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        view = context.get("view")
        authenticate_header = view.get_authenticate_header(request) if view and request else None
        if authenticate_header:
            headers["WWW-Authenticate"] = authenticate_header
        # DRF answers 403 when no authenticator offers a challenge; 401 is the honest status.
        exc.status_code = status.HTTP_401_UNAUTHORIZED

    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        detail = _("The request has invalid fields.") if errors else _("Invalid request.")
        if len(errors) == 1:
            only = errors[0]
            detail = (
                only["detail"] if only["field"] is None
                else _("%(field)s: %(detail)s") % {"field": only["field"], "detail": only["detail"]}
            )
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else _("Invalid request.")
    return problem_response(
        status_code=exc.status_code, slug=slug, detail=detail, errors=errors, request=request, headers=headers
    )


def _is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: problem+json under /api/, Django's plain page elsewhere."""
    if _is_api_path(request):
        body = problem_body(
            status_code=404, slug="not-found", detail=_("There is no such endpoint."), instance=request.path
        )
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Http404())


def server_error_view(request: HttpRequest) -> HttpResponse:
    """Django's handler500: the failure is logged by Django; the client gets a problem, no trace.

    A lost database connection outside a DRF view (the admin, a middleware) is a 503 with ``Retry-After``
    there too: Django calls this handler while handling the exception."""
    if database_unavailable(sys.exception()):
        body = problem_body(
            status_code=503, slug=DatabaseUnavailable.default_code, detail=str(DatabaseUnavailable().detail),
            instance=request.path,
        )
        response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
        response["Retry-After"] = str(DatabaseUnavailable.retry_after)
        return response
    body = problem_body(
        status_code=500, slug="internal-error",
        detail=_("Something went wrong on our side. Please try again later."),
        instance=request.path,
    )
    return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
