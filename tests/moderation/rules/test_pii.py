"""pii.*: names, phone numbers, e-mail addresses, home addresses, plates, handles and links."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, Screening, screen


def _pieces(screening: Screening, text: str, code: str) -> list[str]:
    return [text[start:end] for hit in screening.hits if hit.code == code for start, end in hit.spans]


def _codes(text: str) -> set[str]:
    return {hit.code for hit in screen(Draft(text=text)).hits}


def test_it_holds_a_report_that_names_a_person() -> None:
    text = "Yesterday Sarah Connolly from the flats kicked my door in."
    screening = screen(Draft(text=text))
    assert screening.verdict == "hold"
    assert _pieces(screening, text, "pii.person_name") == ["Sarah Connolly"]
    assert screening.redacted_text == "Yesterday [name removed] from the flats kicked my door in."
    hit = next(hit for hit in screening.hits if hit.code == "pii.person_name")
    assert hit.action == "hold"
    assert hit.explanation.startswith("Remove the person's name")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mr O'Neill from the corner shop saw everything.", "O'Neill"),
        ("Herr Krüger aus dem dritten Stock wurde bestohlen.", "Krüger"),
        ("La signora Ferraro ha visto tutto dalla finestra.", "Ferraro"),
        ("Meneer Visser van hiernaast heeft de politie gebeld.", "Visser"),
        ("Le type s'appelle Thierry Lambert, il habite en face.", "Thierry Lambert"),
        ("El que vende es Álvaro de la Fuente, todos lo saben.", "Álvaro de la Fuente"),
        ("Der Typ heißt Kalle Brinkmann und fährt einen roten Golf.", "Kalle Brinkmann"),
        ("De dader is Joost van den Berg uit de flat.", "Joost van den Berg"),
        ("it was kevin who did it, everyone knows", "kevin"),
    ],
)
def test_it_finds_names_after_titles_given_names_and_cues(text: str, name: str) -> None:
    assert _pieces(screen(Draft(text=text)), text, "pii.person_name") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Bag snatched outside Victoria Station near the Jubilee Line entrance.",
        "Tags sur le mur du lycée Jean Moulin et devant l'école Marie Curie.",
        "Vol à l'arraché place Charles de Gaulle, rue Victor Hugo, près de Saint-Michel.",
        "Robo en la Plaza Mayor junto a la iglesia de San Miguel.",
        "Scippo in piazza San Marco vicino a corso Vittorio Emanuele.",
        "Fiets gestolen bij de Albert Heijn aan het Jan Pieterszoonplein.",
        "Einbruch in der Paul-Gerhardt-Schule am Montag Abend.",
    ],
)
def test_it_does_not_take_places_named_after_people_for_names(text: str) -> None:
    assert "pii.person_name" not in _codes(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Ring me on +32 470 12 34 56 if you saw it.", "+32 470 12 34 56"),
        ("Bel me op 0470 12 34 56, ik heb alles gezien.", "0470 12 34 56"),
        ("Appelez le 06 98 76 54 32 pour les vidéos.", "06 98 76 54 32"),
        ("Meldet euch unter 0171 2345678 bei Hinweisen.", "0171 2345678"),
        ("Escribidme al 699 123 456 si lo visteis.", "699 123 456"),
        ("Scrivetemi al 333 987 6543 per favore.", "333 987 6543"),
        ("Call 07700 900777 (my husband) about the car.", "07700 900777"),
    ],
)
def test_it_finds_phone_numbers_in_national_and_international_formats(text: str, number: str) -> None:
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.phone") == [number]
    assert "[" in screening.redacted_text and number not in screening.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        "I called 112 and 999 at 23:45, nobody came.",
        "The bike cost 1 250 euros and was stolen on 12/03/2024 at 14.30.",
        "Ticket PV 2024-118 from the bus 38 driver, line 12 diverted.",
        "Entre 14 et 16 heures, trois voitures rayées, 2000 euros de dégâts.",
    ],
)
def test_it_does_not_take_emergency_numbers_times_prices_or_dates_for_phone_numbers(text: str) -> None:
    assert "pii.phone" not in _codes(text)


def test_it_finds_an_email_address_and_redacts_it() -> None:
    text = "Send the videos to jo.smith+cctv@example.co.uk please."
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.email") == ["jo.smith+cctv@example.co.uk"]
    assert screening.redacted_text == "Send the videos to [e-mail removed] please."
    assert "pii.handle" not in {hit.code for hit in screening.hits}


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Dealing from 23 Baker Street every night.", "23 Baker Street"),
        ("They live at number 4 Elm Close, the blue door.", "number 4 Elm Close"),
        ("Squat au 8 bis rue de la Paix depuis un mois.", "8 bis rue de la Paix"),
        ("Ça se passe rue de la Loi 16, au rez-de-chaussée.", "rue de la Loi 16"),
        ("Die Wohnung in der Goethestraße 12a ist ein Drogenumschlagplatz.", "Goethestraße 12a"),
        ("Er wohnt in der Berliner Straße 5 im Hinterhaus.", "Berliner Straße 5"),
        ("Viven en la calle Toledo 3, segundo piso.", "calle Toledo 3"),
        ("Es el del número 12 de la calle Toledo.", "número 12 de la calle Toledo"),
        ("Spacciano in via Verdi 14, secondo piano.", "via Verdi 14"),
        ("Er wordt gedeald vanuit de Lindelaan 8, achterom.", "Lindelaan 8"),
        ("Ze wonen op de Grote Markt 1 boven de bakker.", "Grote Markt 1"),
    ],
)
def test_it_finds_home_addresses_in_each_languages_convention(text: str, address: str) -> None:
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.address") == [address]
    assert address not in screening.redacted_text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("My neighbour at Veldstraat 17 smashed the bus shelter again.", "Veldstraat 17"),
        ("The guy from Rue de la Loi 16 keeps breaking into cars.", "Rue de la Loi 16"),
        ("Il tipo che abita in Bahnhofstraße 5 ruba le bici.", "Bahnhofstraße 5"),
    ],
)
def test_it_finds_a_street_written_in_another_language_than_the_report(text: str, address: str) -> None:
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.address") == [address]


@pytest.mark.parametrize(
    "text",
    ["Take bus 12, it goes via 3 stops to the station.", "I waited at platform 4 of the station for 20 minutes."],
)
def test_it_needs_a_street_written_as_a_name_when_it_is_in_another_language(text: str) -> None:
    assert "pii.address" not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "The lights on Mill Lane have been out since March, bus 38 stops there at 11.",
        "In der Goethestraße ist es nachts um 2 Uhr sehr dunkel.",
        "Vol rue de la Paix vers 8 heures, 3 personnes ont vu la scène.",
        "En la calle Alcalá hubo 3 robos en 2 semanas.",
        "7 people were waiting in the street for 20 minutes.",
        "Auf der Hauptstraße 20 Minuten im Stau, dann war das Rad weg.",
    ],
)
def test_it_leaves_street_names_without_a_house_number_alone(text: str) -> None:
    assert "pii.address" not in _codes(text)


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("Grey Astra, KM19 ZXC, tailgating the school bus.", "KM19 ZXC"),
        ("Une Clio immatriculée GH-456-JK a foncé sur moi.", "GH-456-JK"),
        ("Ein Transporter mit B-XY 1234 parkt ständig auf dem Radweg.", "B-XY 1234"),
        ("Das Kennzeichen war M AB 123, ein schwarzer Audi.", "M AB 123"),
        ("Kenteken 7-KLM-42, een witte bestelbus.", "7-KLM-42"),
        ("Une voiture 1-ABC-234 stationne devant l'école tous les matins.", "1-ABC-234"),
        ("Un Seat con 2345 BCD aparcado en el carril bus.", "2345 BCD"),
        ("Una Punto DX 456 FG parcheggiata sulle strisce.", "DX 456 FG"),
        ("plate number starts with ab12, a silver van", "ab12"),
    ],
)
def test_it_finds_licence_plates_in_national_formats(text: str, plate: str) -> None:
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.licence_plate") == [plate]
    assert plate not in screening.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        "Since COVID-19 the A4 road at junction 12 has no lights.",
        "Someone took my MP3 player and an iPhone 15 from the car.",
        "Saw it in a 2019 BBC documentary about bike theft.",
        "Bus 38 and the N12 night bus both skip the stop.",
    ],
)
def test_it_does_not_take_ordinary_codes_for_licence_plates(text: str) -> None:
    assert "pii.licence_plate" not in _codes(text)


def test_it_finds_a_social_media_handle_but_not_a_time_after_an_at_sign() -> None:
    text = "He posted it as @jo_doe.99 on TikTok, meet @ 11 or @11pm at the square."
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.handle") == ["@jo_doe.99"]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("Proof: https://example.org/posts/123?id=9.", "https://example.org/posts/123?id=9"),
        ("Son profil : www.example.fr/voleur, regardez.", "www.example.fr/voleur"),
        ("Look at instagram.com/some.thief right now", "instagram.com/some.thief"),
    ],
)
def test_it_finds_links(text: str, link: str) -> None:
    assert _pieces(screen(Draft(text=text)), text, "pii.url") == [link]


def test_it_redacts_personal_data_with_placeholders_in_the_reporters_language() -> None:
    text = "Appelez Julie au 06 98 76 54 32 ou écrivez à julie@example.fr."
    screening = screen(Draft(text=text))
    assert screening.language == "fr"
    assert screening.redacted_text == "Appelez Julie au [téléphone retiré] ou écrivez à [e-mail retiré]."


def test_spans_index_the_original_text_even_when_accents_arrive_decomposed() -> None:
    text = "Fue Jose\u0301 Garci\u0301a, del nu\u0301mero 9 de la calle Sol."
    screening = screen(Draft(text=text))
    assert _pieces(screening, text, "pii.person_name") == ["Jose\u0301 Garci\u0301a"]
    assert _pieces(screening, text, "pii.address") == ["nu\u0301mero 9 de la calle Sol"]
    assert screening.redacted_text == "Fue [nombre retirado], del [dirección retirada]."


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Ce mec du 14 rue des Lilas vend de la drogue.", "14 rue des Lilas"),
        ("C'est le fils du 8bis rue Pasteur qui crame les poubelles.", "8bis rue Pasteur"),
        ("Il habite au n° 14 rue Pasteur.", "n° 14 rue Pasteur"),
        ("Il habite rue Pasteur n°8, au deuxième.", "rue Pasteur n°8"),
        ("El que pinta vive en la calle Mayor nº 14, 5º B.", "calle Mayor nº 14"),
        ("Abita al 21 di via Garibaldi, secondo piano.", "21 di via Garibaldi"),
        ("Quello che spaccia abita in via Garibaldi 21/B.", "via Garibaldi 21/B"),
        ("Er wohnt in der Goethestraße, Hausnummer 5.", "Goethestraße, Hausnummer 5"),
        ("Der Typ aus der Lindenstr. 12a klaut Pakete.", "Lindenstr. 12a"),
        ("Die gast van Kerkstraat 14-2 verkoopt drugs.", "Kerkstraat 14-2"),
        ("He lives at 14a Kingsway, the house with the red door.", "14a Kingsway"),
    ],
)
def test_it_finds_house_numbers_written_in_the_usual_ways(text: str, address: str) -> None:
    assert _pieces(screen(Draft(text=text)), text, "pii.address") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Tall white man, maybe 50, bald, green parka, was exposing himself near the canal.",
        "It was like 20 anyway, nobody cared.",
        "We counted 3 big green bins blocking the pavement.",
        "She waited 10 halfway up the stairs for the police.",
    ],
)
def test_numbers_next_to_ordinary_words_are_not_addresses(text: str) -> None:
    assert "pii.address" not in _codes(text)
