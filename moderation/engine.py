"""The moderation rules engine: screens a draft report before anyone but its author sees it.

Pure functions over plain data: no Django models, no database, no network. ``alerts.services`` hands in
the draft text, the reporter's history and nearby activity; it gets back a ``Screening`` with a verdict,
the reason codes that led to it (each with spans into the original text and an explanation in the
reporter's language that says what to change) and a redacted copy of the text that may be shown to others.

Lexicons and compiled patterns are loaded on first use and cached for the life of the process; call
``warm_up()`` at start-up to pay that cost before the first report rather than during it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from moderation.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, base_language, language_guess, locale_region
from moderation.normal_form import Layer, NormalForm, digits_layer, normal_form
from moderation.rules import behaviour, frames, hate, pii, profiling, threat, vigilantism
from moderation.rules.behaviour import DEFAULT_LIMITS, BehaviourLimits
from moderation.rules.document import Document, Finding, Span, merge_spans
from moderation.rules.folding import fold
from moderation.rules.lexicon import Lexicon, content_matcher, descriptor_matcher, lexicons
from moderation.rules.reasons import ACTION_STRENGTH, REASONS, REDACTED_CODES, Action

__all__ = [
    "DEFAULT_LIMITS",
    "REASONS",
    "SUPPORTED_LANGUAGES",
    "Action",
    "BehaviourLimits",
    "Draft",
    "NearbyActivity",
    "ReporterHistory",
    "RuleHit",
    "Screening",
    "screen",
    "warm_up",
]

Verdict = Literal["allow", "redact", "hold", "reject"]

# Families in the order hits are listed: what a moderator should read first comes first.
_CONTENT_RULES = (pii, vigilantism, frames, threat, hate, profiling)


@dataclass(frozen=True, slots=True)
class RuleHit:
    code: str
    action: Action
    spans: tuple[tuple[int, int], ...]  # into the original text; empty for behaviour rules
    explanation: str


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    category: str = ""
    locale: str | None = None  # e.g. "nl-BE": the fallback language when detection is unsure


@dataclass(frozen=True, slots=True)
class ReporterHistory:
    """The device's reports before this one (the caller may look back a bounded number of them)."""

    reports_total: int = 0
    reports_rejected: int = 0
    reports_last_hour: int = 0


@dataclass(frozen=True, slots=True)
class NearbyActivity:
    """Recent reports within a few hundred metres, or about the same subject, in the caller's window."""

    reports: int = 0
    distinct_devices: int = 0


@dataclass(frozen=True, slots=True)
class Screening:
    language: str
    verdict: Verdict
    hits: tuple[RuleHit, ...]
    redacted_text: str


def screen(
    draft: Draft,
    *,
    history: ReporterHistory | None = None,
    nearby: NearbyActivity | None = None,
    limits: BehaviourLimits = DEFAULT_LIMITS,
) -> Screening:
    """Screen ``draft``: the verdict is the strongest action among the hits (reject > hold > redact), or
    "allow" without hits. ``history``/``nearby`` left out means unknown, and their rules do not fire."""
    loaded = lexicons()
    form = normal_form(draft.text)
    folded = fold(form.text)
    guess = language_guess(form.text, folded=folded.folded)
    locale_language = base_language(draft.locale)
    if locale_language not in loaded:
        locale_language = None
    if guess.confident and guess.language is not None:
        language = guess.language
        candidates = {language}
    else:
        language = locale_language or guess.language or DEFAULT_LANGUAGE
        # Too short or too mixed to tell: every lexicon's phrases count.
        candidates = set(loaded)
    if locale_language is not None:
        candidates.add(locale_language)
    region = locale_region(draft.locale)
    doc = Document(form.text, languages=candidates, lexicons=loaded, region=region, folded=folded)
    lexicon = loaded.get(language) or loaded[DEFAULT_LANGUAGE]

    hits: list[RuleHit] = []
    # Phrases and intent frames may give the same code: one hit per code, with the spans of both.
    by_code: dict[str, list[Span]] = {}
    for rule in _CONTENT_RULES:
        if rule is pii:
            found = _personal_data(form, doc, language, loaded)
        else:
            found = [_to_original(finding, form.words) for finding in rule.findings(doc)]
        for finding in found:
            by_code.setdefault(finding.code, []).extend(finding.spans)
    for family in ("pii.", "vigilantism.", "threat.", "hate.", "profiling."):
        findings = [Finding(code, merge_spans(spans)) for code, spans in by_code.items() if code.startswith(family)]
        findings.sort(key=lambda f: (f.spans[0] if f.spans else (0, 0), f.code))
        hits.extend(_hit(finding, lexicon) for finding in findings)
    hits.extend(_hit(Finding(code, ()), lexicon) for code in behaviour.codes(history, nearby, limits))

    verdict: Verdict = "allow"
    if hits:
        verdict = max((hit.action for hit in hits), key=ACTION_STRENGTH.__getitem__)
    return Screening(
        language=language,
        verdict=verdict,
        hits=tuple(hits),
        redacted_text=redact(draft.text, hits, lexicon),
    )


