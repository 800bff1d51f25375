from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from api.models import IdempotencyRecord
from api.tasks import idempotency_records_purge
from tests import factories


def test_old_first_responses_are_forgotten_and_recent_ones_kept(citizen):
    for key in ("old", "new"):
        citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=49))
    assert idempotency_records_purge(older_than_hours=48) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
