"""vigilantism.*: calls to patrol, hunt, punish, pay for a capture or identify someone."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, screen


def _hits(text: str) -> dict[str, list[str]]:
    return {hit.code: [text[s:e] for s, e in hit.spans] for hit in screen(Draft(text=text)).hits}


@pytest.mark.parametrize(
    "text",
    [
        "Right, let's patrol the estate ourselves tonight, the police never come.",
        "Ce soir on va patrouiller dans la cité, rendez-vous au parking.",
        "Wir gründen eine Bürgerwehr, Treffpunkt Kirche um 21 Uhr.",
        "Mañana salimos a patrullar por nuestra cuenta.",
        "Organizziamo delle ronde di quartiere da soli.",
        "We lopen vanaf vanavond zelf rondes door de straat.",
    ],
)
def test_it_holds_a_call_to_patrol(text: str) -> None:
    screening = screen(Draft(text=text))
    assert "vigilantism.patrol" in {hit.code for hit in screening.hits}
    assert screening.verdict == "hold"


@pytest.mark.parametrize(
    "text",
    [
        "If we all go now we can catch them ourselves before they get to the station.",
        "On va les attraper nous-mêmes, ils traînent toujours au même endroit.",
        "Die Typen schnappen wir uns selbst, wir wissen wo die wohnen.",
        "Vamos a por ellos, sabemos dónde viven.",
        "Andiamo a prenderli, sappiamo dove abitano.",
        "Die gasten pakken we zelf wel, we weten waar ze wonen.",
    ],
)
def test_it_holds_a_call_to_hunt_someone_down(text: str) -> None:
    assert "vigilantism.hunt" in _hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "Does anyone know this guy? He was on my doorbell camera.",
        "Partagez au maximum, quelqu'un le connaît forcément.",
        "Wer kennt diese Frau? Bitte teilen, damit wir sie finden.",
        "¿Alguien conoce a este chico? Compartid para encontrarlo.",
        "Qualcuno riconosce questa persona? Fate girare.",
        "Wie herkent deze man? Graag delen zodat we hem vinden.",
    ],
)
def test_it_holds_a_request_to_identify_someone(text: str) -> None:
    screening = screen(Draft(text=text))
    assert "vigilantism.identify" in {hit.code for hit in screening.hits}
    assert screening.verdict == "hold"


def test_it_rejects_a_call_to_punish_and_says_what_to_do_instead() -> None:
    text = "Someone needs to teach that kid a lesson he won't forget."
    screening = screen(Draft(text=text))
    assert screening.verdict == "reject"
    hit = next(hit for hit in screening.hits if hit.code == "vigilantism.punish")
    assert hit.action == "reject"
    assert [text[s:e] for s, e in hit.spans] == ["teach that kid a lesson"]
    assert "police" in hit.explanation
    # Nothing personal in it: what others would see is the text itself.
    assert screening.redacted_text == text


@pytest.mark.parametrize(
    "text",
    [
        "£200 reward for anyone who names the lad who nicked my bike.",
        "Je donne 100 euros à celui qui me ramène ce voleur.",
        "Kopfgeld: 300 Euro für den, der den Dieb schnappt.",
        "Ofrezco una recompensa a quien me traiga al ladrón.",
        "Metto una taglia: 500 euro a chi mi porta quel ladro.",
        "Ik geef 100 euro voor wie de dief bij me brengt.",
    ],
)
def test_it_rejects_a_bounty(text: str) -> None:
    screening = screen(Draft(text=text))
    assert "vigilantism.bounty" in {hit.code for hit in screening.hits}
    assert screening.verdict == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "We need more police patrols on this street after dark.",
        "Neighbourhood Watch meeting at the community centre on Tuesday, the police will attend.",
        "La police a retrouvé mon vélo, merci à eux.",
        "Die Polizei hat den Täter gestern geschnappt.",
        "Please lock your bikes, three were stolen this week.",
    ],
)
def test_it_leaves_requests_for_police_action_alone(text: str) -> None:
    assert not any(code.startswith("vigilantism.") for code in _hits(text))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Who's up for walking the estate tonight with torches and bats? Meet at the shops.", "vigilantism.patrol"),
        ("Qui est chaud pour faire une ronde ce soir avec des battes ?", "vigilantism.patrol"),
        ("Stasera giriamo noi il quartiere, la polizia non fa niente.", "vigilantism.patrol"),
        ("Si on le chope on lui fait passer l'envie de revenir.", "vigilantism.punish"),
        ("Se lo becchiamo gli diamo una lezione che non scorda più.", "vigilantism.punish"),
        ("Anybody know who this is? Spread it around so he can't hide.", "vigilantism.identify"),
        ("Partagez sa photo partout, quelqu'un doit bien le reconnaître.", "vigilantism.identify"),
        ("Ofrezco 300 euros a quien me diga dónde vive ese tío.", "vigilantism.bounty"),
        ("50 quid to whoever can tell me where he lives.", "vigilantism.bounty"),
    ],
)
def test_it_catches_calls_in_other_words_and_conjugations(text: str, code: str) -> None:
    assert code in _hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "We can't walk the streets at night anymore without feeling scared.",
        "Reward for whoever finds my cat, she went missing on Elm Road.",
        "J'ai perdu mon vélo, il faut le retrouver avant lundi.",
        "Hay que pedir una patrulla a la policía para la plaza.",
        "Everyone keep watch for a grey Ford Focus and call 101 with the time.",
        "Someone recognised him from school and told the police, he has been arrested.",
    ],
)
def test_it_leaves_ordinary_requests_and_lost_property_alone(text: str) -> None:
    assert not any(code.startswith("vigilantism.") for code in _hits(text))
