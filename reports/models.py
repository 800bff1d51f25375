"""The records every part of Lantern talks about: places, categories, devices and reports."""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from reports.photo_storage import photo_storage


class ServiceArea(models.Model):
    """The boundary inside which Lantern accepts reports. One is active at a time."""

    name = models.CharField(max_length=120, unique=True)
    boundary = models.MultiPolygonField(srid=4326)
    center = models.PointField(srid=4326)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_servicearea"
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_service_area"
            )
        ]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """A named part of the service area: alert texts and transparency figures speak of districts."""

    service_area = models.ForeignKey(ServiceArea, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        db_table = "alerts_district"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["service_area", "slug"], name="district_slug_unique")]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """One entry of the report taxonomy. Codes are stable: apps and partners store them."""

    class Group(models.TextChoices):
        PROPERTY = "property", _("Property crime")
        VIOLENCE = "violence", _("Violence")
        HARASSMENT = "harassment", _("Harassment")
        ANTISOCIAL = "antisocial", _("Antisocial behaviour")
        INSECURITY = "insecurity", _("Insecurity factors")

    code = models.CharField(max_length=64, unique=True)
    group = models.CharField(max_length=20, choices=Group.choices)
    labels = models.JSONField(help_text="Label per language code, e.g. {'en': 'Bicycle theft'}")
    descriptions = models.JSONField(default=dict, blank=True)
    # Nothing about a sensitive category is ever shown publicly: no alert, no map cell, no text.
    sensitive = models.BooleanField(default=False)
    # Reporting it suggests someone may be in danger now: the app shows the emergency number.
    signals_danger = models.BooleanField(default=False)
    # What must hold before a published report of this category becomes a public alert (reports.taxonomy).
    corroboration = models.CharField(
        max_length=12,
        choices=[("never", "Never alerted"), ("moderator", "A moderator approved it"),
                 ("two_devices", "Two devices nearby within the hour"), ("either", "Moderator or two devices")],
        default="moderator",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Open311's discovery announces the last change of its services (the categories) as its changeset.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alerts_category"
        ordering = ["position", "code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.code

    @property
    def is_insecurity_factor(self) -> bool:
        return self.group == self.Group.INSECURITY


def _daily_push_cap_default() -> int:
    from django.conf import settings

    return settings.ALERT_DAILY_PUSH_CAP


class Device(models.Model):
    """An installation of the citizen app. Its bearer token is stored only as a SHA-256 digest."""

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    platform = models.CharField(max_length=10, choices=Platform.choices)
    locale = models.CharField(max_length=16, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")
    push_token = models.CharField(max_length=4096, blank=True, default="")
    push_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Alert pushes: none during quiet hours (local time, may run past midnight), at most a few a day.
    # Per device, not per zone: a person sleeps once, however many places they watch.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    daily_push_cap = models.PositiveSmallIntegerField(default=_daily_push_cap_default)
    # The local day of the pushes counted in push_count, claimed atomically by the fan-out.
    push_day = models.DateField(null=True, blank=True, editable=False)
    push_count = models.PositiveSmallIntegerField(default=0, editable=False)

    # A device is the principal of citizen requests (request.user); these make it quack like one.
    is_authenticated = True
    is_anonymous = False
    is_staff = False

    class Meta:
        db_table = "alerts_device"

    def __str__(self) -> str:
        return f"{self.get_platform_display()} device {str(self.id)[:8]}"

    @property
    def language(self) -> str:
        return self.locale.split("-")[0].lower()


class Report(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        INSECURITY = "insecurity", _("Feeling of insecurity")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PENDING_REVIEW = "pending_review", _("Pending review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Precision(models.TextChoices):
        EXACT = "exact", _("Exact")
        COARSE = "coarse", _("Coarsened")

    class Source(models.TextChoices):
        APP = "app", _("Citizen app")
        OPEN311 = "open311", "Open311"
        DEMO = "demo", _("Demo data")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SET_NULL: a device that deletes itself leaves its reports, anonymised, for statistics and partners.
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.APP)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(blank=True, default="")
    # The report's one public form, made when it is published (reports.public_form): what others may ever
    # read of its text (every personal-data hit removed), and its one public place (planar Laplace noise
    # snapped to an H3 resolution-9 centre, drawn once and kept, so no output can average two draws).
    public_description = models.TextField(blank=True, default="")
    public_location = models.PointField(srid=4326, null=True, blank=True)
    language = models.CharField(max_length=8, default="en")
    location = models.PointField(srid=4326)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    location_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.EXACT)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    consent_police = models.BooleanField(default=False)
    consent_victim_support = models.BooleanField(default=False)
    consent_public_alert = models.BooleanField(default=False)
    perception = models.PositiveSmallIntegerField(null=True, blank=True)
    factors = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    emergency = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When text and exact location were erased")
    # How victim support may reach the citizen: kept only with consent.victim_support, erased with the text.
    contact = models.JSONField(default=dict, blank=True, help_text="Phone or e-mail for victim support; never public")

    class Meta:
        db_table = "alerts_report"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["device", "-created_at"], name="report_device_recent"),
            models.Index(fields=["status", "created_at"], name="report_status_age"),
            GinIndex(fields=["factors"], name="report_factors"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(perception__isnull=True) | models.Q(perception__gte=1, perception__lte=5),
                name="report_perception_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="insecurity") | models.Q(perception__isnull=True),
                name="report_perception_only_insecurity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category_id} {str(self.id)[:8]}"


def _photo_path(instance: ReportPhoto, filename: str) -> str:
    # Random names: nothing in a path says whose photo it is or where it was taken.
    return f"photos/{instance.report_id}/{uuid.uuid4().hex}{filename[filename.rfind('.'):]}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200, storage=photo_storage)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_reportphoto"

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.report_id}"
