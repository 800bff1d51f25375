"""Taking a report back, and erasing what could identify its reporter (withdrawal and retention alike)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import services as moderation
from privacy.cells import point_coarsen
from referrals.services import referrals_erase
from reports.errors import ReportNotWithdrawable
from reports.models import Report


def report_erase(report: Report, *, now: datetime) -> None:
    """Erase what could identify the reporter: free text, photos and the exact point."""
    lng, lat = point_coarsen(report.location.x, report.location.y)
    report.location = Point(lng, lat, srid=4326)
    report.location_precision = Report.Precision.COARSE
    report.accuracy_m = None
    report.description = ""
    report.public_description = ""
    report.contact = {}
    referrals_erase(report=report, now=now)
    report.erased_at = now
    for photo in report.photos.all():
        # Deleted before the erasure commits, not after: if the store fails, the report stays unerased and
        # the erasure is tried again, rather than marked done with the photo still in a bucket.
        photo.file.delete(save=False)
        photo.delete()


@transaction.atomic
def report_withdraw(*, report: Report) -> Report:
    """The citizen takes the report back: kept for the audit trail, its text and exact point erased."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status == Report.Status.WITHDRAWN:
        raise ReportNotWithdrawable(_("This report was already withdrawn."))
    now = timezone.now()
    report_erase(report, now=now)
    moderation.case_withdraw(report_id=report.pk)
    report.status = Report.Status.WITHDRAWN
    report.withdrawn_at = now
    report.save()
    return report
