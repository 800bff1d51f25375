"""What the Open311 server may read: public service requests only, and authority keys.

The public view of a report is what anyone may see: published, not in a sensitive category, with the
citizen's consent to public use. Its status is "closed" when the municipal service it was sent to closed
it; police and victim-support news stays between them and the citizen.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from api.models import ApiKey
from kernel.replicas import found_on_primary_if_missing
from referrals.models import Partner, Referral
from reports.models import Category, Report
from reports.public_form import REPORT_PRIVATE_FIELDS


def open311_services_changeset() -> datetime | None:
    """When the services last changed: the latest change of any category, retired ones included."""
    return Category.objects.aggregate(at=Max("updated_at"))["at"]


def _closed_by_municipality() -> QuerySet[Referral]:
    return Referral.objects.filter(
        report=OuterRef("pk"), partner_kind=Partner.Kind.MUNICIPAL_SERVICE, status=Referral.PartnerStatus.CLOSED
    )




def open311_requests_public() -> QuerySet[Report]:
    return (
        Report.objects.filter(
            status=Report.Status.PUBLISHED, category__sensitive=False, consent_public_alert=True,
            public_location__isnull=False,
        )
        .defer(*REPORT_PRIVATE_FIELDS)
        .select_related("category", "district")
        .annotate(
            closed=Exists(_closed_by_municipality()),
            closed_at=Subquery(
                _closed_by_municipality().values("report").annotate(at=Max("status_updated_at")).values("at")[:1]
            ),
        )
    )


def open311_request_get(*, service_request_id: str) -> Report:
    """A public request; raises ``Report.DoesNotExist`` alike for unknown, held, private and malformed ids."""
    try:
        key = uuid.UUID(service_request_id)
    except ValueError as exc:
        raise Report.DoesNotExist from exc
    # Asked for by id, typically right after it was made: a replica that has not replayed it yet is no answer.
    return found_on_primary_if_missing(lambda: open311_requests_public().get(pk=key), Report.DoesNotExist)


def open311_requests_search(
    *, ids: list[uuid.UUID] | None, codes: list[str], start: datetime | None, end: datetime | None,
    statuses: list[str], default_days: int, limit: int,
) -> list[Report]:
    """GET requests.json: by ids (which override every other filter), else by service codes, status and
    a requested-time window (the last ``default_days`` when none is given), newest first."""
    requests = open311_requests_public()
    if ids is not None:
        return list(requests.filter(pk__in=ids).order_by("-created_at", "-id")[:limit])
    end = end or timezone.now()
    start = start or end - timedelta(days=default_days)
    requests = requests.filter(created_at__gte=start, created_at__lte=end)
    if codes:
        requests = requests.filter(category__code__in=codes)
    if statuses and set(statuses) != {"open", "closed"}:
        requests = requests.filter(closed="closed" in statuses)
    return list(requests.order_by("-created_at", "-id")[:limit])


def api_key_covers(*, api_key: ApiKey, point: Point) -> bool:
    """A key limited to jurisdictions may only place requests inside them; an unlimited key anywhere."""
    jurisdictions = api_key.jurisdictions.all()
    return not jurisdictions.exists() or jurisdictions.filter(boundary__contains=point).exists()
