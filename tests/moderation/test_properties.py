"""Metamorphic properties of the engine: what a reader still reads the same is screened the same.

* A harmful labelled case stays flagged, in its family, when it is written with invisible characters,
  look-alike letters of other scripts, full-width letters, leetspeak, or its phone number split by spaces,
  dots or emoji, and under any combination of these.
* A clean labelled case stays clean when an institution's number, a shop or a venue, or a public figure in
  office is added to it.

The cases are the shared examples and the held-out set; the obfuscations and the additions are drawn by
hypothesis (derandomised, so that CI sees the same draws every run).
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.engine import Draft, screen
from tests.moderation.labelled import HELDOUT, SHARED_EXAMPLES, cases_read, content_families

CASES = cases_read(SHARED_EXAMPLES) + cases_read(HELDOUT)
FLAGGED = [case for case in CASES if case["expect"] == "flag"]
CLEAN = [case for case in CASES if case["expect"] == "clean"]

PROPERTY_SETTINGS = settings(
    max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
# Latin letters and Cyrillic or Greek letters drawn alike (Unicode TR39 confusables).
LOOK_ALIKES = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "i": "і",
    "j": "ј",
    "s": "ѕ",
    "y": "у",
    "A": "А",
    "B": "В",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "J": "Ј",
}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
SEPARATORS = [" ", " . ", "🔸", " - ", "·", " 🔹 "]


def _invisible(text: str, draw: Any) -> str:
    positions = draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=6))
    for position in sorted(positions, reverse=True):
        text = text[:position] + draw(st.sampled_from(INVISIBLE)) + text[position:]
    return text


def _look_alikes(text: str, draw: Any) -> str:
    share = draw(st.integers(20, 100))
    salt = draw(st.integers(0, 96))
    return "".join(
        LOOK_ALIKES[char] if char in LOOK_ALIKES and (index * 37 + salt) % 100 < share else char
        for index, char in enumerate(text)
    )


def _full_width(text: str, draw: Any) -> str:
    """Some ASCII letters and digits as their full-width forms (NFKC folds them back)."""
    start = draw(st.integers(0, max(0, len(text) - 1)))
    end = min(len(text), start + draw(st.integers(1, 30)))
    piece = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text[start:end])
    return text[:start] + piece + text[end:]


_INNER_VOWEL = re.compile(r"(?<=[a-z])[aeiost](?=[a-z])")


def _leet(text: str, draw: Any) -> str:
    """Letters inside lower-case words as digits ("p1keys"): the lexicons' words, not names or numbers."""
    words = text.split(" ")
    chosen = draw(st.lists(st.integers(0, len(words) - 1), min_size=1, max_size=4))
    for index in chosen:
        word = words[index]
        if word.islower() and word.isalpha() and len(word) >= 4:
            words[index] = _INNER_VOWEL.sub(lambda m: LEET[m.group()], word, count=1)
    return " ".join(words)


_PHONE = re.compile(r"\+?\d[\d ./-]{6,}\d")


def _split_digits(text: str, draw: Any) -> str:
    """A phone number's digits one by one, or in pairs, with spaces, dots, dashes or emoji between them."""
    separator = draw(st.sampled_from(SEPARATORS))
    size = draw(st.sampled_from([1, 2]))

    def split(match: re.Match[str]) -> str:
        raw = match.group()
        if raw.count(".") == 2 or (raw.count("/") == 2 and len(raw) <= 10):
            return raw  # a date
        prefix = "+" if raw.startswith("+") else ""
        digits = re.sub(r"\D", "", raw)
        return prefix + separator.join(digits[i : i + size] for i in range(0, len(digits), size))

    return _PHONE.sub(split, text)


OBFUSCATIONS = {
    "invisible": _invisible,
    "look_alikes": _look_alikes,
    "full_width": _full_width,
    "leet": _leet,
    "split_digits": _split_digits,
}


def _applies(name: str, case: dict[str, Any]) -> bool:
    if name == "leet":
        # Leetspeak is undone for the phrase lexicons; personal data is found by shapes, not words.
        return case["family"] != "pii"
    if name == "split_digits":
        return _PHONE.search(case["text"]) is not None and case["family"] == "pii"
    return True


@PROPERTY_SETTINGS
@given(
    case=st.sampled_from(FLAGGED),
    names=st.lists(st.sampled_from(sorted(OBFUSCATIONS)), min_size=1, max_size=3),
    data=st.data(),
)
def test_it_keeps_flagging_a_harmful_report_in_its_family_however_it_is_disguised(
    case: dict[str, Any], names: list[str], data: st.DataObject
) -> None:
    text = case["text"]
    for name in names:
        if _applies(name, case):
            text = OBFUSCATIONS[name](text, data.draw)
    assert case["family"] in content_families(screen(Draft(text=text))), text


# Per language: an institution's number, a shop or a venue named after a person, a public figure in office.
ADDITIONS: dict[str, list[str]] = {
    "en": [
        "The council's number is 0300 123 4567.",
        "I called the police non-emergency line on 0800 555 111 first.",
        "It happened near John Lewis.",
        "Mayor Andy Burnham has promised more lighting.",
    ],
    "fr": [
        "La mairie répond au 01 42 76 40 40.",
        "Le numéro vert est le 0800 22 33 44.",
        "C'était devant le magasin Yves Rocher.",
        "Le maire Jean Dupont a promis des caméras.",
    ],
    "de": [
        "Die Polizeiinspektion erreicht man unter 089 2910 2100.",
        "Die Servicenummer der Stadt ist 0180 1234567.",
        "Es war vor dem Laden Hugo Boss.",
        "Bürgermeister Thomas Becker hat mehr Licht versprochen.",
    ],
    "es": [
        "El teléfono del ayuntamiento es el 915 298 210.",
        "La línea gratuita es el 900 123 456.",
        "Fue a la salida del Santiago Bernabéu.",
        "El alcalde Luis Martínez prometió más luz.",
    ],
    "it": [
        "Il numero del comune è 06 0606 0606.",
        "Il numero verde è 800 123 456.",
        "È successo fuori dal Giuseppe Meazza.",
        "Il sindaco Marco Rossi ha promesso telecamere.",
    ],
    "nl": [
        "De politie is bereikbaar op 0900-8844.",
        "Slachtofferhulp is bereikbaar op 0900-0101.",
        "Het was bij de Dirk van den Broek.",
        "Burgemeester Femke Halsema beloofde meer licht.",
    ],
}


@PROPERTY_SETTINGS
@given(case=st.sampled_from(CLEAN), data=st.data())
def test_it_leaves_a_clean_report_clean_when_an_institution_a_shop_or_a_public_figure_is_added(
    case: dict[str, Any], data: st.DataObject
) -> None:
    additions = data.draw(st.lists(st.sampled_from(ADDITIONS[case["lang"]]), min_size=1, max_size=2, unique=True))
    text = case["text"].rstrip() + " " + " ".join(additions)
    assert content_families(screen(Draft(text=text))) == set(), text
