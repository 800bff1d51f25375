"""Whether a report suggests someone may be in danger right now, and what the app then tells them.

Lantern is not an emergency service: when a report looks like an emergency, the app must put the
emergency number in front of the citizen at once. Showing it needlessly costs a glance; missing it can
cost far more. So every doubt here resolves towards showing it.

Phrases live in ``reports/data/danger_now/<language>.txt`` so that an NGO can add terms, or a whole
language, without touching code. Pure: no database, no settings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

# A report in a danger-signalling category counts as "now" for this long after it happened. An hour
# covers the time it takes to get somewhere safe and open the app, while someone reporting yesterday's
# assault is not pushed towards a number meant for emergencies.
DANGER_WINDOW = timedelta(minutes=60)

DANGER_PHRASES_DIR = Path(__file__).resolve().parent / "data" / "danger_now"

# Written here rather than in .po files: this sentence must exist in every language the app speaks even
# before anyone runs compilemessages, and it must never silently fall back to a msgid.
_GUIDANCE: dict[str, str] = {
    "en": "If anyone is in danger now, call {number}.",
    "fr": "Si quelqu'un est en danger en ce moment, appelez le {number}.",
    "de": "Wenn gerade jemand in Gefahr ist, rufen Sie sofort {number} an.",
    "es": "Si alguien está en peligro ahora mismo, llame al {number}.",
    "it": "Se qualcuno è in pericolo in questo momento, chiama il {number}.",
    "nl": "Is er nu iemand in gevaar? Bel dan {number}.",
}
_FALLBACK_LANGUAGE = "en"

# Phones type curly apostrophes and assorted dashes; the phrase files use the plain ASCII ones.
_PUNCTUATION = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'", "\u2010": "-", "\u2011": "-"}
    # En and em dashes separate clauses ("Hilfe\u2014er verfolgt mich"); they must not glue words together.
    | dict.fromkeys(["\u2012", "\u2013", "\u2014", "\u2015", "\u2212"], " ")
)
# Inside a word, an apostrophe or hyphen also matches a space or nothing: people type "Im scared",
# "aidez moi", "jai peur". Between words, a stray apostrophe or hyphen is tolerated: "E' ancora qui".
_JOINER = r"[\s'\-]?"
_SEPARATOR = r"[\s'\-]+"
# A hyphen counts as part of a word, so "hilfe" does not fire inside "Erste-Hilfe-Kurs".
_BEFORE = r"(?<![\w-])"
_AFTER = r"(?![\w-])"


def danger_now(*, signals_danger: bool, text: str, occurred_at: datetime, now: datetime) -> bool:
    """True when the report suggests someone may be in danger now, so the app shows the emergency number.

    Either the category signals danger and the incident is at most ``DANGER_WINDOW`` old, or the text
    contains a "happening now / I am in danger" phrase in any of the phrase files' languages. Texts are
    matched against every language: a citizen does not always write in their phone's language.
    ``occurred_at`` and ``now`` must both be timezone-aware (or both naive).
    """
    # A time slightly in the future is clock skew between phone and server: it counts as now.
    if signals_danger and now - occurred_at <= DANGER_WINDOW:
        return True
    return bool(text) and danger_pattern().search(_fold(text)) is not None


def emergency_guidance(*, number: str, language: str) -> dict[str, str]:
    """``{"number", "message"}``: the sentence telling the citizen to call ``number`` if anyone is in danger.

    ``language`` may be a locale ("fr-BE", "pt_BR"); unknown languages get English.
    """
    base = (language or "").replace("_", "-").split("-")[0].lower()
    template = _GUIDANCE.get(base, _GUIDANCE[_FALLBACK_LANGUAGE])
    return {"number": number, "message": template.format(number=number)}


@functools.cache
def danger_pattern(directory: Path = DANGER_PHRASES_DIR) -> re.Pattern[str]:
    """One compiled pattern for every phrase of every ``*.txt`` file in ``directory``; built once.

    It matches text already folded by ``_fold``. Phrases are literal text, never regular expressions,
    so a phrase file written by a non-programmer cannot break matching or make it slow.
    """
    phrases = sorted(
        {phrase for path in sorted(directory.glob("*.txt")) for phrase in _phrases_read(path)},
        key=lambda phrase: (-len(phrase), phrase),
    )
    if not phrases:
        return re.compile(r"(?!)")
    alternatives = "|".join(_phrase_regex(phrase) for phrase in phrases)
    return re.compile(f"{_BEFORE}(?:{alternatives}){_AFTER}")


def _phrases_read(path: Path) -> list[str]:
    # utf-8-sig: a phrase file saved by a Windows editor starts with a BOM, which must not end up
    # glued to the first phrase.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [_fold(line).strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _phrase_regex(phrase: str) -> str:
    words = []
    for word in phrase.split():
        parts = re.split(r"['\-]+", word)
        words.append(_JOINER.join(re.escape(part) for part in parts if part))
    return _SEPARATOR.join(word for word in words if word)


def _fold(text: str) -> str:
    """Lower-case, accent-free, with one apostrophe and one hyphen: "Ayúdame" and "ayudame" compare equal."""
    # Casefold before decomposing: casefolding can itself produce combining marks ("İ" -> "i̇").
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION).casefold())
    if decomposed.isascii():
        return decomposed  # nothing to strip: most texts, and the per-character pass is the costly part
    return "".join(char for char in decomposed if not unicodedata.combining(char))
