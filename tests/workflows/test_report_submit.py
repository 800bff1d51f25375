"""What ``report_submit`` stores of a report, column by column."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from reports.models import Category, Report
from tests import factories
from workflows.submit import Consent, report_submit

pytestmark = pytest.mark.django_db

_SET_BY_SAVE = {"id", "created_at", "updated_at"}


def _columns(report_id: uuid.UUID) -> dict:
    row = Report.objects.values().get(pk=report_id)
    row["location"] = row["location"].ewkt
    return {name: value for name, value in row.items() if name not in _SET_BY_SAVE}


def _submitted(device) -> Report:
    return report_submit(
        device=device, kind="insecurity", category=Category.objects.get(code="insecurity.poor_lighting"),
        description="The underpass has no working lights « la nuit ».", location=Point(*factories.INSIDE, srid=4326),
        accuracy_m=15, occurred_at=timezone.now() - timedelta(hours=2),
        consent=Consent(share_with_police=True, victim_support=True, public_alert=False), perception=4,
        factors=["insecurity.deserted_place", "insecurity.deserted_place"],
        contact={"email": "someone@example.org", "share_description": True},
    ).report


def test_it_stores_every_column_as_the_orm_would(citizen):
    report = _submitted(citizen.device)
    same = {field.attname: getattr(report, field.attname) for field in Report._meta.concrete_fields}
    copy = Report.objects.create(**(same | {"id": uuid.uuid4()}))
    assert _columns(report.pk) == _columns(copy.pk)
    assert _columns(report.pk)["factors"] == ["insecurity.deserted_place"]


def test_it_answers_the_report_as_stored(citizen):
    report = _submitted(citizen.device)
    stored = Report.objects.get(pk=report.pk)
    assert (report._state.adding, report.created_at, report.updated_at) == (False, stored.created_at, stored.updated_at)
    assert report.contact == stored.contact == {"email": "someone@example.org", "share_description": True}
