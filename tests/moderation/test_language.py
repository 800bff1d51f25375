"""Language detection: own stopword scoring from the lexicon files, with a fallback for short texts."""

from __future__ import annotations

import pytest

from moderation.language import SUPPORTED_LANGUAGES, base_language, detect_language, language_guess, locale_region
from tests.moderation.labelled import HELDOUT, SHARED_EXAMPLES, cases_read

LABELLED = cases_read(SHARED_EXAMPLES) + cases_read(HELDOUT)

# Written for these tests: ordinary reports and some awkward ones (mixed case, no accents, slang).
OWN_TEXTS = [
    ("en", "Someone keeps letting the air out of the tyres on our street every weekend."),
    ("en", "two lads on a moped grabbed a phone off a woman by the chemist, she is ok"),
    ("en", "Car window smashed overnight, nothing taken but glass everywhere on the pavement."),
    ("fr", "On m'a volé mon vélo devant la boulangerie pendant que je faisais les courses."),
    ("fr", "les lampadaires sont en panne depuis lundi et la rue est tres sombre le soir"),
    ("fr", "Un scooter a percuté une poubelle et le conducteur est reparti sans s'arrêter."),
    ("de", "Heute Nacht wurde bei uns im Hinterhof ein Kellerabteil aufgebrochen."),
    ("de", "jemand hat die reifen an meinem auto zerstochen, das ist schon das zweite mal"),
    ("de", "An der Haltestelle wird abends oft gedealt, ich fühle mich dort nicht wohl."),
    ("es", "Me han robado la cartera en el metro, creo que fue en la línea dos."),
    ("es", "los contenedores de la esquina han ardido esta madrugada, olia a quemado"),
    ("es", "Hay jeringuillas tiradas en el parque infantil desde hace días."),
    ("it", "Qualcuno ha rigato tutte le macchine parcheggiate lungo il viale stanotte."),
    ("it", "mi hanno rubato la bici davanti alla biblioteca mentre studiavo"),
    ("it", "Il sottopassaggio della stazione è sempre sporco e poco illuminato, ho paura."),
    ("nl", "Vannacht is er ingebroken in de schuur, de fietsen zijn weg."),
    ("nl", "er staat al dagen een auto met een ingeslagen ruit op de parkeerplaats"),
    ("nl", "Bij de speeltuin liggen steeds lege blikjes en glas, niet veilig voor de kinderen."),
]


@pytest.mark.parametrize(("language", "text"), [(c["lang"], c["text"]) for c in LABELLED] + OWN_TEXTS)
def test_it_recognises_the_language_of_a_report(language: str, text: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("fallback", SUPPORTED_LANGUAGES)
def test_it_uses_the_fallback_for_a_text_too_short_to_tell(fallback: str) -> None:
    assert not language_guess("Bike 42!").confident
    assert detect_language("Bike 42!", fallback=fallback) == fallback


def test_it_takes_the_language_of_a_locale_as_fallback() -> None:
    assert detect_language("Vélo 42", fallback="nl-BE") == "nl"
    assert base_language("pt_BR") == "pt"
    assert locale_region("nl-BE") == "BE"
    assert locale_region("fr") is None


def test_it_falls_back_to_english_when_nothing_is_known() -> None:
    assert detect_language("", fallback=None) == "en"
    assert detect_language("12345", fallback="pt-BR") == "en"


def test_a_confident_detection_beats_the_locale() -> None:
    assert detect_language("Mon vélo a été volé devant la gare ce matin.", fallback="de-DE") == "fr"
