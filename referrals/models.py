"""The directory of partners and the places they serve, and the referral outbox.

``Referral`` rows are the outbox: each is written in the same transaction as the report it refers, with a
snapshot of exactly what the partner will receive, and a delivery job deferred alongside. The row, not the
job, is the truth about a delivery: a lost job is found again by the sweeper (``referrals.tasks``).

Nothing here imports ``alerts``: reports and categories are referenced lazily as ``"reports.Report"`` and
``"reports.Category"``.
"""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from referrals.payloads import FIELDS_BY_KIND


class Jurisdiction(models.Model):
    class Kind(models.TextChoices):
        POLICE_AREA = "police_area", _("Police area")
        MUNICIPALITY = "municipality", _("Municipality")

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Partner(models.Model):
    """A police unit, victim-support service or municipal service that may receive referrals."""

    class Kind(models.TextChoices):
        POLICE = "police", _("Police")
        VICTIM_SUPPORT = "victim_support", _("Victim support")
        MUNICIPAL_SERVICE = "municipal_service", _("Municipal service")

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", _("Signed webhook (JSON over HTTPS)")
        EMAIL = "email", _("E-mail")
        OPEN311 = "open311", _("Open311 GeoReport v2")

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    jurisdictions = models.ManyToManyField(Jurisdiction, blank=True, related_name="partners")
    categories = models.ManyToManyField(
        "reports.Category", blank=True, related_name="+", help_text=_("Categories handled; none means all")
    )
    languages = ArrayField(
        models.CharField(max_length=8), default=list, blank=True,
        help_text=_("Language codes the partner works in, e.g. nl,fr; empty means any"),
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEBHOOK)
    endpoint = models.CharField(
        max_length=500, help_text=_("Webhook URL, e-mail address, or the Open311 base URL (…/open311/v2/)")
    )
    # Needed in clear to compute HMACs both ways; the admin never displays it (write-only).
    signing_secret = models.CharField(max_length=128, blank=True, default="")
    open311_api_key = models.CharField(max_length=200, blank=True, default="")
    service_codes = models.JSONField(
        default=dict, blank=True,
        help_text=_("Open311 only: category code → the partner's service_code; empty means the same codes"),
    )
    data_fields = ArrayField(
        models.CharField(max_length=40), default=list, blank=True,
        help_text=_("What this partner may receive, within what its kind allows; empty means all its kind allows"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        allowed = FIELDS_BY_KIND.get(self.kind, ())
        extra = sorted(set(self.data_fields) - set(allowed))
        if extra:
            errors["data_fields"] = _("A %(kind)s partner may not receive: %(fields)s. Allowed: %(allowed)s.") % {
                "kind": self.get_kind_display(), "fields": ", ".join(extra), "allowed": ", ".join(allowed),
            }
        if self.channel in (self.Channel.WEBHOOK, self.Channel.OPEN311) and not self.endpoint.startswith(
            ("https://", "http://")
        ):
            errors["endpoint"] = _("Give an http:// or https:// URL.")
        if self.channel == self.Channel.EMAIL and "@" not in self.endpoint:
            errors["endpoint"] = _("Give an e-mail address.")
        if self.channel == self.Channel.OPEN311 and self.kind == self.Kind.VICTIM_SUPPORT:
            errors["channel"] = _("Open311 carries a location, which victim support never receives.")
        if not isinstance(self.service_codes, dict):
            errors["service_codes"] = _("Give a JSON object such as {\"insecurity.poor_lighting\": \"LIGHT\"}.")
        if errors:
            raise ValidationError(errors)


class Referral(models.Model):
    """One report sent (or to be sent) to one partner: the outbox row and the citizen's receipt."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Refused by the partner (dead letter)")
        DEAD = "dead", _("Gave up after retrying (dead letter)")
        CANCELLED = "cancelled", _("Cancelled: the report was withdrawn")

    class PartnerStatus(models.TextChoices):
        NONE = "", _("No news yet")
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    DEAD_LETTER_STATES = (State.FAILED, State.DEAD)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The idempotency key partners see: the same on every retry of this referral, never reused.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    partner_kind = models.CharField(max_length=20, choices=Partner.Kind.choices)
    urgent = models.BooleanField(default=False)
    routed_by = models.CharField(max_length=20, help_text=_("jurisdiction or fallback"))
    # The minimised snapshot sent to the partner, frozen at intake; emptied when the report is erased.
    payload = models.JSONField(default=dict, blank=True)
    fields = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    remote_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=12, choices=PartnerStatus.choices, default=PartnerStatus.NONE, blank=True)
    status_message = models.TextField(blank=True, default="")
    status_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "created_at"]
        constraints = [models.UniqueConstraint(fields=["report", "partner"], name="referral_once_per_partner")]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="referral_due"),
            models.Index(fields=["state", "lease_expires_at"], name="referral_lease"),
        ]

    def __str__(self) -> str:
        return f"referral {str(self.id)[:8]} to {self.partner_id}"

    @property
    def is_dead_letter(self) -> bool:
        return self.state in self.DEAD_LETTER_STATES


class ReferralAttempt(models.Model):
    """One try at delivering a referral: what operators read when a partner says it got nothing."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running (or the worker died)")
        DELIVERED = "delivered", _("Delivered")
        TEMPORARY = "temporary", _("Temporary failure")
        PERMANENT = "permanent", _("Permanent failure")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["referral", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.referral_id}"


class ReferralStatusChange(models.Model):
    """A partner's signed news about a referral, kept in order."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=12, choices=Referral.PartnerStatus.choices)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.status} for {self.referral_id}"
