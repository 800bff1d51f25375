"""The engine as a whole: verdicts, explanation language, redaction, spans."""

from __future__ import annotations

from moderation.engine import Draft, ReporterHistory, Screening, screen
from moderation.rules.reasons import REASONS


def test_it_allows_a_clean_report_and_shows_it_unchanged() -> None:
    text = "Graffiti on the underpass again, the council should clean it."
    screening = screen(Draft(text=text))
    assert screening == Screening(language="en", verdict="allow", hits=(), redacted_text=text)


def test_the_verdict_is_the_strongest_action_among_the_hits() -> None:
    text = "Call me on 07700 900123, I'll break his legs if he comes back."
    screening = screen(Draft(text=text), history=ReporterHistory(reports_total=0))
    actions = {hit.code: hit.action for hit in screening.hits}
    assert actions == {"pii.phone": "hold", "threat.violence": "reject", "trust.new_device": "hold"}
    assert screening.verdict == "reject"


def test_a_redacting_hit_alone_gives_a_redact_verdict() -> None:
    screening = screen(Draft(text="On the bus a man called me a paki, then got off at the market."))
    assert [hit.action for hit in screening.hits] == ["redact"]
    assert screening.verdict == "redact"


def test_every_hit_carries_the_action_of_its_reason_code() -> None:
    screening = screen(Draft(text="Mrs Jones at 4 Elm Close, plate AB12 CDE, teach them a lesson."))
    assert screening.hits
    assert all(hit.action == REASONS[hit.code] for hit in screening.hits)


def test_explanations_are_in_the_detected_language_even_against_the_locale() -> None:
    screening = screen(Draft(text="Appelez-moi au 06 12 34 56 78 si vous avez vu quelque chose.", locale="de-DE"))
    assert screening.language == "fr"
    assert screening.hits[0].explanation.startswith("Retirez le numéro")


def test_explanations_fall_back_to_the_locale_for_a_text_too_short_to_tell() -> None:
    screening = screen(Draft(text="06 12 34 56 78", locale="nl-BE"))
    assert screening.language == "nl"
    assert screening.hits[0].explanation.startswith("Haal het telefoonnummer weg")
    assert screening.redacted_text == "[telefoonnummer verwijderd]"


def test_explanations_fall_back_to_english_without_a_locale() -> None:
    screening = screen(Draft(text="06 12 34 56 78"))
    assert screening.language == "en"
    assert screening.redacted_text == "[phone removed]"


def test_an_unsupported_locale_is_ignored() -> None:
    assert screen(Draft(text="06 12 34 56 78", locale="pt-BR")).language == "en"


def test_overlapping_personal_data_is_cut_out_once_with_the_widest_placeholder() -> None:
    text = "Dealing at number 4 Jan Smit Lane, ask for Jan Smit."
    screening = screen(Draft(text=text))
    assert screening.redacted_text == "Dealing at [address removed], ask for [name removed]."


def test_spans_are_sorted_merged_and_inside_the_text() -> None:
    text = "Email a@example.com or b@example.com, or ring 07700 900123."
    screening = screen(Draft(text=text))
    for hit in screening.hits:
        assert list(hit.spans) == sorted(hit.spans)
        assert all(0 <= start < end <= len(text) for start, end in hit.spans)
    email = next(hit for hit in screening.hits if hit.code == "pii.email")
    assert [text[s:e] for s, e in email.spans] == ["a@example.com", "b@example.com"]


def test_an_empty_report_is_allowed() -> None:
    assert screen(Draft(text="")).verdict == "allow"
