"""Lexicon files (``moderation/lexicons/<language>.json``): loading, checking and compiling, once.

A lexicon holds everything about a language that the rules need: phrases per reason code, words that
describe a person without naming a protected attribute, street words, plate cue words, stopwords for
language detection, and the explanations and placeholders shown to the citizen. Adding a language means
adding a file with the same keys (see docs/moderation.md); no code changes.

Everything here is compiled on first use and cached for the life of the process: a screening then costs
a few regex scans, never a file read or a compile.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.normal_form import NumberWords, number_words_compile
from moderation.rules.folding import fold_term
from moderation.rules.frame_forms import BUILD_COMMAND, FORMS_DIRECTORY, stored_forms
from moderation.rules.phrase_matchers import Entry, LayeredMatcher, PhraseMatcher
from moderation.rules.phrases import PhraseCompiler, PhraseError
from moderation.rules.reasons import REASONS, REDACTED_CODES

# The slots of the intent frames (moderation/rules/frames.py); lemma slots are expanded to every form.
FRAME_SLOTS: tuple[str, ...] = (
    "call",
    "target",
    "second_person",
    "harm_lemmas",
    "detain_lemmas",
    "until_we",
    "lesson",
    "publish_lemmas",
    "exposed",
    "audience",
    "euphemism",
    "weapons",
    "consequence",
    "hospital",
    "future",
    "soon",
    "incite",
)
FRAME_LEMMA_SLOTS = {"harm_lemmas": "harm", "detain_lemmas": "detain", "publish_lemmas": "publish"}
# Slots of common words ("him", "you", "every"): looked for only around the other slots' words, in the
# sentence, never by the phrase scan of the whole report (they would match at every other word).
FRAME_CONTEXT_SLOTS = ("call", "target", "second_person", "audience", "soon", "incite")

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"

# Codes matched as phrases from a lexicon's "rules" section. hate.quoted is derived from hate.* matches.
SIGNAL_CODES: tuple[str, ...] = tuple(
    code for code in REASONS if code.startswith(("vigilantism.", "threat.", "hate.")) and code != "hate.quoted"
)
DESCRIPTOR_KINDS: tuple[str, ...] = ("clothing", "build", "hair", "age", "vehicle", "action", "item")

# The shape every lexicon file must have. Sections whose keys must be the same in every language; values
# are the expected type of each key. "classes" is free-form: each language has its own grammar.
SCHEMA: dict[str, dict[str, type] | type] = {
    "language": str,
    "name": str,
    "regions": list,
    "detection": {"stopwords": list, "words": list, "marks": list},
    "classes": dict,
    "rules": dict.fromkeys(SIGNAL_CODES, list),
    "reported_speech": list,
    "profiling": {
        "protected": list,
        "suspicion": list,
        "exempt": list,
        "descriptors": dict,
        "possessives": list,
        "instrument_words": list,
    },
    "pii": {
        "given_names": list,
        "name_cues": list,
        "titles": list,
        "indefinite_articles": list,
        "name_particles": list,
        "not_names": list,
        "plate_cues": list,
        "phone_cues": list,
        "institution_cues": list,
        "office_titles": list,
        "venue_words": list,
        "venue_articles": list,
        "public_names": list,
        "handle_cues": list,
    },
    "address": {
        "street_types": list,
        "street_suffixes": list,
        "particles": list,
        "number_words": list,
        "before_number": list,
        "after_number": list,
        "not_after_number": list,
        "common_word_types": list,
    },
    "frames": dict.fromkeys(FRAME_SLOTS, list),
    "normal_form": {
        "number_morphemes": list,
        "small_numbers": list,
        "number_joiners": list,
        "at_words": list,
        "dot_words": list,
    },
    "explanations": dict.fromkeys(REASONS, str),
    "placeholders": dict.fromkeys(sorted(REDACTED_CODES), str),
}


class LexiconError(ValueError):
    """A lexicon file is missing a key, has a wrong type, or holds a phrase that cannot be compiled."""


@dataclass(frozen=True)
class AddressGrammar:
    """Compiled street-address patterns of one language, applied around each number in a report."""

    before: re.Pattern[str] | None  # street text ending just before the house number ("via Roma 3")
    after: re.Pattern[str] | None  # street text starting just after it ("7 Mill Lane")
    number_word: re.Pattern[str]  # "number", "n°", "Hausnummer" ending just before the number
    not_after: re.Pattern[str]  # "3 Uhr", "20 minutes": the number is not a house number


# eq=False: lexicons are compared (and cached on) by identity; their data is a plain dict.
@dataclass(frozen=True, eq=False)
class Lexicon:
    language: str
    data: Mapping[str, Any]
    regions: tuple[str, ...]
    stopwords: frozenset[str]
    detection_words: frozenset[str]
    marks: tuple[str, ...]
    given_names: frozenset[str]
    titles: frozenset[str]
    indefinite_articles: frozenset[str]
    name_particles: frozenset[str]
    not_names: frozenset[str]
    street_words: frozenset[str]
    address: AddressGrammar
    number_words: NumberWords
    explanations: Mapping[str, str] = field(repr=False)
    placeholders: Mapping[str, str] = field(repr=False)


def available_languages(directory: Path = LEXICON_DIR) -> tuple[str, ...]:
    """Languages with a lexicon file, sorted: the engine supports exactly these."""
    return tuple(sorted(path.stem for path in directory.glob("*.json")))


@functools.cache
def lexicons(directory: Path = LEXICON_DIR) -> Mapping[str, Lexicon]:
    """Every lexicon in ``directory``, checked against ``SCHEMA``; read once per process."""
    loaded: dict[str, Lexicon] = {}
    for language in available_languages(directory):
        path = directory / f"{language}.json"
        # utf-8-sig: a file saved by a Windows editor starts with a BOM.
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        schema_check(data, path.name)
        if data["language"] != language:
            raise LexiconError(f"{path.name}: 'language' is {data['language']!r}, expected {language!r}")
        loaded[language] = _lexicon_build(language, data)
    if not loaded:
        raise LexiconError(f"no lexicon files in {directory}")
    return loaded


def schema_check(data: Mapping[str, Any], name: str) -> None:
    """Raise ``LexiconError`` unless ``data`` has every key of ``SCHEMA`` with the expected types."""
    for key, expected in SCHEMA.items():
        if key not in data:
            raise LexiconError(f"{name}: missing key {key!r}")
        value = data[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise LexiconError(f"{name}: {key!r} must be an object")
            for sub_key, sub_type in expected.items():
                if not isinstance(value.get(sub_key), sub_type):
                    raise LexiconError(f"{name}: {key}.{sub_key} must be a {sub_type.__name__}")
        elif not isinstance(value, expected):
            raise LexiconError(f"{name}: {key!r} must be a {expected.__name__}")
    descriptors = data["profiling"]["descriptors"]
    for kind in DESCRIPTOR_KINDS:
        if not isinstance(descriptors.get(kind), list):
            raise LexiconError(f"{name}: profiling.descriptors.{kind} must be a list")


def _folded_set(words: Sequence[str]) -> frozenset[str]:
    return frozenset(fold_term(word).strip() for word in words if word.strip())


def _lexicon_build(language: str, data: Mapping[str, Any]) -> Lexicon:
    pii = data["pii"]
    address = data["address"]
    street_words = _folded_set(address["street_types"])
    return Lexicon(
        language=language,
        data=data,
        regions=tuple(data["regions"]),
        stopwords=_folded_set(data["detection"]["stopwords"]),
        detection_words=_folded_set(data["detection"]["words"]),
        marks=tuple(mark.lower() for mark in data["detection"]["marks"] if mark.strip()),
        given_names=_folded_set(pii["given_names"]),
        titles=_folded_set(title.rstrip(".") for title in pii["titles"]),
        indefinite_articles=_folded_set(pii["indefinite_articles"]),
        name_particles=_folded_set(pii["name_particles"]),
        not_names=_folded_set(pii["not_names"]) | street_words,
        street_words=street_words,
        address=_address_grammar(language, data),
        number_words=number_words_compile(
            language,
            data["normal_form"]["number_morphemes"],
            data["normal_form"]["small_numbers"],
            data["normal_form"]["number_joiners"],
        ),
        explanations=data["explanations"],
        placeholders=data["placeholders"],
    )


# -- phrase layers ----------------------------------------------------------------------------------------


# In the vocabulary, a leading class is spelt out whenever another phrase can start with one of its words
# (up to a generous size): then both phrases share one path in the prefix tree and the longest one wins at a
# position ("Arab guy", not "Arab"), and a capitals-only phrase cannot hide another one there. Signal
# phrases are many and long, so theirs are spelt out only while cheap (see PhraseCompiler).
_VOCABULARY_EXPANSION = {"max_expansion": 200, "max_expansion_size": 30_000, "only_on_conflict": True}


def _compiler(language: str, entries: Sequence[tuple[str, str]], directory: Path, **expansion: int) -> PhraseCompiler:
    loaded = lexicons(directory)
    compiler = PhraseCompiler({language: loaded[language].data["classes"]}, **expansion)
    for key, phrase in entries:
        try:
            compiler.add(phrase, Entry(language, key, phrase))
        except PhraseError as error:
            raise LexiconError(f"{language}.json, {key}: {error}") from error
    return compiler


# One matcher per language and layer, not one for all languages: a phrase of a language that does not
# apply to a report ("un árabe" in Spanish) would otherwise hide, at the same position, the phrase of the
# language that does ("un arabe" in French), since a regex reports one match per position. It also means
# a process only compiles the languages it actually sees.


def _signal_entries(language: str, directory: Path) -> list[tuple[str, str]]:
    data = lexicons(directory)[language].data
    entries = [(code, phrase) for code in SIGNAL_CODES for phrase in data["rules"][code]]
    entries.extend(("reported_speech", phrase) for phrase in data["reported_speech"])
    return entries


def _vocabulary_entries(language: str, directory: Path) -> list[tuple[str, str]]:
    data = lexicons(directory)[language].data
    profiling = data["profiling"]
    entries: list[tuple[str, str]] = []
    for key in ("protected", "suspicion", "exempt"):
        entries.extend((f"profiling.{key}", phrase) for phrase in profiling[key])
    for key in _PII_VOCABULARY:
        entries.extend((f"pii.{key}", phrase) for phrase in data["pii"][key])
    entries.extend(("number.word", phrase) for phrase in _number_phrases(data["normal_form"]))
    frames = data["frames"]
    for slot in FRAME_SLOTS:
        if slot in FRAME_CONTEXT_SLOTS:
            continue
        if slot in FRAME_LEMMA_SLOTS:
            key = f"frame.{FRAME_LEMMA_SLOTS[slot]}"
            entries.extend((key, form) for form in _lemma_forms(language, slot, frames[slot], directory))
        else:
            entries.extend((f"frame.{slot}", phrase) for phrase in frames[slot])
    # Titles, for names after a lower-case title ("la signora Ferraro"): one-letter and two-letter titles
    # that are also ordinary words ("m", "me") would only be noise.
    entries.extend(("pii.titles", title) for title in data["pii"]["titles"] if title.rstrip(".") not in _WORD_TITLES)
    return entries


def _lemma_forms(language: str, slot: str, lemmas: Sequence[str], directory: Path) -> list[str]:
    stored = stored_forms(language, directory)
    forms: list[str] = []
    for lemma in (lemma.strip() for lemma in lemmas):
        if not lemma:
            continue
        if lemma not in stored:
            # A lexicon edited without its forms: refused, rather than matching the bare lemma only.
            raise LexiconError(
                f"{language}.json, frames.{slot}: no stored forms for {lemma!r} in "
                f"{FORMS_DIRECTORY}/{language}.json; run {BUILD_COMMAND}"
            )
        forms.extend(stored[lemma])
    return sorted(set(forms))


_WORD_TITLES = frozenset({"m", "me"})
# Number words as the phrase scan finds them, so that a report without any is not split into words to look:
# every morpheme but the joining ones and the articles, and the longer ones also as the start of a
# compound ("drei*" for "dreiundzwanzig", "vent*" for "ventitré").
_NUMBER_ARTICLES = frozenset({"one", "un", "une", "uno", "una", "ein", "eine", "een", "und", "en", "ën", "oh"})


def _number_phrases(section: Mapping[str, Any]) -> list[str]:
    phrases: list[str] = []
    for morpheme in section["number_morphemes"]:
        word = morpheme.strip().lower()
        if not word or word in _NUMBER_ARTICLES:
            continue
        phrases.append(f"{word}*" if len(word) >= 4 else word)
    return phrases
# Cue words of the pii section found by the phrase scan (the others are word sets, checked directly).
_PII_VOCABULARY = (
    "name_cues",
    "plate_cues",
    "phone_cues",
    "institution_cues",
    "office_titles",
    "venue_words",
    "handle_cues",
)


def is_signal_key(key: str) -> bool:
    """Whether a phrase key belongs to the signal layer (rule phrases, reported speech) or the vocabulary."""
    return key == "reported_speech" or key.startswith(("vigilantism.", "threat.", "hate."))


@functools.cache
def signal_matcher(language: str, directory: Path = LEXICON_DIR) -> PhraseMatcher:
    """Vigilantism, threat and hate phrases of ``language``, plus its reported-speech cues.

    Screening scans them together with the vocabulary (``content_matcher``); this layer on its own is for
    checks and tools.
    """
    return _compiler(language, _signal_entries(language, directory), directory).build()


@functools.cache
def vocabulary_matcher(language: str, directory: Path = LEXICON_DIR) -> PhraseMatcher:
    """Profiling vocabulary (protected attributes, suspicion and exemption words) and PII cue words.

    Screening scans them together with the signals (``content_matcher``); this layer on its own is for
    checks and tools.
    """
    entries = _vocabulary_entries(language, directory)
    return _compiler(language, entries, directory, **_VOCABULARY_EXPANSION).build()


@functools.cache
def content_matcher(language: str, directory: Path = LEXICON_DIR) -> LayeredMatcher:
    """Signals and vocabulary of ``language`` in one scan, reporting what two separate scans would."""
    signals = _compiler(language, _signal_entries(language, directory), directory)
    vocabulary = _compiler(language, _vocabulary_entries(language, directory), directory, **_VOCABULARY_EXPANSION)
    return signals.build_layered(vocabulary)


@functools.cache
def descriptor_matcher(language: str, directory: Path = LEXICON_DIR) -> PhraseMatcher:
    """Non-protected descriptors of a person (clothing, build, hair, age, vehicle, action, item).

    A layer of its own: a descriptor word ("jeune", "young") would otherwise hide a protected phrase that
    starts with the same word ("jeune maghrébin"). Scanned only for reports that mention a protected
    attribute, which is few of them.
    """
    descriptors = lexicons(directory)[language].data["profiling"]["descriptors"]
    entries = [(f"descriptor.{kind}", phrase) for kind in DESCRIPTOR_KINDS for phrase in descriptors[kind]]
    return _compiler(language, entries, directory).build()


# -- street addresses -------------------------------------------------------------------------------------


def _alternation(words: Sequence[str]) -> str:
    folded = sorted({fold_term(word).strip() for word in words if word.strip()}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(word).replace(r"\ ", r"\s{1,3}") for word in folded) or "(?!)"


def _address_grammar(language: str, data: Mapping[str, Any]) -> AddressGrammar:
    address = data["address"]
    street = rf"(?:{_alternation(address['street_types'])})\.?(?!\w)"
    suffixes = _alternation(address["street_suffixes"])
    suffix_street = rf"[^\W\d_][\w'-]{{0,40}}?(?:{suffixes})\.?(?!\w)" if address["street_suffixes"] else "(?!)"
    # A particle ending in an apostrophe ("d'", "dell'") glues to the next word; others need a space.
    particle_items = sorted({fold_term(p).strip() for p in address["particles"] if p.strip()}, key=len, reverse=True)
    particles = "|".join(re.escape(p) + (r"\s?" if p.endswith("'") else r"\s{1,3}") for p in particle_items) or "(?!)"
    stopwords = _alternation([w for w in data["detection"]["stopwords"] if fold_term(w) not in particle_items])
    # A street name is one to three words that are not function words ("7 people in the street" is not an
    # address), with particles in between ("rue de la Paix", "avenida de América").
    word = rf"(?!(?:{stopwords})(?!\w))[^\W\d_][\w'-]{{0,30}}"
    name = rf"(?:(?:{particles})){{0,3}}{word}(?:\s{{1,3}}(?:(?:{particles})){{0,3}}{word}){{0,2}}"

    def template(text: str) -> str:
        parts = []
        for slot in text.split():
            optional = slot.endswith("?") and len(slot) > 1
            slot = slot.rstrip("?")
            if slot == "{street}":
                piece = street
            elif slot == "{suffix_street}":
                piece = suffix_street
            elif slot == "{name}":
                piece = name
            elif slot.startswith("{"):
                raise LexiconError(f"{language}.json, address: unknown slot {slot}")
            else:
                piece = re.escape(fold_term(slot)) + r"(?!\w)"
            # Words of one address follow each other with spaces only: "50, bald, green" is a list.
            parts.append(rf"(?:{piece}\s{{1,3}})?" if optional else rf"{piece}\s{{1,3}}")
        # The separator after the last slot is dropped: a template ends at the last word.
        joined = "".join(parts)
        return joined[: -len(r"\s{1,3}")] if joined.endswith(r"\s{1,3}") else joined

    before = [template(t) for t in address["before_number"]]
    after = [template(t) for t in address["after_number"]]
    number_words = _alternation(address["number_words"])
    # "calle Sol, nº 9": a number word may stand between the street and the number.
    number_word_gap = rf"(?:(?:{number_words})\.?\s{{0,2}})?"
    return AddressGrammar(
        before=re.compile(rf"(?<!\w)(?:{'|'.join(before)})[\s,]{{0,3}}{number_word_gap}$") if before else None,
        after=re.compile(rf"[\s,]{{0,3}}(?:{'|'.join(after)})") if after else None,
        number_word=re.compile(rf"(?<!\w)(?:{number_words})\.?\s{{0,2}}$"),
        not_after=re.compile(rf"\s{{0,2}}(?:{_alternation(address['not_after_number'])})(?!\w)"),
    )
