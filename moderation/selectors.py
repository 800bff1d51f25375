"""Reads of the moderation workflow, filtered for whoever asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from moderation.models import Appeal, AuditEntry, Case, Decision, RuleHit
from moderation.rules.lexicon import lexicons

MODERATOR_ROLES = ("moderator", "admin")
_QUEUE_STATES = (Case.State.OPEN, Case.State.ESCALATED, Case.State.APPEALED)


def user_is_moderator(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    if not user.is_active:
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=MODERATOR_ROLES).exists())


def queue_list(
    *, family: str | None = None, district: str | None = None, state: str | None = None,
    min_age: timedelta | None = None, max_age: timedelta | None = None,
) -> QuerySet[Case]:
    """Cases waiting for a moderator, oldest first."""
    cases = (
        Case.objects.filter(state__in=[state] if state else _QUEUE_STATES)
        .select_related("report__category", "report__district", "claimed_by")
        .prefetch_related("hits")
        .order_by("opened_at", "id")
    )
    now = timezone.now()
    if family:
        cases = cases.filter(families__contains=[family])
    if district:
        cases = cases.filter(report__district__slug=district)
    if min_age is not None:
        cases = cases.filter(opened_at__lte=now - min_age)
    if max_age is not None:
        cases = cases.filter(opened_at__gte=now - max_age)
    return cases


def case_get(*, report_id: Any) -> Case:
    return (
        Case.objects.select_related("report__category", "report__district", "claimed_by")
        .prefetch_related("hits", "decisions__moderator")
        .get(report_id=report_id)
    )


def audit_list(*, report_id: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(report_id=report_id).order_by("at", "id")


@dataclass(frozen=True)
class TransparencyContribution:
    """What one report adds to a month's transparency figures: at most one to each kind of figure, so
    that one report moves the whole vector by at most ``TRANSPARENCY_SENSITIVITY`` (L1)."""

    district: str | None
    held: bool
    rejected_family: str | None
    appeal_upheld: bool
    decision_minutes: float | None


def transparency_contributions(*, start: datetime, end: datetime) -> list[TransparencyContribution]:
    """One entry per report received in ``[start, end)`` that moderation saw, as the figures count it.

    A rejected report counts under one family only: the moderator's reason when a moderator rejected it,
    otherwise the first automatic rule that rejected it. Decision time is the first decision a moderator
    made (not an escalation, not on appeal)."""
    cases = Case.objects.filter(report__created_at__gte=start, report__created_at__lt=end)
    rows = {
        case_id: [district, verdict == Case.Verdict.HOLD, status == "rejected", opened_at]
        for case_id, district, verdict, status, opened_at in cases.values_list(
            "id", "report__district__name", "auto_verdict", "report__status", "opened_at"
        )
    }
    rejected_by: dict[int, str] = {}
    for case_id, family in (
        RuleHit.objects.filter(case__in=cases, action=RuleHit.Action.REJECT).order_by("id")
        .values_list("case_id", "family")
    ):
        rejected_by.setdefault(case_id, family)
    for case_id, reason in (
        Decision.objects.filter(case__in=cases, outcome=Decision.Outcome.REJECT, moderator__isnull=False)
        .order_by("created_at", "id").values_list("case_id", "reason_code")
    ):
        rejected_by[case_id] = reason.split(".")[0]
    decided: dict[int, float] = {}
    for case_id, created_at in (
        Decision.objects.filter(case__in=cases, moderator__isnull=False, on_appeal=False)
        .exclude(outcome=Decision.Outcome.ESCALATE).order_by("created_at", "id").values_list("case_id", "created_at")
    ):
        if case_id not in decided:
            decided[case_id] = max(0.0, (created_at - rows[case_id][3]).total_seconds() / 60)
    upheld = set(Appeal.objects.filter(case__in=cases, outcome=Appeal.Outcome.UPHELD).values_list("case_id", flat=True))
    return [
        TransparencyContribution(
            district=district, held=held, rejected_family=rejected_by.get(case_id, "") if rejected else None,
            appeal_upheld=case_id in upheld, decision_minutes=decided.get(case_id),
        )
        for case_id, (district, held, rejected, _opened) in sorted(rows.items())
    ]


def rule_explanation(*, code: str, language: str | None) -> str | None:
    """What a reason code means, in ``language`` (``nl``, ``nl-be``) when a lexicon speaks it, else None.

    A hit stores its explanation in the report's language; a moderator reads the console in their own."""
    lexicon = lexicons().get((language or "").split("-")[0].lower())
    return lexicon.explanations.get(code) if lexicon is not None else None
