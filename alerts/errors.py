"""Refusals of the public alerts part."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import LanternError


class SubscriptionLimitReached(LanternError):
    title = _("Too many alert zones")
    problem_type = "subscription-limit"
    status = 409
