"""Moderation records: one case per report, the rule hits, decisions, appeals and the audit log.

Models point at reports with the lazy reference ``"reports.Report"``: moderation never imports alerts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    """The moderation file of one report, opened when the report arrives."""

    class State(models.TextChoices):
        CLOSED = "closed", _("Closed")  # decided, automatically or by a moderator
        OPEN = "open", _("Waiting for a moderator")
        ESCALATED = "escalated", _("Escalated")
        APPEALED = "appealed", _("Appeal waiting")

    class Verdict(models.TextChoices):
        ALLOW = "allow", _("Allow")
        REDACT = "redact", _("Allow redacted")
        HOLD = "hold", _("Hold for review")
        REJECT = "reject", _("Reject")

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="case")
    state = models.CharField(max_length=12, choices=State.choices)
    auto_verdict = models.CharField(max_length=8, choices=Verdict.choices)
    language = models.CharField(max_length=8)
    redacted_text = models.TextField(blank=True, default="")
    families = models.JSONField(default=list, help_text="Rule families that hit, for queue filters")
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "opened_at"], name="case_queue")]

    def __str__(self) -> str:
        return f"case of report {self.report_id} ({self.state})"


class RuleHit(models.Model):
    class Action(models.TextChoices):
        REDACT = "redact", _("Redact")
        HOLD = "hold", _("Hold")
        REJECT = "reject", _("Reject")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hits")
    code = models.CharField(max_length=64)
    family = models.CharField(max_length=20, db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    spans = models.JSONField(default=list)
    explanation = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        APPROVE_REDACTED = "approve_redacted", _("Approve redacted")
        REJECT = "reject", _("Reject")
        ESCALATE = "escalate", _("Escalate")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    # Null for the rules engine's automatic decision.
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_code = models.CharField(max_length=64)
    note = models.TextField(blank=True, default="")
    on_appeal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.reason_code})"


class Appeal(models.Model):
    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the report is published")
        DISMISSED = "dismissed", _("Dismissed: the rejection stands")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="appeal")
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"appeal on {self.case_id}"


class AuditEntry(models.Model):
    """Append-only: a database trigger refuses UPDATE and DELETE (migration 0002)."""

    class Action(models.TextChoices):
        AUTO_DECISION = "auto_decision", _("Automatic decision")
        CLAIM = "claim", _("Claim")
        DECISION = "decision", _("Decision")
        APPEAL = "appeal", _("Appeal filed")
        WITHDRAWN = "withdrawn", _("Withdrawn by the reporter")
        VIEW_LOCATION = "view_location", _("Viewed exact location")
        VIEW_CONTACT = "view_contact", _("Viewed contact details")
        VIEW_PHOTOS = "view_photos", _("Viewed photos")
        VIEW_TEXT = "view_text", _("Viewed the original text")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Plain values, not foreign keys: the trail must outlive accounts and never cascade.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, help_text="Username at the time, or 'system'")
    action = models.CharField(max_length=20, choices=Action.choices)
    report_id = models.UUIDField(db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.report_id}"
