"""Reads of the referrals part, already filtered for whoever asks."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from referrals.models import Referral


def referral_list_for_report(*, report: Any) -> QuerySet[Referral]:
    """The referrals of one report, for its author: urgent first, then in the order they were made."""
    return Referral.objects.filter(report=report).select_related("partner").order_by("-urgent", "created_at", "id")


def referral_for_partner_update(*, referral_id: uuid.UUID | str) -> Referral | None:
    """The referral a partner posts news about, with the partner whose secret must have signed it; None
    alike for a malformed id and an unknown one."""
    try:
        key = referral_id if isinstance(referral_id, uuid.UUID) else uuid.UUID(str(referral_id))
    except ValueError:
        return None
    return Referral.objects.select_related("partner").filter(pk=key).first()


def referral_dead_letters() -> QuerySet[Referral]:
    """What an operator has to look at: refused permanently, or given up on after the retry window."""
    return Referral.objects.filter(state__in=Referral.DEAD_LETTER_STATES).select_related("partner")
