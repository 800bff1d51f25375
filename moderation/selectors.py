"""Reads of the moderation workflow, filtered for whoever asks."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from moderation.models import Appeal, AuditEntry, Case, Decision, RuleHit
from moderation.rules.lexicon import lexicons

MODERATOR_ROLES = ("moderator", "admin")
# Below this, a published count could single out a person in a small district.
TRANSPARENCY_MIN_COUNT = 10
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


def _shown(count: int) -> int | str:
    return count if count >= TRANSPARENCY_MIN_COUNT else f"<{TRANSPARENCY_MIN_COUNT}"


def transparency_month(month: date) -> list[dict[str, Any]]:
    """Per district, for reports received in ``month`` (UTC): received, held, rejected by rule family,
    median minutes to a moderator's decision and appeals upheld. Counts under 10 read ``"<10"``."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    cases = Case.objects.filter(report__created_at__gte=start, report__created_at__lt=end)
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"received": 0, "held": 0, "rejected": defaultdict(int), "decision_minutes": [], "appeals_upheld": 0}
    )
    for district, verdict in cases.values_list("report__district__name", "auto_verdict"):
        row = rows[district or ""]
        row["received"] += 1
        row["held"] += verdict == Case.Verdict.HOLD
    rejected = cases.filter(report__status="rejected")
    for district, family in (
        RuleHit.objects.filter(case__in=rejected, action=RuleHit.Action.REJECT)
        .values_list("case__report__district__name", "family").distinct()
    ):
        rows[district or ""]["rejected"][family] += 1
    for district, reason in Decision.objects.filter(
        case__in=rejected, outcome=Decision.Outcome.REJECT, moderator__isnull=False
    ).values_list("case__report__district__name", "reason_code"):
        rows[district or ""]["rejected"][reason.split(".")[0]] += 1
    for district, opened, decided in (
        Decision.objects.filter(case__in=cases, moderator__isnull=False, on_appeal=False)
        .exclude(outcome=Decision.Outcome.ESCALATE)
        .values_list("case__report__district__name", "case__opened_at", "created_at")
    ):
        rows[district or ""]["decision_minutes"].append((decided - opened).total_seconds() / 60)
    for (district,) in Appeal.objects.filter(case__in=cases, outcome=Appeal.Outcome.UPHELD).values_list(
        "case__report__district__name"
    ):
        rows[district or ""]["appeals_upheld"] += 1

    published = []
    for district in sorted(rows):
        row = rows[district]
        minutes = row["decision_minutes"]
        published.append({
            "district": district or None,
            "received": _shown(row["received"]),
            "held": _shown(row["held"]),
            "rejected": {family: _shown(n) for family, n in sorted(row["rejected"].items())},
            # A median of a handful of decisions would describe individual moderators' cases.
            "median_minutes_to_decision": (
                round(statistics.median(minutes), 1) if len(minutes) >= TRANSPARENCY_MIN_COUNT else None
            ),
            "appeals_upheld": _shown(row["appeals_upheld"]),
        })
    return published


def rule_explanation(*, code: str, language: str | None) -> str | None:
    """What a reason code means, in ``language`` (``nl``, ``nl-be``) when a lexicon speaks it, else None.

    A hit stores its explanation in the report's language; a moderator reads the console in their own."""
    lexicon = lexicons().get((language or "").split("-")[0].lower())
    return lexicon.explanations.get(code) if lexicon is not None else None
