"""The ways a month gets published: the command with its progress bar, the monthly job, the demo seed."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from maps.models import BudgetSpend, Release
from maps.services import releases_publish_due
from maps.tasks import maps_release_publish
from tests.maps import builders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _town(service_area):
    builders.crowd(4)


def publish_command(*args: str) -> str:
    out = StringIO()
    call_command("publish_release", "--month", builders.MONTH_TEXT, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_publishes_every_layer_with_a_progress_bar():
    output = publish_command()
    assert "insecurity [###############...............] 3/6 noise" in output
    assert "incidents  [##############################] 6/6 store" in output
    assert "insecurity 2026-03: published" in output and "ε=1.000" in output
    assert sorted(Release.objects.values_list("layer", flat=True)) == ["incidents", "insecurity"]


def test_publishing_again_prints_the_stored_release_and_spends_nothing():
    publish_command("--layer", "insecurity")
    stored = Release.objects.get()
    output = publish_command("--layer", "insecurity", "--epsilon", "2")
    assert "already published" in output and stored.content_hash[:12] in output
    assert Release.objects.get().content_hash == stored.content_hash and BudgetSpend.objects.count() == 1


def test_the_command_refuses_a_malformed_month():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("publish_release", "--month", "03/2026", stdout=StringIO(), stderr=StringIO())


def test_the_monthly_job_publishes_last_month_once():
    now = datetime(2026, 4, 3, 4, 30, tzinfo=ZoneInfo("UTC"))
    assert {r.layer for r in releases_publish_due(now=now)} == {"insecurity", "incidents"}
    assert Release.objects.filter(month=date(2026, 3, 1)).count() == 2
    stored = {r.pk: r.content_hash for r in Release.objects.all()}
    again = releases_publish_due(now=now)
    assert {r.pk: r.content_hash for r in again} == stored, "a second run answers the stored releases"
    assert BudgetSpend.objects.count() == 2


def test_the_job_is_registered_to_run_after_each_month():
    from procrastinate.contrib.django import app

    periodic = [task for task in app.periodic_registry.periodic_tasks.values()
                if task.task.name == maps_release_publish.name]
    assert [task.cron for task in periodic] == ["30 4 3 * *"]


def test_the_job_waits_for_late_reports_before_publishing():
    early = datetime(2026, 4, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert releases_publish_due(now=early) == []
    assert not Release.objects.exists()
