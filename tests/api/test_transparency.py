"""The moderation transparency report: a release per closed month, noised once, stored, served as stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maps import transparency
from maps.models import BudgetSpend, PrivacyLedger, TransparencyRelease
from maps.services import transparency_release_publish, transparency_release_publish_due
from maps.tasks import transparency_release_publish as transparency_job
from moderation.models import Case
from moderation.selectors import transparency_contributions
from reports.models import District, Report
from tests import factories
from tests.api.test_moderation import _claim, _decide


def _closed_month() -> date:
    """A month well past its late-report days."""
    return (timezone.now() - timedelta(days=45)).date().replace(day=1)


def _in_month(month: date, reports: list[Report]) -> None:
    when = timezone.now().replace(year=month.year, month=month.month, day=10, hour=12)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(created_at=when)


def _url(month: date) -> str:
    return f"/api/v1/transparency/?month={month:%Y-%m}"


@pytest.fixture
def month_with_reports(citizen) -> date:
    month = _closed_month()
    reports = [factories.report_held(device=citizen.device, verdict="allow") for _ in range(12)]
    reports.append(factories.report_held(device=citizen.device))
    _in_month(month, reports)
    return month


def test_it_serves_the_stored_release_and_one_more_report_changes_nothing(anonymous, citizen, month_with_reports):
    # The attack: received went from 12 to 13 the moment one report was sent.
    transparency_release_publish(month=month_with_reports)
    before = anonymous.get(_url(month_with_reports))
    assert before.status_code == 200
    late = factories.report_held(device=citizen.device, verdict="allow")
    _in_month(month_with_reports, [late])
    after = anonymous.get(_url(month_with_reports))
    assert after.content == before.content
    assert after["ETag"] == before["ETag"]


def test_it_never_computes_a_month_that_is_not_published(anonymous, month_with_reports):
    response = anonymous.get(_url(month_with_reports))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:lantern:problem:transparency-not-published"
    assert not TransparencyRelease.objects.exists()


def test_it_answers_a_strong_etag_and_304_to_if_none_match(anonymous, month_with_reports):
    release = transparency_release_publish(month=month_with_reports)
    first = anonymous.get(_url(month_with_reports))
    assert first["ETag"] == f'"{release.content_hash}"' and not first["ETag"].startswith("W/")
    assert first["Content-Type"] == "application/json"
    again = anonymous.get(_url(month_with_reports), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    other = anonymous.get(_url(month_with_reports), HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_every_figure_is_noised_once_and_charged_to_the_months_ledger(month_with_reports):
    release = transparency_release_publish(month=month_with_reports)
    districts = sorted(District.objects.values_list("name", flat=True))
    start = timezone.now().replace(year=month_with_reports.year, month=month_with_reports.month, day=1, hour=0)
    true = transparency.true_counts(
        transparency_contributions(start=start, end=start + timedelta(days=28)), districts=districts
    )
    assert true[:2] == [13, 1], "East's received and held, as sent"
    stored = [release.noisy[name][figure] for name in [*districts, ""] for figure in transparency.FIGURES]
    assert len(stored) == len(true) >= 2 * len(transparency.FIGURES)
    # Discrete Laplace of scale 5 leaves a value unchanged one time in ten: all of them never are.
    assert stored != true
    spend = BudgetSpend.objects.get(transparency=release)
    assert spend.layer == "transparency" and spend.epsilon == release.epsilon
    assert spend.ledger == PrivacyLedger.objects.get(month=month_with_reports)
    again = transparency_release_publish(month=month_with_reports)
    assert again.content_hash == release.content_hash and BudgetSpend.objects.count() == 1


def test_counts_under_ten_read_under_ten_and_every_district_and_family_is_listed(anonymous, month_with_reports):
    transparency_release_publish(month=month_with_reports)
    body = anonymous.get(_url(month_with_reports)).json()
    assert body["month"] == f"{month_with_reports:%Y-%m}" and body["threshold"] == 10
    names = [row["district"] for row in body["districts"]]
    assert "East" in names and names[-1] is None
    for row in body["districts"]:
        assert set(row["rejected"]) == set(transparency.FAMILIES)
        for value in [row["received"], row["held"], row["appeals_upheld"], *row["rejected"].values(),
                      *row["decisions_by_time"].values()]:
            assert value == "<10" or (isinstance(value, int) and value >= 10)


def test_a_rejected_report_counts_once_under_the_moderators_reason(citizen, moderator, month_with_reports):
    report = factories.report_held(device=citizen.device, code="vigilantism.call_to_action")
    Case.objects.filter(report=report).update(opened_at=timezone.now() - timedelta(minutes=30))
    _claim(moderator, report)
    _decide(moderator, report, "reject", "vigilantism.call_to_action")
    [one] = [c for c in transparency_contributions(start=timezone.now() - timedelta(hours=1), end=timezone.now())
             if c.rejected_family]
    assert one.rejected_family == "vigilantism" and 29 <= one.decision_minutes <= 31
    assert transparency.band_of(one.decision_minutes) == "under_1h"


@pytest.mark.parametrize("month", ["0000-01", "2026-13", "2026-00", "26-01", "", "2026-1", "1999-12"])
def test_a_malformed_or_out_of_range_month_is_refused(anonymous, db, month):
    response = anonymous.get(f"/api/v1/transparency/?month={month}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "month"


@pytest.mark.parametrize("months_ahead", [0, 1, 24])
def test_the_current_month_and_future_ones_are_refused(anonymous, db, months_ahead):
    month = (timezone.now() + timedelta(days=31 * months_ahead)).date()
    response = anonymous.get(_url(month))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "month"


def test_a_month_is_not_published_before_its_late_reports_are_in(month_with_reports):
    following = (month_with_reports + timedelta(days=32)).replace(day=1)
    early = timezone.now().replace(year=following.year, month=following.month, day=1, hour=12)
    assert transparency_release_publish_due(now=early) is None
    assert not TransparencyRelease.objects.exists()


def test_the_monthly_job_publishes_last_month_once_and_is_scheduled(month_with_reports):
    from procrastinate.contrib.django import app

    following = (month_with_reports + timedelta(days=32)).replace(day=1)
    due = timezone.now().replace(year=following.year, month=following.month, day=3, hour=5)
    release = transparency_release_publish_due(now=due)
    assert release is not None and release.month == month_with_reports
    assert transparency_release_publish_due(now=due).pk == release.pk
    periodic = [task for task in app.periodic_registry.periodic_tasks.values()
                if task.task.name == transparency_job.name]
    assert [task.cron for task in periodic] == ["45 4 3 * *"]


def test_operators_see_a_published_report_read_only_in_the_admin(client, month_with_reports):
    from django.contrib.auth import get_user_model

    release = transparency_release_publish(month=month_with_reports)
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only"))
    page = client.get(f"/admin/maps/transparencyrelease/{release.pk}/change/")
    assert page.status_code == 200 and release.content_hash in page.content.decode()
    assert client.get("/admin/maps/transparencyrelease/add/").status_code == 403
