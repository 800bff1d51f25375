"""profiling.protected_attribute: a person described by a protected attribute instead of what they did."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, screen

CODE = "profiling.protected_attribute"


def _codes(text: str) -> set[str]:
    return {hit.code for hit in screen(Draft(text=text)).hits}


def test_it_holds_a_description_by_ethnicity_alone_and_asks_for_behaviour_and_clothing() -> None:
    text = "Arab guy standing by the cash machine for ages, looks suspicious."
    screening = screen(Draft(text=text))
    assert screening.verdict == "hold"
    hit = next(hit for hit in screening.hits if hit.code == CODE)
    assert [text[s:e] for s, e in hit.spans] == ["Arab guy", "suspicious"]
    assert "clothing" in hit.explanation and "what they did" in hit.explanation
    # The attribute is held for a moderator, not cut out of the text.
    assert screening.redacted_text == text


@pytest.mark.parametrize(
    "text",
    [
        "Un jeune maghrébin traîne devant le tabac.",
        "Zwei Rumänen betteln vor dem Supermarkt, sehr aufdringlich.",
        "Un grupo de rumanos en la puerta del banco.",
        "C'è un nordafricano che guarda dentro le macchine.",
        "Een groep Marokkanen bij het winkelcentrum.",
        "Two black lads by the shop, up to no good.",
    ],
)
def test_it_holds_a_description_by_a_protected_attribute_in_any_language(text: str) -> None:
    assert CODE in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Black guy, tall, red puffer jacket, grabbed my phone and ran towards the canal.",
        "Une femme noire d'environ 40 ans, manteau beige, a arraché mon sac et s'est enfuie vers la gare.",
        "Ein türkischer Mann, etwa 1,80, graue Jacke, hat mich geschubst und ist Richtung Bahnhof gerannt.",
        "Un chico gitano con gorra blanca y chándal gris me robó el móvil.",
        "Un ragazzo albanese alto con giubbotto nero mi ha strappato la borsa.",
        "Een Marokkaanse jongen met een rode pet en een grijze jas sloeg mijn spiegel eraf.",
    ],
)
def test_it_accepts_a_protected_attribute_given_with_two_or_more_other_descriptors(text: str) -> None:
    assert CODE not in _codes(text)


def test_a_suspicion_word_next_to_the_attribute_raises_the_bar_to_three_descriptors() -> None:
    assert CODE in _codes("Suspicious Asian man in a grey hoodie and jeans near the cars.")
    assert CODE not in _codes("Suspicious Asian man in a grey hoodie and jeans tried the car doors.")


@pytest.mark.parametrize(
    "text",
    [
        "A tall man in a black hoodie snatched my bag.",
        "Black jacket, white trainers, ran off with a bike.",
        "White van parked on the pavement every morning.",
        "The policeman was very kind and took my statement.",
        "Schwarzer Audi ohne Licht rast jede Nacht durch die Straße.",
        "Un homme en noir a forcé la porte du local vélos.",
    ],
)
def test_colours_of_clothes_and_cars_are_not_skin_colours(text: str) -> None:
    assert CODE not in _codes(text)


def test_it_accepts_a_report_about_discrimination_that_names_the_attribute() -> None:
    assert CODE not in _codes("Racist abuse shouted at a Muslim woman at the bus stop this morning.")


@pytest.mark.parametrize(
    "text",
    [
        "A black guy stole my phone.",
        "Black man stole my phone and ran off.",
        "Un Arabe a volé mon sac.",
        "Un gitano me robó la cartera en el metro.",
        "Ein Schwarzer hat mir das Handy aus der Hand gerissen.",
        "Un albanese mi ha rubato la borsa e ha strappato la collana.",
        "Een zwarte man heeft mijn tas gestolen.",
    ],
)
def test_what_the_person_did_is_one_descriptor_and_the_reporters_things_are_none(text: str) -> None:
    # "stole my phone and ran off": the action counts once, and the phone is the loot, not a description.
    assert CODE in _codes(text)


def test_a_thing_the_person_carried_still_describes_them() -> None:
    assert CODE not in _codes("Black man threatened me with a knife and ran off towards the park.")


@pytest.mark.parametrize(
    "text",
    [
        "Suspicious Moroccan hanging around the cash machine again.",
        "two somalis loitering by the cashpoint, watch your bags",
        "Arabe louche qui rôde autour des voitures.",
        "Negro rondando los coches del parking.",
        "marocchino sospetto vicino alle macchine",
        "Verdachte Antilliaan bij de geldautomaat.",
    ],
)
def test_it_holds_a_nationality_or_skin_colour_used_as_a_noun_without_an_article(text: str) -> None:
    assert CODE in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "The Moroccan restaurant on the corner was broken into last night.",
        "Got an Indian takeaway and when I came out my bike was gone.",
        "Le restaurant marocain de la place a été cambriolé cette nuit.",
        "Han robado en la frutería marroquí de la esquina.",
        "Il ristorante cinese in via Roma è stato svaligiato.",
        "Im türkischen Restaurant am Markt wurde eingebrochen.",
    ],
)
def test_a_nationality_that_describes_a_place_or_a_thing_is_no_person(text: str) -> None:
    assert CODE not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm Polish and a man shouted at me to go home, I reported it.",
        "Je suis algérienne et un homme m'a insultée dans le bus, j'ai porté plainte.",
        "Ich bin Türkin und wurde in der Bahn beleidigt.",
    ],
)
def test_a_reporter_naming_their_own_origin_is_not_profiling(text: str) -> None:
    assert CODE not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Black Audi A3 doing burnouts on the ring road",
        "Black BMW parked on the pavement again",
        "Schwarzer Golf rast hier jeden Abend",
        "Nero Panda parcheggiata sul marciapiede",
    ],
)
def test_it_takes_a_colour_before_a_car_make_for_the_car(text: str) -> None:
    assert "profiling.protected_attribute" not in {hit.code for hit in screen(Draft(text=text)).hits}
