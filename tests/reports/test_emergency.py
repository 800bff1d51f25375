"""danger_now and emergency_guidance: when the app puts the emergency number in front of a citizen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from reports.emergency import DANGER_PHRASES_DIR, DANGER_WINDOW, danger_now, danger_pattern, emergency_guidance

NOW = datetime(2025, 3, 14, 21, 30, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=3)


def says_danger(text: str) -> bool:
    """A text-only verdict: the category does not signal danger and the incident is old."""
    return danger_now(signals_danger=False, text=text, occurred_at=LONG_AGO, now=NOW)


# --- the category and the clock ----------------------------------------------------------------------


def test_it_signals_danger_for_a_danger_category_that_just_happened() -> None:
    assert danger_now(signals_danger=True, text="", occurred_at=NOW - timedelta(minutes=5), now=NOW)


def test_it_signals_danger_for_a_danger_category_at_the_edge_of_the_window() -> None:
    assert danger_now(signals_danger=True, text="", occurred_at=NOW - DANGER_WINDOW, now=NOW)


def test_it_does_not_signal_danger_for_a_danger_category_that_happened_over_an_hour_ago() -> None:
    occurred_at = NOW - DANGER_WINDOW - timedelta(seconds=1)

    assert not danger_now(signals_danger=True, text="", occurred_at=occurred_at, now=NOW)


def test_it_does_not_signal_danger_for_a_recent_report_in_an_ordinary_category() -> None:
    occurred_at = NOW - timedelta(minutes=2)

    assert not danger_now(signals_danger=False, text="Bike stolen", occurred_at=occurred_at, now=NOW)


def test_it_treats_a_time_slightly_ahead_of_the_server_as_now() -> None:
    phone_clock_ahead = NOW + timedelta(minutes=3)

    assert danger_now(signals_danger=True, text="", occurred_at=phone_clock_ahead, now=NOW)


def test_it_compares_times_given_in_different_time_zones() -> None:
    paris = timezone(timedelta(hours=1))
    occurred_in_paris = datetime(2025, 3, 14, 22, 10, tzinfo=paris)  # 21:10 UTC, twenty minutes ago

    assert danger_now(signals_danger=True, text="", occurred_at=occurred_in_paris, now=NOW)


def test_the_window_is_one_hour() -> None:
    assert timedelta(minutes=60) == DANGER_WINDOW


def test_an_old_report_signals_danger_when_its_text_says_it_is_happening_now() -> None:
    assert danger_now(signals_danger=False, text="He is still here", occurred_at=LONG_AGO, now=NOW)


# --- phrases in every language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # en
        "There is a fight right now outside the bar",
        "It's happening now on Main Street",
        "He is still here, standing by the door",
        "A man keeps following me since the station",
        "Please help me",
        "I'm scared to go out",
        # fr
        "Il y a une bagarre en ce moment devant la gare",
        "Un homme, il me suit depuis le métro",
        "Aidez-moi s'il vous plaît",
        # de
        "Gerade jetzt schlagen sie auf jemanden ein",
        "Er verfolgt mich seit der Haltestelle",
        "Hilfe!",
        # es
        "Ahora mismo están rompiendo un coche",
        "Un hombre me está siguiendo",
        "¡Ayuda!",
        # it
        "In questo momento c'è una rissa in piazza",
        "Un uomo mi sta seguendo",
        "Aiuto!",
        # nl
        "Nu meteen komen, er wordt gevochten",
        "Hij volgt me al tien minuten",
        "Help!",
    ],
)
def test_it_recognises_a_happening_now_phrase_in_every_language(text: str) -> None:
    assert says_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "My bike was stolen last week",
        "Mon vélo a été volé la semaine dernière",
        "Mein Fahrrad wurde letzte Woche gestohlen",
        "Me robaron la bicicleta la semana pasada",
        "Mi hanno rubato la bici la settimana scorsa",
        "Mijn fiets is vorige week gestolen",
        "The streetlight on this corner has been broken for months",
        "Graffiti on the school wall, reported before",
        "",
    ],
)
def test_it_stays_quiet_for_a_report_about_the_past(text: str) -> None:
    assert not says_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "The staff were helpful",
        "I called the helpline yesterday",
        "The helpdesk was closed",
        "Ich habe einen Erste-Hilfe-Kurs gemacht",
        "Danke für die Hilfestellung",
        "El ayudante del conductor lo vio",
        "L'aiutante del negozio ha chiamato",
        "Someone said helpmate",
    ],
)
def test_it_matches_whole_words_only(text: str) -> None:
    assert not says_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "HELP ME",
        "i'M sCaReD",
        "AYÚDAME",
        "ayudame por favor",
        "me esta siguiendo",
        "il est encore la",
        "E' ancora qui",
        "ça se passe maintenant",
        "ca se passe maintenant",
    ],
)
def test_it_ignores_case_and_accents(text: str) -> None:
    assert says_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "I\u2019m scared",  # a phone's curly apostrophe
        "Im scared",
        "aidez moi",
        "j\u2019ai peur",
        "jai peur",
        "qu'il me suit encore",  # French elision in front of the phrase
        "Hilfe\u2014er verfolgt mich",  # an em dash between two clauses
        "HELP!!!",
    ],
)
def test_it_tolerates_how_people_type_on_phones(text: str) -> None:
    assert says_danger(text)


def test_it_finds_a_phrase_written_in_another_language_than_the_report() -> None:
    assert says_danger("Sorry for my English. Il me suit!")


def test_it_finds_a_phrase_across_a_line_break() -> None:
    assert says_danger("He is following\nme")


# --- the phrase files are data an NGO can edit ---------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "de", "es", "it", "nl"])
def test_every_supported_language_has_a_phrase_file(language: str) -> None:
    path = DANGER_PHRASES_DIR / f"{language}.txt"

    phrases = [line for line in path.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]

    assert phrases


def test_a_phrase_added_to_a_file_is_matched_without_code(tmp_path: Path) -> None:
    (tmp_path / "pt.txt").write_text("# Português\nestou em perigo\n\n  socorro  \n", encoding="utf-8")

    pattern = danger_pattern(tmp_path)

    assert pattern.search("agora estou em perigo")
    assert pattern.search("socorro")
    assert not pattern.search("portugues")


def test_the_comments_of_a_phrase_file_are_not_phrases(tmp_path: Path) -> None:
    (tmp_path / "xx.txt").write_text("# help me\n   # indented comment\nsecret word\n", encoding="utf-8")

    pattern = danger_pattern(tmp_path)

    assert not pattern.search("help me")
    assert not pattern.search("indented comment")


def test_a_phrase_file_saved_with_a_byte_order_mark_still_matches_its_first_phrase(tmp_path: Path) -> None:
    (tmp_path / "xx.txt").write_text("\ufeffsecret word\n", encoding="utf-8")

    assert danger_pattern(tmp_path).search("the secret word")


def test_a_phrase_is_literal_text_not_a_regular_expression(tmp_path: Path) -> None:
    (tmp_path / "xx.txt").write_text("a.b (now)\n", encoding="utf-8")

    pattern = danger_pattern(tmp_path)

    assert pattern.search("a.b (now)")
    assert not pattern.search("axb now")


def test_an_empty_phrase_directory_matches_nothing(tmp_path: Path) -> None:
    assert not danger_pattern(tmp_path).search("help me right now")


def test_the_phrases_are_compiled_once() -> None:
    assert danger_pattern() is danger_pattern()


# --- guidance ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "danger"),
        ("fr", "danger"),
        ("de", "Gefahr"),
        ("es", "peligro"),
        ("it", "pericolo"),
        ("nl", "gevaar"),
    ],
)
def test_it_tells_the_citizen_to_call_the_number_in_their_language(language: str, words: str) -> None:
    guidance = emergency_guidance(number="112", language=language)

    assert guidance["number"] == "112"
    assert "112" in guidance["message"]
    assert words in guidance["message"]


def test_each_language_has_its_own_sentence() -> None:
    messages = {emergency_guidance(number="112", language=code)["message"] for code in "en fr de es it nl".split()}

    assert len(messages) == 6


def test_it_uses_the_configured_number() -> None:
    guidance = emergency_guidance(number="911", language="en")

    assert guidance == {"number": "911", "message": "If anyone is in danger now, call 911."}


@pytest.mark.parametrize("language", ["fr-BE", "fr_CA", "FR"])
def test_it_understands_a_regional_locale(language: str) -> None:
    assert emergency_guidance(number="112", language=language)["message"].startswith("Si quelqu'un")


@pytest.mark.parametrize("language", ["pt", "zz-ZZ", ""])
def test_it_falls_back_to_english_for_a_language_it_does_not_speak(language: str) -> None:
    guidance = emergency_guidance(number="112", language=language)

    assert guidance["message"] == emergency_guidance(number="112", language="en")["message"]
