"""Every part's refusal is one ``LanternError``: one mapper makes it a problem, and Open311 writes the same problem."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from api.open311.errors import open311_exception_handler
from api.problems import problem_exception_handler
from kernel.errors import LanternError
from maps.errors import MonthNotClosed
from moderation.errors import CaseNotClaimable
from referrals.errors import ReferralStatusRefused
from reports.errors import OutsideServiceArea


class _SomethingNew(LanternError):
    title = _("Something new")
    problem_type = "something-new"
    status = 409


def test_it_answers_a_refusal_it_has_never_heard_of_as_a_problem_with_its_type_and_field():
    response = problem_exception_handler(_SomethingNew("Not now.", field="when"), {"request": None})
    assert response.status_code == 409 and response.content_type == "application/problem+json"
    assert response.data["type"] == "urn:lantern:problem:something-new"
    assert (response.data["title"], response.data["detail"]) == ("Something new", "Not now.")
    assert response.data["errors"] == [{"field": "when", "detail": "Not now.", "code": "something-new"}]


def test_it_writes_the_same_refusal_as_open311s_error_array():
    response = open311_exception_handler(_SomethingNew("Not now.", field="when"), {"request": None})
    assert (response.status_code, response.data) == (400, [{"code": 400, "description": "Not now."}])
    unavailable = open311_exception_handler(_ServiceDown("Later."), {"request": None})
    assert (unavailable.status_code, unavailable.data) == (503, [{"code": 503, "description": "Later."}])


class _ServiceDown(LanternError):
    problem_type = "down"
    status = 503


def test_it_treats_the_refusals_of_every_part_alike():
    for refusal in (OutsideServiceArea("x"), CaseNotClaimable("x"), ReferralStatusRefused("x"), MonthNotClosed("x")):
        response = problem_exception_handler(refusal, {"request": None})
        assert response.status_code == refusal.status and response.data["type"].endswith(refusal.problem_type)


def test_it_leaves_an_unexpected_error_to_the_server_error_page():
    assert problem_exception_handler(KeyError("bug"), {"request": None}) is None
    assert open311_exception_handler(KeyError("bug"), {"request": None}) is None
