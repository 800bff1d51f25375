"""A moderator's decision, and a reporter's appeal, applied to the report and to what follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from alerts.services import alert_consider, reporter_notify
from moderation import services as moderation
from referrals.services import referrals_create
from reports.models import Report
from reports.public_form import public_form_make


@dataclass(frozen=True)
class ReportDecided:
    """What the moderator is answered: the report's new status and where its case stands."""

    report_id: Any
    status: str
    case_state: str


@transaction.atomic
def report_decide(
    *, report_id: Any, moderator: Any, decision: str, reason_code: str, note: str = ""
) -> ReportDecided:
    """A moderator's decision on a held (or appealed, or escalated) report, applied to the report."""
    case = moderation.case_decide(
        report_id=report_id, moderator=moderator, outcome=decision, reason_code=reason_code, note=note
    )
    report = case.report
    fields = ["status", "public_description", "updated_at"]
    if decision in ("approve", "approve_redacted"):
        # Both publish the redacted text: "approve" says the rules were wrong to hold the report, not
        # that the personal data they found may be published (docs/moderator-console.md).
        report.status = Report.Status.PUBLISHED
        fields += public_form_make(report=report, redacted_text=case.redacted_text)
    elif decision == "reject":
        report.status, report.public_description = Report.Status.REJECTED, ""
    report.save(update_fields=sorted(set(fields)))
    # Now public: municipal services, which only ever receive what the public may see, may be due one.
    referrals_create(report=report)
    alert_consider(report=report, moderator_approved=decision in ("approve", "approve_redacted"))
    reporter_notify(report=report, event="moderation.decided")
    return ReportDecided(report_id=report.pk, status=report.status, case_state=case.state)


@transaction.atomic
def report_appeal(*, report: Report, note: str) -> Report:
    """The reporter contests a rejection (once); a different moderator decides."""
    moderation.case_appeal(report_id=report.pk, note=note)
    report.status = Report.Status.PENDING_REVIEW
    report.save(update_fields=["status", "updated_at"])
    return report
