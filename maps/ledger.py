"""What every publication charged to a month's privacy budget goes through first: the month must be closed (no
late report may still arrive) and its privacy ledger locked. Map releases and the transparency report share
both, so that together they cannot overspend a month.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from maps.errors import MonthNotClosed
from maps.layers import MonthWindow, month_window
from maps.models import PrivacyLedger


def closed_month_window(month: date, *, time_zone: str, late_days: int, now: datetime | None) -> MonthWindow:
    """``month``'s window, or MonthNotClosed while its late reports may still arrive."""
    window = month_window(month, time_zone=time_zone, late_days=late_days)
    if (now or timezone.now()) < window.received_before:
        raise MonthNotClosed(
            _("%(month)s can be published from %(when)s, when late reports no longer count.")
            % {"month": f"{month:%Y-%m}", "when": window.received_before.isoformat()}
        )
    return window


def ledger_locked(month: date, *, cap: Decimal) -> PrivacyLedger:
    """``month``'s privacy ledger, locked until the transaction ends. One publisher per month at a time: the
    ledger row is the lock, so two layers (or a layer and the transparency report) published together cannot
    both read "budget left" and overspend it."""
    ledger, _created = PrivacyLedger.objects.get_or_create(month=month, defaults={"cap": cap})
    return PrivacyLedger.objects.select_for_update().get(pk=ledger.pk)