def _personal_data(form: NormalForm, doc: Document, language: str, loaded: Mapping[str, Lexicon]) -> list[Finding]:
    """Personal data, found on the digits layer ("zero six…", "name (at) host (dot) com" written out) when
    it differs from the words layer; spans point into the original text either way."""
    order = (language, *sorted(doc.languages - {language}), *sorted(set(loaded) - doc.languages - {language}))
    numbers = tuple(loaded[code].number_words for code in order if code in loaded)
    at_words, dot_words = _email_words(tuple(loaded.values()))
    seen = [doc.lowered[t.start : t.end] for t in doc.vocabulary if t.key == "number.word"]
    digits = digits_layer(form, numbers, at_words, dot_words, doc.lowered, seen)
    if digits.text == form.text:
        return [_to_original(finding, form.words) for finding in pii.findings(doc)]
    digits_doc = Document(digits.text, languages=doc.languages, lexicons=doc.lexicons, region=doc.region)
    return [_to_original(finding, digits) for finding in pii.findings(digits_doc)]


@functools.cache
def _email_words(loaded: tuple[Lexicon, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    at_words = sorted({word for lexicon in loaded for word in lexicon.data["normal_form"]["at_words"]})
    dot_words = sorted({word for lexicon in loaded for word in lexicon.data["normal_form"]["dot_words"]})
    return tuple(at_words), tuple(dot_words)


def _to_original(finding: Finding, layer: Layer) -> Finding:
    if layer.starts is None:
        return finding
    return Finding(finding.code, merge_spans(layer.original_span(start, end) for start, end in finding.spans))


def _hit(finding: Finding, lexicon: Lexicon) -> RuleHit:
    return RuleHit(
        code=finding.code,
        action=REASONS[finding.code],
        spans=finding.spans,
        explanation=lexicon.explanations[finding.code],
    )


def redact(text: str, hits: Iterable[RuleHit], lexicon: Lexicon) -> str:
    """``text`` with every personal-data span (and every span of a redacting hit) replaced by a placeholder.

    Overlapping spans ("Julien Petit du 12 avenue Foch" is a name inside an address sentence) are cut out
    once, with the placeholder of the widest span among them.
    """
    spans: list[tuple[int, int, str]] = [
        (start, end, hit.code) for hit in hits if hit.code in REDACTED_CODES for start, end in hit.spans
    ]
    if not spans:
        return text
    pieces: list[str] = []
    cursor = 0
    for start, end in merge_spans((s, e) for s, e, _ in spans):
        inside = [(s, e, code) for s, e, code in spans if start <= s and e <= end]
        code = max(inside, key=lambda item: (item[1] - item[0], item[2]))[2]
        pieces.append(text[cursor:start])
        pieces.append(lexicon.placeholders[code])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def warm_up() -> None:
    """Load and compile every lexicon now, so the first screened report does not pay for it."""
    for language in lexicons():
        content_matcher(language)
        descriptor_matcher(language)
    # Non-ASCII text, spelled numbers and an e-mail build the normal form's tables too.
    screen(Draft(text="warm-up: 7 Mill Lane, +44 20 7946 0000, AB-123-CD, Јаvіеr, jan (at) host (dot) com"))
    screen(Draft(text="zero six twelve thirty-four, null eins, zéro six, cero seis, zero sei, nul zes"))


def spans_text(text: str, spans: Iterable[Span]) -> list[str]:
    """The pieces of ``text`` that ``spans`` point at; for tests and the moderator console."""
    return [text[start:end] for start, end in spans]
