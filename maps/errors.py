"""Refusals of the maps part; the HTTP edge turns each into an RFC 9457 problem."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import LanternError


class MonthNotClosed(LanternError):
    title = _("Month not closed")
    problem_type = "month-not-closed"
    status = 409


class PrivacyBudgetExhausted(LanternError):
    title = _("Privacy budget exhausted")
    problem_type = "privacy-budget-exhausted"
    status = 409


class ReleaseInvalid(LanternError):
    title = _("Invalid release")
    problem_type = "validation-error"
    status = 400


class TransparencyMonthInvalid(LanternError):
    """A month the transparency report can never have: before Lantern's time, or not closed yet."""

    title = _("Invalid month")
    problem_type = "validation-error"
    status = 400


class TransparencyNotPublished(LanternError):
    title = _("Not published yet")
    problem_type = "transparency-not-published"
    status = 404
