"""The reason codes the engine can give, and what each one does to a report.

Codes are a stable contract (moderator console, transparency statistics, appeals): rename one only with a
migration of stored hits. Content codes start with ``pii.``, ``vigilantism.``, ``threat.``, ``hate.``,
``profiling.``; behaviour codes with ``trust.``, ``flood.``, ``rate.``.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["redact", "hold", "reject"]

# Strongest first: the verdict of a screening is the strongest action among its hits.
ACTION_STRENGTH: dict[str, int] = {"redact": 1, "hold": 2, "reject": 3}

REASONS: dict[str, Action] = {
    # Personal data: held for a moderator, and cut out of anything shown to others.
    "pii.person_name": "hold",
    "pii.phone": "hold",
    "pii.email": "hold",
    "pii.address": "hold",
    "pii.licence_plate": "hold",
    "pii.handle": "hold",
    "pii.url": "hold",
    # Calls to act instead of the police. Gathering or searching may be a misguided neighbour (hold);
    # punishing someone or paying for their capture is not something Lantern will carry (reject).
    "vigilantism.patrol": "hold",
    "vigilantism.hunt": "hold",
    "vigilantism.identify": "hold",
    "vigilantism.punish": "reject",
    "vigilantism.bounty": "reject",
    "threat.violence": "reject",
    "threat.incitement": "reject",
    "hate.slur": "reject",
    "hate.dehumanising": "reject",
    # A slur the reporter quotes from the offender ("he called me a ..."): the report of a hate crime is
    # legitimate, the word is not repeated to others.
    "hate.quoted": "redact",
    "profiling.protected_attribute": "hold",
    "trust.new_device": "hold",
    "trust.rejection_history": "hold",
    "flood.place": "hold",
    "rate.burst": "hold",
}

CONTENT_PREFIXES = ("pii.", "vigilantism.", "threat.", "hate.", "profiling.")
BEHAVIOUR_PREFIXES = ("trust.", "flood.", "rate.")

# Codes whose spans are replaced by a placeholder in the text shown to others.
REDACTED_CODES = frozenset(code for code, action in REASONS.items() if code.startswith("pii.") or action == "redact")
