"""A database made when reports, devices and photos lived in ``alerts`` upgrades with everything in it."""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from procrastinate.contrib.django import app

from reports.models import Device, Report, ReportPhoto
from reports.taxonomy import taxonomy_sync

# The last migration of each app before the records moved to ``reports`` (the schema of 27d5090).
BEFORE_THE_MOVE = [
    ("alerts", "0007_subscription_visibility"),
    ("moderation", "0003_audit_withdrawn"),
    ("referrals", "0002_partners_and_referral_outbox"),
    ("maps", "0001_initial"),
]
# Jobs a queue of that schema may hold: the worker must still know every one of them by its name.
TASK_NAMES_BEFORE_THE_MOVE = [
    "alerts.fanout.alert_publish", "alerts.fanout.alert_push_send", "alerts.fanout.notice_push",
    "alerts.tasks.report_retention", "alerts.tasks.alerts_expiry", "api.tasks.idempotency_purge",
    "maps.tasks.maps_release_publish", "referrals.deliver", "referrals.sweep",
]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_it_reads_a_report_its_device_and_photo_stored_before_the_move_through_the_reports_models():
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    user = get_user_model().objects.create_user("auditor")
    user.user_permissions.add(*ContentType.objects.get(app_label="reports", model="report").permission_set.all())
    try:
        executor = _migrate([*BEFORE_THE_MOVE, ("reports", None)])
        old = executor.loader.project_state(BEFORE_THE_MOVE).apps
        assert ContentType.objects.filter(app_label="alerts", model="report").exists()
        device = old.get_model("alerts", "Device").objects.create(
            id=uuid.uuid4(), token_hash="d" * 64, platform="android", locale="nl-BE", daily_push_cap=5
        )
        report = old.get_model("alerts", "Report").objects.create(
            id=uuid.uuid4(), device_id=device.pk, kind="incident", description="Bike taken by the library",
            category=old.get_model("alerts", "Category").objects.get(code="property.bicycle_theft"),
            location="SRID=4326;POINT(3.725 51.054)", occurred_at=timezone.now(), consent_police=True,
        )
        old.get_model("alerts", "ReportPhoto").objects.create(
            report_id=report.pk, file="photos/x/y.jpg", content_type="image/jpeg", width=4, height=3,
            size_bytes=120, sha256="a" * 64,
        )
    finally:
        latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
        _migrate(latest)

    moved = Report.objects.select_related("device", "category").get(pk=report.pk)
    assert moved.device == Device.objects.get(pk=device.pk)
    assert (moved.category.code, moved.description, moved.consent_police) == (
        "property.bicycle_theft", "Bike taken by the library", True
    )
    assert list(ReportPhoto.objects.filter(report=moved).values_list("sha256", flat=True)) == ["a" * 64]
    assert not ContentType.objects.filter(app_label="alerts", model__in=["report", "device"]).exists()
    assert get_user_model().objects.get(pk=user.pk).has_perm("reports.view_report")


def test_it_keeps_the_names_of_jobs_queued_before_the_move():
    for module in ("alerts.tasks", "workflows.tasks", "referrals.tasks", "maps.tasks", "api.tasks"):
        importlib.import_module(module)
    assert [name for name in TASK_NAMES_BEFORE_THE_MOVE if name not in app.tasks] == []


@pytest.mark.django_db
def test_it_needs_no_migration_the_models_do_not_have():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
