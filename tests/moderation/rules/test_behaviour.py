"""trust.*, flood.*, rate.*: the reporter's history and nearby activity, not the text."""

from __future__ import annotations

import pytest

from moderation.engine import BehaviourLimits, Draft, NearbyActivity, ReporterHistory, screen

CLEAN = Draft(text="The streetlight at the corner of the park has been out for a week.")
SEASONED = ReporterHistory(reports_total=20, reports_rejected=1, reports_last_hour=1)


def _codes(history: ReporterHistory | None = None, nearby: NearbyActivity | None = None) -> list[str]:
    return [hit.code for hit in screen(CLEAN, history=history, nearby=nearby).hits]


@pytest.mark.parametrize("previous_reports", [0, 1, 2])
def test_it_holds_the_first_three_reports_of_a_device(previous_reports: int) -> None:
    screening = screen(CLEAN, history=ReporterHistory(reports_total=previous_reports))
    assert [hit.code for hit in screening.hits] == ["trust.new_device"]
    assert screening.verdict == "hold"
    assert screening.hits[0].spans == ()
    assert screening.hits[0].explanation.startswith("Your first reports")


def test_it_trusts_a_device_from_its_fourth_report() -> None:
    assert _codes(ReporterHistory(reports_total=3)) == []


def test_it_holds_a_device_whose_reports_are_mostly_rejected() -> None:
    assert _codes(ReporterHistory(reports_total=6, reports_rejected=3)) == ["trust.rejection_history"]


@pytest.mark.parametrize(("total", "rejected"), [(8, 3), (4, 2), (100, 40)])
def test_it_does_not_brand_a_device_for_a_few_or_a_minority_of_rejections(total: int, rejected: int) -> None:
    assert _codes(ReporterHistory(reports_total=total, reports_rejected=rejected)) == []


def test_it_holds_a_flood_of_reports_about_one_place_from_few_devices() -> None:
    assert _codes(SEASONED, NearbyActivity(reports=5, distinct_devices=2)) == ["flood.place"]
    assert _codes(SEASONED, NearbyActivity(reports=5, distinct_devices=3)) == []
    assert _codes(SEASONED, NearbyActivity(reports=4, distinct_devices=1)) == []


def test_it_holds_a_burst_of_reports_from_one_device() -> None:
    assert _codes(ReporterHistory(reports_total=50, reports_last_hour=10)) == ["rate.burst"]
    assert _codes(ReporterHistory(reports_total=50, reports_last_hour=9)) == []


def test_unknown_history_and_activity_fire_no_behaviour_rule() -> None:
    screening = screen(CLEAN)
    assert screening.hits == () and screening.verdict == "allow"


def test_the_thresholds_can_be_changed_by_the_caller() -> None:
    limits = BehaviourLimits(new_device_reports=1, burst_per_hour=3)
    screening = screen(CLEAN, history=ReporterHistory(reports_total=1, reports_last_hour=3), limits=limits)
    assert [hit.code for hit in screening.hits] == ["rate.burst"]


def test_behaviour_explanations_follow_the_reporters_language() -> None:
    draft = Draft(text="Le lampadaire devant l'école est en panne depuis une semaine.")
    screening = screen(draft, history=ReporterHistory(reports_total=0))
    assert screening.hits[0].explanation.startswith("Vos premiers signalements")
