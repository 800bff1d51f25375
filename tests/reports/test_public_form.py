"""A report's one public form: the redacted text and one public place, made once when it is published and
shown by every public output (alert, its live feed, Open311, municipal services)."""

from __future__ import annotations

import pytest

from alerts.public import alert_public
from moderation.services import case_claim
from reports.models import Report
from reports.public_form import public_form_make
from tests import factories
from tests.alerts.fixtures import alert_of, published_report, trusted_device
from workflows.decide import report_decide

pytestmark = pytest.mark.django_db

# The report: a phone number, an e-mail address and a home address, approved as a false positive.
PERSONAL = "Bel me op +32 470 12 34 56 of mail jan.peeters@example.org, ik woon in de Veldstraat 17."


def _approved(moderator, *, description: str = PERSONAL, decision: str = "approve") -> Report:
    device, _ = factories.device_create(locale="nl")
    report = published_report(device=device, category="harassment.street", description=description)
    assert report.status == Report.Status.PENDING_REVIEW
    case_claim(report_id=report.pk, moderator=moderator.user)
    report_decide(report_id=report.pk, moderator=moderator.user, decision=decision,
                  reason_code="moderator.false_positive")
    report.refresh_from_db()
    return report


def test_a_plain_approve_publishes_the_redacted_text_not_the_personal_data(
    service_area, anonymous, moderator, settings
):
    settings.OPEN311_PUBLIC_TEXT = True
    report = _approved(moderator)
    assert report.status == Report.Status.PUBLISHED
    assert {"pii.phone", "pii.email", "pii.address"} <= set(report.case.hits.values_list("code", flat=True))
    for leaked in ("+32 470 12 34 56", "jan.peeters@example.org", "Veldstraat 17"):
        assert leaked not in report.public_description
    [shown] = anonymous.get(f"/open311/v2/requests/{report.pk}.json").json()
    assert "+32 470" not in shown["description"] and "example.org" not in shown["description"]
    alert = alert_of(report)
    assert alert is not None
    assert alert_public(alert)["details"] == report.public_description


def test_open311_shows_the_alerts_one_public_place_never_the_true_cell(service_area, anonymous, moderator):
    report = _approved(moderator, description="Someone shouted insults at me near the bus stop.")
    alert = alert_of(report)
    [shown] = anonymous.get(f"/open311/v2/requests/{report.pk}.json").json()
    # The attack: Open311 published the true resolution-9 cell's centre next to the alert's noisy
    # point, linked by category, district and hour. Now both carry the same, one, public place.
    assert (shown["long"], shown["lat"]) == (round(report.public_location.x, 6), round(report.public_location.y, 6))
    assert (round(alert.point.x, 6), round(alert.point.y, 6)) == (shown["long"], shown["lat"])
    public = report.public_location
    assert alert_public(alert)["coordinates"] == [round(public.x, 7), round(public.y, 7)]


def test_the_public_place_is_drawn_once_and_kept_when_published_again(service_area, moderator):
    report = _approved(moderator, description="Someone shouted insults at me near the bus stop.")
    first = report.public_location
    assert public_form_make(report=report, redacted_text="Again.") == ["public_description"]
    assert report.public_location == first


def test_a_report_published_at_intake_has_its_public_form_at_once(service_area):
    report = published_report(device=trusted_device(), description="My phone was taken at the tram stop.")
    assert report.status == Report.Status.PUBLISHED
    assert report.public_location is not None and report.public_location != report.location
    assert report.public_description == report.case.redacted_text


def test_a_held_report_has_no_public_form(service_area):
    device, _ = factories.device_create()
    report = factories.report_held(device=device)
    assert report.public_location is None and report.public_description == ""
