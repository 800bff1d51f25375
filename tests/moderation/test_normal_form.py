"""The normal form: what a citizen meant, with every span pointing back to what they typed."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, _email_words, screen
from moderation.normal_form import digits_layer, leet_folded, normal_form
from moderation.rules.lexicon import lexicons


def _digits(text: str, first: str = "en") -> tuple[str, object]:
    loaded = lexicons()
    order = (first, *sorted(set(loaded) - {first}))
    at_words, dot_words = _email_words(tuple(loaded.values()))
    layer = digits_layer(normal_form(text), tuple(loaded[code].number_words for code in order), at_words, dot_words)
    return layer.text, layer


def test_it_leaves_plain_ascii_text_as_it_is() -> None:
    form = normal_form("My bike was taken from the rack at 7pm.")
    assert form.text == "My bike was taken from the rack at 7pm."
    assert form.words.starts is None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Ja\u200bvier", "Javier"),  # zero-width space
        ("Jo\u200dhn\u2060", "John"),  # zero-width joiner, word joiner
        ("\u202eNavarro\u202c", "Navarro"),  # bidi override
        ("Kim\ufe0f", "Kim"),  # variation selector
        ("Јаvіеr Nаvаrrо", "Javier Navarro"),  # Cyrillic look-alikes
        ("ＡＢ１２３", "AB123"),  # full width (NFKC)
        ("name＠host", "name@host"),
    ],
)
def test_it_undoes_invisible_and_look_alike_characters(typed: str, meant: str) -> None:
    assert normal_form(typed).text == meant


def test_it_keeps_a_map_from_each_character_to_the_text_as_typed() -> None:
    typed = "It was Ja\u200bvier Nаvаrrо."
    form = normal_form(typed)
    start = form.text.index("Javier")
    begin, end = form.words.original_span(start, start + len("Javier Navarro"))
    assert typed[begin:end] == "Ja\u200bvier Nаvаrrо"


@pytest.mark.parametrize(
    ("folded", "expected"),
    [
        ("those p1keys again", "those pikeys again"),
        ("fr0ci", "froci"),
        ("kutmar0kkanen", "kutmarokkanen"),
        ("at 12a, 8bis and ld21 xrt", "at 12a, 8bis and ld21 xrt"),
        ("call 0612345678", "call 0612345678"),
    ],
)
def test_it_folds_leetspeak_inside_words_only(folded: str, expected: str) -> None:
    assert leet_folded(folded) == expected
    assert len(leet_folded(folded)) == len(folded)


@pytest.mark.parametrize(
    ("typed", "language", "digits"),
    [
        ("call zero seven nine one one four eight two", "en", "07911482"),
        ("ruf null eins sieben sechs eins zwei drei vier an", "de", "01761234"),
        ("llama al seis cinco cinco uno dos tres cuatro", "es", "6551234"),
        ("zéro six douze trente-quatre", "fr", "061234"),
        ("bel nul zes twaalf", "nl", "06 12"),
        ("chiama zero tre tre nove uno due", "it", "033912"),
        ("lives at twenty-three Hazel Road", "en", "23 Hazel Road"),
    ],
)
def test_it_writes_numbers_in_words_as_digits(typed: str, language: str, digits: str) -> None:
    text, _ = _digits(typed, language)
    assert digits in text


def test_it_leaves_small_number_words_alone() -> None:
    text, _ = _digits("two lads and one woman, un homme, ein Mann")
    assert text == "two lads and one woman, un homme, ein Mann"


@pytest.mark.parametrize(
    "typed",
    [
        "0 7 9 1 1 . 4 8 2 9 3 1",
        "06🔸71🔸84🔸22🔸11",
        "06 - 71 - 84 - 22 - 11",
        "06·71·84·22·11",
    ],
)
def test_it_joins_digits_across_odd_separators(typed: str) -> None:
    text, layer = _digits(f"ring {typed} now")
    number = "".join(c for c in typed if c.isdigit())
    assert number in text
    start = text.index(number)
    begin, end = layer.original_span(start, start + len(number))
    assert f"ring {typed} now"[begin:end] == typed


@pytest.mark.parametrize("typed", ["on 12.05.2024 at 14:30", "06 12 34 56 78", "costs 1, 2, 3, 4, 5, 6 euros"])
def test_it_leaves_dates_ordinary_phone_formats_and_lists_alone(typed: str) -> None:
    text, _ = _digits(typed)
    assert text == typed


@pytest.mark.parametrize(
    "typed",
    [
        "jan.smit (at) gmail (dot) com",
        "jan.smit at gmail dot com",
        "jan.smit arroba gmail punto com",
        "jan.smit chiocciola gmail punto it",
        "jan.smit apenstaartje gmail punt nl",
        "jan.smit ät gmx punkt de",
        "jan.smit arobase gmail point fr",
        "jan.smit [at] gmail.com",
    ],
)
def test_it_writes_spelled_e_mail_addresses_with_at_and_dot(typed: str) -> None:
    text, layer = _digits(f"mail {typed} please")
    assert "jan.smit@g" in text
    start = text.index("jan.smit@")
    end = text.index(" please")
    begin, stop = layer.original_span(start, end)
    assert f"mail {typed} please"[begin:stop] == typed


@pytest.mark.parametrize("typed", ["Look at instagram.com/some.thief", "we met at the point where the road ends"])
def test_it_does_not_take_ordinary_at_and_point_for_an_address(typed: str) -> None:
    text, _ = _digits(typed)
    assert "@" not in text


@pytest.mark.parametrize(
    ("typed", "removed"),
    [
        ("ring 06🔸71🔸84🔸22🔸19 tonight", "06🔸71🔸84🔸22🔸19"),
        (
            "his mobile is zero seven nine one one, four eight two, three zero five ok",
            "zero seven nine one one, four eight two, three zero five",
        ),
        ("mail kev.barton (at) gmail (dot) com now", "kev.barton (at) gmail (dot) com"),
        ("It was Јаvіеr Nа\u200bvаrrо again", "Јаvіеr Nа\u200bvаrrо"),
        ("he lives at twenty-three Hazel Road", "twenty-three Hazel Road"),
        ("plate ex·123·ab seen", "ex·123·ab"),
    ],
)
def test_it_redacts_what_the_citizen_typed_not_what_the_engine_rewrote(typed: str, removed: str) -> None:
    screening = screen(Draft(text=typed))
    spans = [typed[start:end] for hit in screening.hits for start, end in hit.spans]
    assert removed in spans
    assert removed not in screening.redacted_text
    assert screening.redacted_text.startswith(typed[: typed.index(removed)])
    assert screening.redacted_text.endswith(typed[typed.index(removed) + len(removed) :])
