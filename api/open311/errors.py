"""Open311's error shape: ``[{"code": 400, "description": "…"}]`` with the same HTTP status.

The rest of the API answers RFC 9457 problems; Open311 clients expect the standard's array, so the views
under /open311/v2/ write the same problem (one mapper, ``api.problems.problem_of``) as that array.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.problems import problem_of


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


# Open311 clients know these statuses; any other refusal is, to them, a bad request.
_OPEN311_STATUSES = frozenset({401, 403, 404, 405, 406, 413, 429, 500, 503})


def open311_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The same problem the rest of the API answers (``api.problems.problem_of``), written as Open311's array."""
    problem = problem_of(exc, context)
    if problem is None:
        return None
    set_rollback()
    status_code = problem.status if problem.status in _OPEN311_STATUSES else 400
    if problem.errors and len(problem.errors) > 1:
        descriptions = [f"{e['field']}: {e['detail']}" if e["field"] else e["detail"] for e in problem.errors]
    else:
        descriptions = [problem.detail]
    return errors_response(status_code, descriptions, problem.headers)
