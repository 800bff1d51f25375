from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from moderation.models import Case
from reports.models import Report
from tests import factories
from tests.api.test_moderation import _claim, _decide


def _this_month() -> str:
    return f"{timezone.now():%Y-%m}"


def test_transparency_is_public_and_hides_counts_under_ten(anonymous, citizen):
    for _ in range(12):
        factories.report_held(device=citizen.device, verdict="allow")
    factories.report_held(device=citizen.device)
    response = anonymous.get(f"/api/v1/transparency/?month={_this_month()}")
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == _this_month()
    (east,) = body["districts"]
    assert east["district"] == "East"
    assert east["received"] == 13
    assert east["rejected"] == {}
    assert east["held"] == "<10"
    assert east["appeals_upheld"] == "<10"
    assert east["median_minutes_to_decision"] is None


def test_rejections_are_counted_by_rule_family_and_decision_time_by_median(anonymous, citizen, moderator):
    for _ in range(10):
        report = factories.report_held(device=citizen.device, code="vigilantism.call_to_action")
        Case.objects.filter(report=report).update(opened_at=timezone.now() - timedelta(minutes=30))
        _claim(moderator, report)
        _decide(moderator, report, "reject", "vigilantism.call_to_action")
    (east,) = anonymous.get(f"/api/v1/transparency/?month={_this_month()}").json()["districts"]
    assert east["rejected"] == {"vigilantism": 10}
    assert east["held"] == 10
    assert 29 <= east["median_minutes_to_decision"] <= 31


def test_another_month_is_empty(anonymous, citizen):
    factories.report_create(device=citizen.device)
    Report.objects.update(created_at=timezone.now() - timedelta(days=70))
    assert anonymous.get(f"/api/v1/transparency/?month={_this_month()}").json()["districts"] == []


def test_a_malformed_month_is_refused(anonymous, db):
    for month in ("2026-13", "26-01", "", "2026-1"):
        response = anonymous.get(f"/api/v1/transparency/?month={month}")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "month"
    assert anonymous.get("/api/v1/transparency/").status_code == 400
