"""Public alerts: what nearby citizens learn of published reports, the zones they watch, and each push."""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from reports.models import Category, Device, Report


class Subscription(models.Model):
    """A zone a device watches: a disc around a point, for all alertable categories or a chosen few."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="subscriptions")
    label = models.CharField(max_length=60, blank=True, default="")
    center = models.PointField(srid=4326, spatial_index=False)
    radius_m = models.PositiveIntegerField()
    # The disc's bounding box. PostgreSQL derives two generated columns from it and ``center`` (migration
    # 0006, not model fields: Django never writes them): ``reach_box``, the same box as a native ``box``, and
    # ``center_geog``, the centre as a geography. The fan-out reads them from the covering GiST index
    # ``subscription_match`` alone (an index-only scan): candidates by ``reach_box && point``, then those
    # within ``radius_m`` on the sphere (benchmarks/fanout.py measured the alternatives).
    reach = models.PolygonField(srid=4326, spatial_index=False)
    # Category codes; empty means every category that may be alerted.
    categories = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["device", "created_at"], name="subscription_device")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius_m__gte=50, radius_m__lte=10_000), name="subscription_radius_50m_10km"
            )
        ]

    def __str__(self) -> str:
        return f"zone {str(self.id)[:8]} of {self.device_id}"


class Alert(models.Model):
    """A public alert: what nearby citizens learn of one or more published reports.

    Nothing here says who reported or exactly where: the point is the centre of the H3 resolution-9 cell
    of the report's place moved by planar Laplace noise (drawn once, here), times are quarter hours, and
    the text is generated from the category, the part of the day and the district.
    """

    class EndReason(models.TextChoices):
        EXPIRED = "expired", _("Expired")
        RETRACTED = "retracted", _("Retracted (its reports were withdrawn or rejected)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    district_name = models.CharField(max_length=120, blank=True, default="")
    point = models.PointField(geography=True, srid=4326)
    cell = models.CharField(max_length=16, help_text="H3 resolution-9 cell of the published point")
    cell_r7 = models.CharField(max_length=16, db_index=True, help_text="Its resolution-7 parent (live feeds)")
    # The resolution-9 cell of the first report's true place: merges similar reports, never shown.
    source_cell = models.CharField(max_length=16)
    occurred_at = models.DateTimeField(help_text="Quarter hour of the incident")
    visible_from = models.DateTimeField(help_text="Ongoing incidents are shown only after a delay")
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, default="")
    ongoing = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=1)
    reports = models.ManyToManyField(Report, through="AlertReport", related_name="alerts")
    # Delivery figures by PushDelivery status, refreshed by the fan-out: {"matched": n, "sent": n, …}.
    delivery = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="When the fan-out started")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "id"]
        indexes = [
            models.Index(fields=["source_cell", "category", "occurred_at"], name="alert_merge"),
            models.Index(fields=["expires_at"], condition=models.Q(ended_at__isnull=True), name="alert_active"),
        ]

    def __str__(self) -> str:
        return f"alert {self.category_id} {self.cell} {str(self.id)[:8]}"


class AlertReport(models.Model):
    """Which reports an alert speaks of. A report feeds at most one alert."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="links")
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="alert_link")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.report_id} → {self.alert_id}"


class PushDelivery(models.Model):
    """One alert pushed (or deliberately not) to one device. Unique: no device gets an alert twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Handed to FCM")
        SKIPPED_QUIET = "skipped_quiet", _("Skipped: quiet hours")
        SKIPPED_CAP = "skipped_cap", _("Skipped: daily cap reached")
        PUSH_OFF = "push_off", _("Not sent: push is not configured")
        INVALID_TOKEN = "invalid_token", _("Token unregistered or invalid: device deactivated")
        FAILED = "failed", _("Failed after retries")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("push deliveries")
        constraints = [models.UniqueConstraint(fields=["alert", "device"], name="push_once_per_alert_device")]
        indexes = [models.Index(fields=["alert", "status"], name="push_alert_status")]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.device_id}: {self.status}"
