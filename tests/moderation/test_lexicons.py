"""Lexicon files: every language covers every rule family with the same keys, and everything compiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.language import SUPPORTED_LANGUAGES
from moderation.rules.lexicon import (
    DESCRIPTOR_KINDS,
    LEXICON_DIR,
    LexiconError,
    descriptor_matcher,
    lexicons,
    schema_check,
    signal_matcher,
    vocabulary_matcher,
)
from moderation.rules.lexicon_schema import SCHEMA
from moderation.rules.reasons import REASONS, REDACTED_CODES

LANGUAGE_FILES = sorted(LEXICON_DIR.glob("*.json"))


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_it_supports_exactly_the_languages_that_have_a_lexicon_file() -> None:
    assert SUPPORTED_LANGUAGES == tuple(sorted(path.stem for path in LANGUAGE_FILES))
    assert set(SUPPORTED_LANGUAGES) >= {"en", "fr", "de", "es", "it", "nl"}


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.stem)
def test_each_lexicon_has_the_same_keys_as_every_other(path: Path) -> None:
    reference = _read(LEXICON_DIR / "en.json")
    data = _read(path)
    assert set(data) == set(reference)
    for section, expected in SCHEMA.items():
        if isinstance(expected, dict) and section != "classes":
            assert set(data[section]) == set(reference[section]), section
    assert set(data["profiling"]["descriptors"]) == set(DESCRIPTOR_KINDS)


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.stem)
def test_each_lexicon_explains_every_reason_code_and_has_a_placeholder_for_every_redacted_one(path: Path) -> None:
    data = _read(path)
    assert set(data["explanations"]) == set(REASONS)
    assert all(text.strip() for text in data["explanations"].values())
    assert set(data["placeholders"]) == set(REDACTED_CODES)
    assert all(text.startswith("[") and text.endswith("]") for text in data["placeholders"].values())


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.stem)
def test_each_lexicon_has_phrases_for_every_content_rule_family(path: Path) -> None:
    data = _read(path)
    for code, phrases in data["rules"].items():
        assert phrases, f"{path.name}: no phrase for {code}"
    assert data["profiling"]["protected"] and data["profiling"]["suspicion"]
    assert all(data["profiling"]["descriptors"][kind] for kind in DESCRIPTOR_KINDS)
    assert data["pii"]["given_names"] and data["pii"]["plate_cues"] and data["address"]["street_types"]
    assert data["address"]["before_number"] or data["address"]["after_number"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_each_lexicons_phrases_compile(language: str) -> None:
    assert signal_matcher(language).leaves
    assert vocabulary_matcher(language).leaves
    assert descriptor_matcher(language).leaves


def test_a_lexicon_missing_a_rule_family_is_refused_with_the_missing_key() -> None:
    data = _read(LEXICON_DIR / "en.json")
    del data["rules"]["threat.violence"]
    with pytest.raises(LexiconError, match=r"rules\.threat\.violence"):
        schema_check(data, "xx.json")


def test_a_phrase_that_cannot_be_compiled_names_its_file_and_key(tmp_path: Path) -> None:
    data = _read(LEXICON_DIR / "en.json")
    data["rules"]["hate.slur"] = ["{no_such_class}"]
    (tmp_path / "en.json").write_text(json.dumps(data), encoding="utf-8")
    lexicons(tmp_path)
    with pytest.raises(LexiconError, match=r"en\.json, hate\.slur"):
        signal_matcher("en", tmp_path)
