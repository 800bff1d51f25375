from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from reports.models import Report
from tests import factories
from workflows.retention import report_retention_apply


def _age(report: Report, days: int, status: str = Report.Status.PUBLISHED) -> None:
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days), status=status)


def test_it_erases_text_and_coarsens_location_of_old_closed_reports(citizen):
    old = factories.report_create(device=citizen.device, description="Old story with details.")
    _age(old, 200)
    exact = (old.location.x, old.location.y)
    assert report_retention_apply(days=180) == 1
    old.refresh_from_db()
    assert old.description == ""
    assert old.location_precision == "coarse"
    assert (old.location.x, old.location.y) != exact
    assert old.erased_at is not None


def test_it_leaves_recent_reports_and_reports_awaiting_a_moderator(citizen):
    recent = factories.report_create(device=citizen.device, description="Fresh.")
    waiting = factories.report_create(device=citizen.device, description="Waiting for review.")
    _age(waiting, 400, status=Report.Status.PENDING_REVIEW)
    assert report_retention_apply(days=180) == 0
    recent.refresh_from_db()
    waiting.refresh_from_db()
    assert recent.description == "Fresh."
    assert waiting.description == "Waiting for review."


def test_running_it_twice_changes_nothing_more(citizen):
    old = factories.report_create(device=citizen.device)
    _age(old, 365)
    assert report_retention_apply(days=180) == 1
    assert report_retention_apply(days=180) == 0


def test_it_works_through_a_backlog_in_batches(citizen):
    for _ in range(7):
        _age(factories.report_create(device=citizen.device), 190)
    assert report_retention_apply(days=180, batch_size=3) == 7
    assert not Report.objects.filter(erased_at__isnull=True).exists()


def test_the_periodic_job_is_registered_daily():
    from procrastinate.contrib.django import app

    from workflows import tasks

    periodic = [task for task in app.periodic_registry.periodic_tasks.values()
                if task.task.name == tasks.report_retention.name]
    assert periodic and periodic[0].cron == "17 3 * * *"
