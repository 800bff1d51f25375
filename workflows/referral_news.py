"""A partner's news about a referral, recorded and told to the reporter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alerts.services import reporter_notify
from referrals.services import referral_status_record
from reports.models import Report


@dataclass(frozen=True)
class ReferralNews:
    """A partner's status update as recorded: the caller tells the reporter when ``changed``."""

    report: Report
    referral: Any
    changed: bool


def report_referral_status_update(*, referral_id: Any, status: str, message: str = "") -> ReferralNews:
    """Record a partner's news (received, in progress, closed, with a message) about one referral of a
    report. Answers the report and the referral, so the caller can notify the reporter (push) when
    something changed; a resent identical update changes nothing."""
    referral, changed = referral_status_record(referral_id=referral_id, status=status, message=message)
    report = Report.objects.select_related("device").get(pk=referral.report_id)
    if changed:
        reporter_notify(report=report, event=f"referral.{status}")
    return ReferralNews(report=report, referral=referral, changed=changed)
