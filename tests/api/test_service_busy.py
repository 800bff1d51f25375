"""When every database connection stays busy, or PostgreSQL drops the connection a request was using, a citizen's
app hears "503, retry" with ``Retry-After``, never a 500. (Against a real PostgreSQL restart under load:
tests/faults/test_postgresql_restart.py.)"""

from __future__ import annotations

from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation
from psycopg_pool import PoolTimeout
from rest_framework.request import Request
from rest_framework.response import Response

from api.problems import problem_exception_handler, server_error_view


def _pool_exhausted() -> OperationalError:
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 5.00 sec")
        except PoolTimeout as cause:
            raise OperationalError("couldn't get a connection after 5.00 sec") from cause
    except OperationalError as error:
        return error


def _answer(language: str = "en") -> Response:
    request = Request(RequestFactory().post("/api/v1/reports/"))
    with translation.override(language):
        return problem_exception_handler(_pool_exhausted(), {"request": request})


def test_an_exhausted_connection_pool_answers_503_with_retry_after():
    response = _answer()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.data["type"] == "urn:lantern:problem:service-busy"
    assert "Nothing was stored" in response.data["detail"]


def test_the_busy_answer_speaks_the_callers_language():
    assert "Rien n'a été enregistré" in _answer("fr").data["detail"]


_DROPPED = "terminating connection due to administrator command"


def test_a_connection_postgresql_dropped_answers_503_with_retry_after_not_busy():
    request = Request(RequestFactory().post("/api/v1/reports/"))
    response = problem_exception_handler(OperationalError(_DROPPED), {"request": request})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.content_type == "application/problem+json"
    assert response.data["type"] == "urn:lantern:problem:database-unavailable"


def test_a_dropped_connection_outside_the_api_views_is_a_503_problem_too():
    try:
        raise OperationalError(_DROPPED)
    except OperationalError:
        response = server_error_view(RequestFactory().get("/admin/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/problem+json"


def test_other_server_errors_stay_500():
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error_view(RequestFactory().get("/admin/")).status_code == 500
