"""Shared set-up for alert tests: a fake FCM that the real firebase-admin talks to, and helpers.

Import the fixtures into a test module: ``from tests.alerts.fixtures import fcm  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts import fanout
from alerts.models import Alert
from alerts.push import push_transport_reset
from alerts.services import subscription_create
from reports.models import Category, Device, Report
from tests import factories
from tests.alerts.fake_fcm import FakeFcm, google_auth_stays_local
from workflows.submit import Consent, report_submit


@pytest.fixture
def fcm(tmp_path, settings, monkeypatch) -> Iterator[FakeFcm]:
    """A fake FCM on 127.0.0.1 and settings that point firebase-admin at it."""
    from firebase_admin import messaging

    server = FakeFcm().start()
    google_auth_stays_local(monkeypatch)
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", server.send_url_template)
    settings.FCM_CREDENTIALS_FILE = str(server.service_account(tmp_path / "service-account.json"))
    settings.FCM_PROJECT_ID = "lantern-test"
    settings.FCM_TIMEOUT_SECONDS = 2
    settings.FCM_RETRY_BASE_SECONDS = 1
    push_transport_reset()
    yield server
    push_transport_reset()
    server.stop()


@pytest.fixture
def no_push(settings) -> Iterator[None]:
    settings.FCM_CREDENTIALS_FILE = None
    settings.FCM_PROJECT_ID = None
    push_transport_reset()
    yield
    push_transport_reset()


def device_with_zone(
    *, push_token: str = "", center: tuple[float, float] = factories.INSIDE, radius_m: int = 2000,
    categories: list[str] | None = None, locale: str = "en", time_zone: str = "Europe/Brussels",
) -> Device:
    device, _ = factories.device_create(locale=locale, time_zone=time_zone, push_token=push_token)
    subscription_create(device=device, center=Point(*center, srid=4326), radius_m=radius_m, categories=categories)
    return device


def published_report(
    *, device: Device | None, category: str = "violence.robbery", location: tuple[float, float] = factories.INSIDE,
    occurred_ago: timedelta = timedelta(hours=2), consent: bool = True, description: str = "A phone was taken.",
) -> Report:
    """A report stored as the rules engine would have published it (new devices' reports are held)."""
    report = report_submit(
        device=device, kind="incident", category=Category.objects.get(code=category), description=description,
        location=Point(*location, srid=4326), accuracy_m=10, occurred_at=timezone.now() - occurred_ago,
        consent=Consent(public_alert=consent),
    ).report
    return report


def trusted_device(**overrides: Any) -> Device:
    """A device whose reports the rules engine publishes at once: old enough, with a clean history."""
    device, _ = factories.device_create(**overrides)
    Device.objects.filter(pk=device.pk).update(created_at=timezone.now() - timedelta(days=60))
    for _ in range(3):
        old = factories.report_create(device=device, description="The street light is broken.")
        Report.objects.filter(pk=old.pk).update(status=Report.Status.PUBLISHED,
                                                created_at=timezone.now() - timedelta(days=30))
    device.refresh_from_db()
    return device


def alert_jobs() -> list[Any]:
    from procrastinate.contrib.django.models import ProcrastinateJob

    return list(ProcrastinateJob.objects.filter(task_name__startswith="alerts.fanout.", status="todo").order_by("id"))


def run_due_alert_jobs() -> int:
    """Do what the worker would: run every due job of the alert fan-out, in order. Answers how many ran."""
    from django.db import connection
    from procrastinate.contrib.django.models import ProcrastinateJob

    ran = 0
    functions = {
        "alerts.fanout.alert_publish": lambda args: fanout.alert_publish_now(alert_id=args["alert_id"]),
        "alerts.fanout.alert_push_send": lambda args: fanout.alert_push_send(**args),
        "alerts.fanout.notice_push": lambda args: fanout.notice_push_now(**args),
    }
    done: set[int] = set()
    while True:
        due = [job for job in ProcrastinateJob.objects.filter(status="todo").order_by("id")
               if job.task_name in functions and job.id not in done
               and (job.scheduled_at is None or job.scheduled_at <= timezone.now())]
        if not due:
            return ran
        for job in due:
            done.add(job.id)
            with connection.cursor() as cursor:  # as the worker does: a running job holds no queueing lock
                cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job.id])
            functions[job.task_name](job.args)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job.id])
            ran += 1


def alert_of(report: Report) -> Alert | None:
    return Alert.objects.filter(links__report=report).first()
