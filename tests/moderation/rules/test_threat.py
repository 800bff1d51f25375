"""threat.*: threats of violence by the reporter, and incitement to violence."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, screen


def _codes(text: str) -> set[str]:
    return {hit.code for hit in screen(Draft(text=text)).hits}


@pytest.mark.parametrize(
    ("text", "threat"),
    [
        ("If he touches my car again I'll smash his face in.", "I'll smash his"),
        ("Toi le voleur, je vais te retrouver et je te plante.", "je te plante"),
        ("Wenn ich den erwische, mach ich ihn kalt.", "mach ich ihn kalt"),
        ("Como vuelva a pasar por aquí le parto las piernas.", "le parto las piernas"),
        ("Se lo rivedo qui gli rompo le gambe.", "gli rompo le gambe"),
        ("Als ik hem zie sla ik hem helemaal kapot.", "sla ik hem helemaal kapot"),
    ],
)
def test_it_rejects_a_threat_of_violence(text: str, threat: str) -> None:
    screening = screen(Draft(text=text))
    assert screening.verdict == "reject"
    hit = next(hit for hit in screening.hits if hit.code == "threat.violence")
    assert threat in [text[s:e] for s, e in hit.spans]
    assert hit.action == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "People like that deserve a bullet, honestly.",
        "Ces dealers, il faudrait les abattre.",
        "Solche Leute gehören an die Wand gestellt.",
        "A los que roban habría que colgarlos.",
        "Questi ladri andrebbero impiccati in piazza.",
        "Die inbrekers zouden ze moeten neerschieten.",
    ],
)
def test_it_rejects_a_call_for_violence_against_someone(text: str) -> None:
    assert "threat.incitement" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "He shouted 'I'll kill you' and ran off towards the park.",
        'The driver yelled "I will stab you" at a passenger.',
        "Il m'a dit « je vais te crever » devant tout le monde.",
        "Er brüllte: „Ich stech dich ab!“ und rannte weg.",
        "Me dijo que me iba a matar y se fue.",
        "Mi ha urlato «ti ammazzo» e se n'è andato.",
        "Hij schreeuwde 'ik steek je neer' en rende weg.",
    ],
)
def test_it_lets_a_victim_report_a_threat_they_received(text: str) -> None:
    # Reporting a threat is the point of the app: quoted or reported speech is not the reporter's threat.
    assert not any(code.startswith("threat.") for code in _codes(text))


def test_it_still_rejects_the_reporter_quoting_their_own_threat() -> None:
    assert "threat.violence" in _codes("I said I'll kill him if he comes back, and I mean it.")


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to kill time at the café until the police arrive.",
        "My son broke his leg when the thief pushed him.",
        "Ils l'ont frappé, il a le nez cassé.",
        "Someone smashed the window of the bus shelter again.",
    ],
)
def test_it_leaves_ordinary_violent_words_in_a_report_alone(text: str) -> None:
    assert not any(code.startswith("threat.") for code in _codes(text))


@pytest.mark.parametrize(
    "text",
    [
        "Ik ga hem vinden en dan zal hij boeten.",
        "Whoever robbed my mum is a dead man when I find out who it was.",
        "Die gozer gaat eraan als ik hem zie.",
        "Questi ladri la pagheranno cara.",
        "Ce connard va le payer cher.",
        "Der Typ ist fällig, das wird er bereuen.",
        "Ese cabrón se va a enterar, me las va a pagar.",
    ],
)
def test_it_rejects_a_threat_that_someone_will_pay(text: str) -> None:
    assert "threat.violence" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "The dealers on the corner want shooting, every last one of them.",
        "A esos okupas habría que quemarles la casa con ellos dentro.",
        "Die hangjongeren moeten allemaal afgeschoten worden.",
    ],
)
def test_it_rejects_incitement_in_other_grammatical_shapes(text: str) -> None:
    assert "threat.incitement" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "He'll pay for the damage, his insurance company said so.",
        "I'm scared of getting stabbed walking home through the underpass.",
        "Someone is getting stabbed every month round here and nothing changes.",
        "Lo sistemo io il cancello, è rotto da ieri.",
        "Ik maak dat werk morgen af en dan bel ik de politie.",
    ],
)
def test_it_leaves_look_alikes_of_threats_alone(text: str) -> None:
    assert not any(code.startswith("threat.") for code in _codes(text))
