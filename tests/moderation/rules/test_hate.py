"""hate.*: slurs and dehumanising language."""

from __future__ import annotations

import pytest

from moderation.engine import Draft, screen


def _codes(text: str) -> set[str]:
    return {hit.code for hit in screen(Draft(text=text)).hits}


def test_it_rejects_a_report_that_uses_a_slur() -> None:
    text = "Bunch of pakis selling stuff outside the station again."
    screening = screen(Draft(text=text))
    assert screening.verdict == "reject"
    hit = next(hit for hit in screening.hits if hit.code == "hate.slur")
    assert [text[s:e] for s, e in hit.spans] == ["pakis"]
    assert hit.explanation.startswith("Remove the slur")


@pytest.mark.parametrize(
    "text",
    [
        "These people are vermin and should be wiped out.",
        "Ce sont des cafards, il faut les éradiquer.",
        "Das sind Tiere, keine Menschen.",
        "Esa gente son alimañas.",
        "Sono parassiti, andrebbero sterminati tutti.",
        "Het zijn gewoon beesten, allemaal.",
    ],
)
def test_it_rejects_dehumanising_language(text: str) -> None:
    screening = screen(Draft(text=text))
    assert "hate.dehumanising" in {hit.code for hit in screening.hits}
    assert screening.verdict == "reject"


def test_it_keeps_a_hate_crime_report_but_hides_the_slur_it_quotes() -> None:
    text = "A man on the tram called me a paki and spat at me."
    screening = screen(Draft(text=text))
    codes = {hit.code for hit in screening.hits}
    assert "hate.quoted" in codes and "hate.slur" not in codes
    assert screening.verdict == "redact"
    assert screening.redacted_text == "A man on the tram called me a [offensive words removed] and spat at me."


@pytest.mark.parametrize(
    "text",
    [
        "Rats everywhere near the bins behind the chip shop, the council must act.",
        "Il y a des cafards dans le local poubelles de l'immeuble.",
        "Im Keller ist Ungeziefer, der Vermieter reagiert nicht.",
        "Animals were let out of the petting zoo overnight.",
    ],
)
def test_it_leaves_reports_about_actual_pests_alone(text: str) -> None:
    assert not any(code.startswith("hate.") for code in _codes(text))
