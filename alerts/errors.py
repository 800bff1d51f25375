"""Domain errors raised by services. The HTTP edge turns each into an RFC 9457 problem."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LanternError(Exception):
    """A refusal a client can act on. ``problem_type`` is a stable slug; ``status`` the HTTP hint."""

    problem_type = "invalid-request"
    status = 400
    title: str | Promise = _("Invalid request")

    def __init__(self, detail: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.field = field


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


class SubscriptionLimitReached(LanternError):
    title = _("Too many alert zones")
    problem_type = "subscription-limit"
    status = 409
