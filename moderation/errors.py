"""Refusals of the moderation workflow.

They carry ``problem_type``, ``status``, ``title``, ``detail`` and ``field`` like ``alerts.errors``'
(the HTTP edge turns any such exception into a problem); moderation does not import alerts.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ModerationError(Exception):
    problem_type = "moderation-refused"
    status = 409
    title: str | Promise = _("Not allowed")

    def __init__(self, detail: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.field = field


class CaseNotClaimable(ModerationError):
    title = _("Report held by someone else")
    problem_type = "case-claimed"


class DecisionNotAllowed(ModerationError):
    title = _("Decision not allowed")
    problem_type = "decision-not-allowed"


class AppealNotAllowed(ModerationError):
    title = _("Appeal not allowed")
    problem_type = "appeal-not-allowed"
