"""The moderation transparency report's service: publishing a month's report, once, charged to the month's
privacy ledger like a map release (docs/privacy.md). The figures and the document are in ``maps.transparency``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import transparency
from maps.errors import MonthNotClosed, PrivacyBudgetExhausted, ReleaseInvalid
from maps.layers import month_previous
from maps.ledger import closed_month_window, ledger_locked
from maps.models import BudgetSpend, SpendKind, TransparencyRelease
from moderation.selectors import transparency_contributions
from privacy import dp
from reports.selectors import service_area_active

logger = logging.getLogger(__name__)


def transparency_release_publish(
    *, month: date, published_by: str = "", now: datetime | None = None
) -> TransparencyRelease:
    """Compute, charge and store the transparency report of ``month``, once (docs/privacy.md).

    Like a map release: refused while late reports may still arrive, charged to the month's ledger under
    its lock, noised once with OpenDP's discrete Laplace, and returned unchanged if it already exists."""
    month = month.replace(day=1)
    existing = TransparencyRelease.objects.filter(month=month).first()
    if existing is not None:
        return existing
    try:
        epsilon = dp.epsilon_parse(settings.TRANSPARENCY_EPSILON)
        cap = dp.epsilon_parse(settings.MAPS_MONTHLY_EPSILON_CAP, maximum=dp.CAP_MAX)
    except dp.PrivacyError as exc:
        raise ReleaseInvalid(_("Invalid privacy settings: %(reason)s") % {"reason": exc}, field="epsilon") from exc
    window = closed_month_window(
        month, time_zone=settings.MAPS_TIME_ZONE, late_days=settings.MAPS_LATE_REPORT_DAYS, now=now
    )
    area = service_area_active()
    districts = sorted(area.districts.values_list("name", flat=True)) if area is not None else []

    with transaction.atomic():
        ledger = ledger_locked(month, cap=cap)
        existing = TransparencyRelease.objects.filter(month=month).first()
        if existing is not None:
            return existing
        try:
            dp.ledger_charge(cap=ledger.cap, spent=ledger.spends.values_list("epsilon", flat=True), epsilon=epsilon)
        except dp.PrivacyBudgetExceeded as exc:
            raise PrivacyBudgetExhausted(
                _("Publishing the transparency report for %(month)s at ε=%(epsilon)s would bring the month to "
                  "ε=%(total)s, over its cap of %(cap)s.")
                % {"month": f"{month:%Y-%m}", "epsilon": epsilon, "total": exc.spent + exc.requested,
                   "cap": ledger.cap}
            ) from exc
        counts = transparency.true_counts(
            transparency_contributions(start=window.start, end=window.end), districts=districts
        )
        noisy = dp.bounded_sums_release(counts, epsilon=epsilon, sensitivity=transparency.SENSITIVITY)
        del counts  # nothing true leaves this function
        published_at = timezone.now().replace(microsecond=0)
        document = transparency.document_build(
            month=month, districts=districts, noisy_counts=noisy, epsilon=epsilon, published_at=published_at,
        )
        release = TransparencyRelease.objects.create(
            month=month, epsilon=epsilon, threshold=transparency.THRESHOLD, time_zone=settings.MAPS_TIME_ZONE,
            published_at=published_at, published_by=published_by[:150], noisy=document.noisy,
            document=document.body, content_hash=document.content_hash,
        )
        BudgetSpend.objects.create(
            ledger=ledger, layer=SpendKind.TRANSPARENCY, epsilon=epsilon, transparency=release,
            spent_by=published_by[:150],
        )
    logger.info("transparency: published %s at ε=%s", f"{month:%Y-%m}", epsilon)
    return release


def transparency_release_publish_due(
    *, now: datetime | None = None, published_by: str = "scheduled job"
) -> TransparencyRelease | None:
    """Publish last month's transparency report if it is not published yet; used by the monthly job."""
    current = (now or timezone.now()).astimezone(ZoneInfo(settings.MAPS_TIME_ZONE)).date().replace(day=1)
    month = month_previous(current)
    try:
        return transparency_release_publish(month=month, published_by=published_by, now=now)
    except (MonthNotClosed, PrivacyBudgetExhausted) as exc:
        logger.warning("transparency: %s not published: %s", f"{month:%Y-%m}", exc.detail)
        return None
