"""Who receives a report: consent first, then place, category and language.

- Police: only with ``share_with_police``; the active police partner whose jurisdiction contains the point
  and who handles the category.
- Victim support: only with ``victim_support`` and a way to reach the citizen; a partner for the place and
  category, preferring one that speaks the citizen's language.
- Municipal services: only for reports the public may see (published at intake, not sensitive, with
  ``public_alert``), since they receive nothing the public could not read; never back out over Open311
  for a request that came in over Open311 (two servers would ping-pong it).
- When no partner's jurisdiction serves the place (or none handles the category), the fallback partner
  named in ``REFERRAL_FALLBACK_PARTNERS`` for that kind, if any.
- Moderation does not gate police or victim support: a held report still reaches them.

The most specific jurisdiction wins (smallest area), then the partner's name, so routing is stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referrals.directory import Directory, partner_directory
from referrals.models import Partner

KIND_ORDER = (Partner.Kind.POLICE, Partner.Kind.VICTIM_SUPPORT, Partner.Kind.MUNICIPAL_SERVICE)


@dataclass(frozen=True)
class Route:
    partner: Partner
    kind: str
    routed_by: str  # "jurisdiction" or "fallback"


def kinds_wanted(report: Any) -> list[str]:
    """The partner kinds this report may go to, from the citizen's consent and what the public may see."""
    kinds = []
    if report.consent_police:
        kinds.append(Partner.Kind.POLICE)
    if report.consent_victim_support and _reachable(report.contact or {}):
        kinds.append(Partner.Kind.VICTIM_SUPPORT)
    if (
        report.consent_public_alert
        and report.status == "published"
        and not report.category.sensitive
    ):
        kinds.append(Partner.Kind.MUNICIPAL_SERVICE)
    return kinds


def _reachable(contact: Mapping[str, Any]) -> bool:
    return bool(contact.get("phone") or contact.get("email"))


def language_of(report: Any) -> str:
    contact = report.contact or {}
    return (contact.get("preferred_language") or report.language or "").split("-")[0].lower()


def report_routes(*, report: Any, fallbacks: Mapping[str, str]) -> list[Route]:
    """One partner per kind the citizen allowed, or none for a kind nobody serves."""
    kinds = kinds_wanted(report)
    if not kinds:
        return []
    directory = partner_directory()
    routes = []
    jurisdictions = directory.jurisdictions_containing(report.location)
    for kind in kinds:
        candidates = directory.serving(kind=kind, category_id=report.category_id, jurisdiction_ids=jurisdictions)
        if report.source == "open311":
            candidates = [(p, j) for p, j in candidates if p.channel != Partner.Channel.OPEN311]
        partner = _best(candidates, jurisdictions=jurisdictions, language=language_of(report), kind=kind)
        if partner is not None:
            routes.append(Route(partner, kind, "jurisdiction"))
            continue
        fallback = _fallback(directory, kind=kind, name=fallbacks.get(kind, ""), source=report.source)
        if fallback is not None:
            routes.append(Route(fallback, kind, "fallback"))
    return routes


def _best(
    candidates: list[tuple[Partner, int]], *, jurisdictions: list[int], language: str, kind: str
) -> Partner | None:
    if not candidates:
        return None
    specificity = {pk: rank for rank, pk in enumerate(jurisdictions)}

    def key(item: tuple[Partner, int]) -> tuple[int, int, str]:
        partner, jurisdiction_id = item
        speaks = not partner.languages or language in partner.languages
        # Language only matters to victim support, who will talk to the citizen.
        language_rank = 0 if kind != Partner.Kind.VICTIM_SUPPORT or speaks else 1
        return (language_rank, specificity.get(jurisdiction_id, len(jurisdictions)), partner.name)

    return min(candidates, key=key)[0]


def _fallback(directory: Directory, *, kind: str, name: str, source: str) -> Partner | None:
    if not name:
        return None
    partner = directory.active_named(name=name, kind=kind)
    if partner is not None and source == "open311" and partner.channel == Partner.Channel.OPEN311:
        return None
    return partner
