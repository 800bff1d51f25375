"""Reads of the referrals part, already filtered for whoever asks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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


def referral_dead_letters(
    *, partner_name: str | None = None, referral_ids: Iterable[uuid.UUID] | None = None
) -> QuerySet[Referral]:
    """What an operator has to look at: refused permanently, or given up on after the retry window; one
    partner's or the given ones only when asked, by partner and then oldest first."""
    letters = Referral.objects.filter(state__in=Referral.DEAD_LETTER_STATES).select_related("partner")
    if partner_name is not None:
        letters = letters.filter(partner__name=partner_name)
    if referral_ids is not None:
        letters = letters.filter(pk__in=list(referral_ids))
    return letters.order_by("partner__name", "created_at", "id")
