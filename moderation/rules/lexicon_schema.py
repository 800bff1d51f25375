"""The shape every lexicon file (``moderation/lexicons/<language>.json``) must have, and the check of it.

The reason codes and frame slots a lexicon fills are fixed here; what a language says for them is data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
