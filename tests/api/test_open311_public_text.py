"""What anyone reads on Open311 of a report's text: the category's label, and the redacted public text only
when the operator turned ``OPEN311_PUBLIC_TEXT`` on."""

from __future__ import annotations

from alerts.models import Report
from tests import factories

# The report: a neighbour named with his house number, an obfuscated e-mail and a phone in words.
NAMING_TEXT = (
    "My neighbour Jan Peeters at Veldstraat 17 smashed the bus shelter again, mail him at "
    "jan.peeters[at]example.org or call zero four seven zero one two three four five six."
)


def _fourth_report_of_a_new_device(citizen) -> Report:
    for _ in range(3):
        factories.report_held(device=citizen.device)
    response = citizen.client.post(
        "/api/v1/reports/", factories.report_payload(category="property.vandalism", description=NAMING_TEXT),
        format="json",
    )
    assert response.status_code == 201, response.content
    return Report.objects.get(pk=response.json()["id"])


def _shown(anonymous, report: Report) -> dict | None:
    response = anonymous.get(f"/open311/v2/requests/{report.pk}.json")
    return response.json()[0] if response.status_code == 200 else None


def test_it_shows_only_the_category_label_on_open311_by_default(anonymous, citizen):
    report = _fourth_report_of_a_new_device(citizen)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PUBLISHED, public_description=NAMING_TEXT)
    shown = _shown(anonymous, report)
    assert shown is not None
    assert shown["description"] == "Vandalism"
    assert "Peeters" not in str(shown) and "example.org" not in str(shown)


def test_with_public_text_on_it_adds_the_stored_public_form_and_never_the_description(
    anonymous, citizen, settings
):
    settings.OPEN311_PUBLIC_TEXT = True
    report = _fourth_report_of_a_new_device(citizen)
    redacted = "My neighbour [name removed] at [address removed] smashed the bus shelter again."
    Report.objects.filter(pk=report.pk).update(status=Report.Status.PUBLISHED, public_description=redacted)
    shown = _shown(anonymous, report)
    assert shown["description"] == f"Vandalism\n\n{redacted}"
    assert "Peeters" not in shown["description"]
