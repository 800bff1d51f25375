"""RFC 9457 problem details: the one error shape of the API.

Every refusal answers ``application/problem+json`` with a stable ``type`` (``urn:lantern:problem:<slug>``),
a ``title`` and ``detail`` in the caller's language (``Accept-Language``), the ``status``, the
``instance`` (the request path) and, for invalid input, ``errors``: one entry per field.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.defaults import page_not_found, permission_denied
from django_ratelimit.exceptions import Ratelimited
from psycopg_pool import PoolTimeout
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.parsers import PayloadTooLarge
from kernel.errors import LanternError

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


@dataclass(frozen=True)
class Problem:
    """What went wrong, independent of how it is written out: RFC 9457 JSON here, Open311's error array there."""

    status: int
    slug: str
    detail: str
    title: str | None = None
    errors: list[dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _database_error(exc: Exception) -> exceptions.APIException:
    if isinstance(exc.__cause__, PoolTimeout):
        logger.warning("no database connection free within the pool timeout: answered 503")
        return ServiceBusy()
    logger.warning("database connection lost or refused, answered 503: %s", exc)
    return DatabaseUnavailable()


# Django's and the libraries' exceptions, each as the DRF exception it means for a client.
_AS_API_EXCEPTION: list[tuple[type[Exception] | tuple[type[Exception], ...], Any]] = [
    (Ratelimited, lambda exc: RateLimitExceeded(retry_after=60)),
    ((Http404, ObjectDoesNotExist), lambda exc: exceptions.NotFound(_("No such resource, or it is not yours."))),
    (DjangoPermissionDenied, lambda exc: exceptions.PermissionDenied()),
    (RequestDataTooBig, lambda exc: PayloadTooLarge(_("The request body is larger than this endpoint accepts."))),
    (TooManyFieldsSent, lambda exc: exceptions.ParseError(_("The request has too many fields."))),
    (UnicodeDecodeError, lambda exc: exceptions.ParseError(_("The request body is not valid UTF-8."))),
    ((OperationalError, InterfaceError), _database_error),
]


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    for types, convert in _AS_API_EXCEPTION:
        if isinstance(exc, types):
            return convert(exc)
    return exc if isinstance(exc, exceptions.APIException) else None


def _slug(exc: exceptions.APIException) -> str:
    if isinstance(exc, (RateLimitExceeded, exceptions.Throttled)):
        return "rate-limited"
    known = next((slug for cls, slug in _DRF_TYPES.items() if isinstance(exc, cls)), None)
    return known or str(exc.default_code).replace("_", "-")


def _headers(exc: exceptions.APIException, context: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None) or getattr(exc, "wait", None)
    if retry_after:
        headers["Retry-After"] = str(int(retry_after))
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        request, view = context.get("request"), context.get("view")
        challenge = view.get_authenticate_header(request) if view and request else None
        if challenge:
            headers["WWW-Authenticate"] = challenge
    return headers


def _status(exc: exceptions.APIException) -> int:
    # DRF answers 403 when no authenticator offers a challenge; 401 is the honest status.
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return status.HTTP_401_UNAUTHORIZED
    return exc.status_code


def _detail_and_errors(exc: exceptions.APIException) -> tuple[str, list[dict[str, Any]] | None]:
    if not isinstance(exc, exceptions.ValidationError):
        return (str(exc.detail) if not isinstance(exc.detail, (list, dict)) else _("Invalid request.")), None
    errors = field_errors(exc.detail)
    if len(errors) != 1:
        return (_("The request has invalid fields.") if errors else _("Invalid request.")), errors or None
    only = errors[0]
    if only["field"] is None:
        return only["detail"], errors
    return _("%(field)s: %(detail)s") % {"field": only["field"], "detail": only["detail"]}, errors


def problem_of(exc: Exception, context: dict[str, Any]) -> Problem | None:
    """The one mapper: the problem an exception means for the client, or None for an unexpected one (a 500).

    Every part's refusals subclass ``kernel.errors.LanternError``: adding one needs nothing here."""
    if isinstance(exc, LanternError):
        errors = [{"field": exc.field, "detail": str(exc.detail), "code": exc.problem_type}] if exc.field else None
        return Problem(status=exc.status, slug=exc.problem_type, detail=str(exc.detail), title=str(exc.title),
                       errors=errors)
    api_exception = _as_api_exception(exc)
    if api_exception is None:
        return None
    detail, errors = _detail_and_errors(api_exception)
    return Problem(status=_status(api_exception), slug=_slug(api_exception), detail=detail, errors=errors,
                   headers=_headers(api_exception, context))


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every exception a view raises becomes a problem response."""
    problem = problem_of(exc, context)
    if problem is None:
        return None
    set_rollback()
    return problem_response(
        status_code=problem.status, slug=problem.slug, detail=problem.detail, title=problem.title,
        errors=problem.errors, request=context.get("request"), headers=problem.headers,
    )


def _is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: problem+json under /api/, the styled page (backend/templates/404.html) elsewhere."""
    if _is_api_path(request):
        body = problem_body(
            status_code=404, slug="not-found", detail=_("There is no such endpoint."), instance=request.path
        )
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    return page_not_found(request, exception or Http404())


def permission_denied_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler403: problem+json under /api/, the styled page (backend/templates/403.html) elsewhere.
    DRF's views answer their own refusals; this one answers pages such as the map and the console."""
    if _is_api_path(request):
        body = problem_body(
            status_code=403, slug="forbidden", instance=request.path,
            detail=_("You do not have permission to perform this action."),
        )
        return JsonResponse(body, status=403, content_type=PROBLEM_CONTENT_TYPE)
    return permission_denied(request, exception or DjangoPermissionDenied())


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
