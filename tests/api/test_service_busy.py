"""When every database connection stays busy, a citizen's app hears "busy, retry" at once, not a 500 later."""

from __future__ import annotations

from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation
from psycopg_pool import PoolTimeout
from rest_framework.request import Request
from rest_framework.response import Response

from api.problems import problem_exception_handler


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


def test_other_database_errors_are_not_dressed_up_as_busy():
    assert problem_exception_handler(OperationalError("server closed the connection"), {"request": None}) is None
