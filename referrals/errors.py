"""Refusals of the referrals part.

They carry ``problem_type``, ``status``, ``title``, ``detail`` and ``field`` like ``alerts.errors`` (the HTTP
edge turns any such exception into a problem); referrals does not import alerts.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ReferralError(Exception):
    problem_type = "referral-refused"
    status = 409
    title: str | Promise = _("Not allowed")

    def __init__(self, detail: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.field = field


class ReferralStatusRefused(ReferralError):
    title = _("Status update refused")
    problem_type = "referral-status-refused"


class PartnerEventReplayed(ReferralError):
    title = _("Already received")
    problem_type = "partner-event-replayed"
