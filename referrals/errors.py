"""Refusals of the referrals part (``kernel.errors.LanternError``: the HTTP edge makes problems of them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import LanternError


class ReferralError(LanternError):
    problem_type = "referral-refused"
    status = 409
    title = _("Not allowed")


class ReferralStatusRefused(ReferralError):
    title = _("Status update refused")
    problem_type = "referral-status-refused"


class PartnerEventReplayed(ReferralError):
    title = _("Already received")
    problem_type = "partner-event-replayed"
