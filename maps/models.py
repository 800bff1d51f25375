"""Differentially private monthly releases, the privacy ledger they are charged to, and who read them.

A release is computed once and never again: its noisy counts, its GeoJSON and CSV bytes are stored,
so asking twice answers the same bytes and no second noise draw can be averaged with the first.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    INSECURITY = "insecurity", _("Feeling unsafe")
    INCIDENTS = "incidents", _("Incidents")


class SpendKind(models.TextChoices):
    """What a month's privacy budget was spent on: a map layer, or the moderation transparency report."""

    INSECURITY = "insecurity", _("Feeling unsafe")
    INCIDENTS = "incidents", _("Incidents")
    TRANSPARENCY = "transparency", _("Moderation transparency report")


class Release(models.Model):
    """One calendar month of one layer, published once."""

    month = models.DateField(help_text="First day of the month, in MAPS_TIME_ZONE")
    layer = models.CharField(max_length=16, choices=Layer.choices)
    epsilon = models.DecimalField(max_digits=6, decimal_places=3, help_text="ε charged to the month's ledger")
    epsilon_counts = models.DecimalField(max_digits=9, decimal_places=6)
    epsilon_perception = models.DecimalField(max_digits=9, decimal_places=6, default=0)
    resolution = models.PositiveSmallIntegerField(help_text="H3 resolution of the published cells")
    threshold = models.PositiveSmallIntegerField(help_text="Noisy counts below it are shown as '<threshold'")
    time_zone = models.CharField(max_length=64)
    service_area = models.ForeignKey(
        "reports.ServiceArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cell_count = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True, default="")
    geojson = models.BinaryField(editable=False)
    csv = models.BinaryField(editable=False)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the GeoJSON then the CSV bytes")

    class Meta:
        ordering = ["-month", "layer"]
        constraints = [models.UniqueConstraint(fields=["month", "layer"], name="maps_release_once")]

    def __str__(self) -> str:
        return f"{self.layer} {self.month:%Y-%m}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"


class ReleaseCell(models.Model):
    """One cell of a release for one slice (a time band, a category group, or ``all``).

    Rows at the release's resolution are the published cells; rows at coarser resolutions are sums of
    their children's noisy counts, stored with the release so that tiles never compute anything new.
    """

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="cells")
    resolution = models.PositiveSmallIntegerField()
    cell = models.CharField(max_length=16)
    slice = models.CharField(max_length=16)
    # The raw noisy value: differentially private, but never served when it is below the threshold.
    noisy_count = models.IntegerField()
    shown = models.CharField(max_length=12, help_text="What is published: the noisy count, or '<5'")
    perception_mean = models.FloatField(null=True, blank=True)
    geom = models.PolygonField(srid=4326)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "resolution", "cell", "slice"], name="maps_cell_once")
        ]
        indexes = [models.Index(fields=["release", "resolution", "slice"], name="maps_cell_level")]

    def __str__(self) -> str:
        return f"{self.cell} {self.slice}={self.shown}"


class PrivacyLedger(models.Model):
    """The ε budget of one month. The cap is copied from settings when the month is first charged, so a
    later change of settings cannot loosen the promise already made for that month."""

    month = models.DateField(unique=True)
    cap = models.DecimalField(max_digits=6, decimal_places=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} (cap ε={self.cap})"


class TransparencyRelease(models.Model):
    """One closed month of the moderation transparency report, computed once and served as stored.

    Like a map release: the noise is drawn once, the exact JSON bytes are kept with their SHA-256 (the
    strong ETag), and nothing is ever recomputed, so repeated reads cannot average the noise away."""

    month = models.DateField(unique=True, help_text="First day of the month, in MAPS_TIME_ZONE")
    epsilon = models.DecimalField(max_digits=6, decimal_places=3, help_text="ε charged to the month's ledger")
    threshold = models.PositiveSmallIntegerField(help_text="Noisy counts below it are shown as '<threshold'")
    time_zone = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True, default="")
    # The raw noisy values: differentially private, but the ones below the threshold are never served.
    noisy = models.JSONField(default=dict, editable=False)
    document = models.BinaryField(editable=False)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the served JSON bytes")

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"transparency {self.month:%Y-%m}"


class BudgetSpend(models.Model):
    ledger = models.ForeignKey(PrivacyLedger, on_delete=models.PROTECT, related_name="spends")
    layer = models.CharField(max_length=16, choices=SpendKind.choices)
    epsilon = models.DecimalField(max_digits=6, decimal_places=3)
    release = models.OneToOneField(Release, null=True, blank=True, on_delete=models.PROTECT, related_name="spend")
    transparency = models.OneToOneField(
        TransparencyRelease, null=True, blank=True, on_delete=models.PROTECT, related_name="spend"
    )
    spent_by = models.CharField(max_length=150, blank=True, default="")
    spent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["spent_at"]

    def __str__(self) -> str:
        return f"{self.ledger.month:%Y-%m} {self.layer} ε={self.epsilon}"


class MapAccess(models.Model):
    """Every read of the maps API by an authority key or a staff account."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    api_key = models.ForeignKey("api.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text as well: the log outlives a deleted key or account.
    principal = models.CharField(max_length=160)
    endpoint = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "map accesses"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.principal} {self.endpoint} {self.status}"
