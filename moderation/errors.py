"""Refusals of the moderation workflow (``kernel.errors.LanternError``: the HTTP edge makes problems of them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import LanternError


class ModerationError(LanternError):
    problem_type = "moderation-refused"
    status = 409
    title = _("Not allowed")


class CaseNotClaimable(ModerationError):
    title = _("Report held by someone else")
    problem_type = "case-claimed"


class DecisionNotAllowed(ModerationError):
    title = _("Decision not allowed")
    problem_type = "decision-not-allowed"


class AppealNotAllowed(ModerationError):
    title = _("Appeal not allowed")
    problem_type = "appeal-not-allowed"
