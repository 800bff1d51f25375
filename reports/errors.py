"""Refusals of the reports part: a place Lantern does not serve, a photo it cannot take, and the like."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import LanternError


class OutsideServiceArea(LanternError):
    title = _("Outside the service area")
    problem_type = "outside-service-area"
    status = 422


class CategoryNotAllowed(LanternError):
    title = _("Invalid category")
    problem_type = "validation-error"
    status = 400


class ReportNotWithdrawable(LanternError):
    title = _("Report cannot be withdrawn")
    problem_type = "report-not-withdrawable"
    status = 409


class PhotoRejected(LanternError):
    title = _("Unsupported photo")
    problem_type = "unsupported-photo"
    status = 415


class NoServiceArea(LanternError):
    title = _("Service area not configured")
    problem_type = "service-area-not-configured"
    status = 503
