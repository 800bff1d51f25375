"""Read-only admin pages: releases, transparency reports, the privacy ledger and the access log are records,
never edited."""

from __future__ import annotations

from django.contrib import admin

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from maps.models import BudgetSpend, MapAccess, PrivacyLedger, Release, TransparencyRelease


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["month", "layer", "epsilon", "resolution", "cell_count", "published_at", "published_by"]
    list_filter = ["layer"]
    exclude = ["geojson", "csv"]


@admin.register(TransparencyRelease)
class TransparencyReleaseAdmin(ReadOnlyAdmin):
    list_display = ["month", "epsilon", "threshold", "published_at", "published_by", "content_hash"]
    # The raw noisy values include the ones shown as "<10"; the admin shows what was published only.
    exclude = ["noisy", "document"]


class BudgetSpendInline(ReadOnlyInline):
    model = BudgetSpend
    fields = ["layer", "epsilon", "release", "transparency", "spent_by", "spent_at"]
    readonly_fields = fields


@admin.register(PrivacyLedger)
class PrivacyLedgerAdmin(ReadOnlyAdmin):
    list_display = ["month", "cap", "created_at"]
    inlines = [BudgetSpendInline]


@admin.register(MapAccess)
class MapAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "principal", "endpoint", "status", "params"]
    list_filter = ["endpoint", "status"]
    search_fields = ["principal"]
    date_hierarchy = "at"
