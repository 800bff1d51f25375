from __future__ import annotations

from django.contrib import admin

from alerts.models import Alert, PushDelivery, Subscription
from kernel.admin import ReadOnlyAdmin


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Public alerts and how their pushes went. Only what the public sees, and figures: not the cell of the
    first report's true place (``source_cell``), nor which reports an alert speaks of."""

    list_display = ["id", "category", "district_name", "cell", "occurred_at", "expires_at", "ended_at",
                    "report_count", "sent", "matched"]
    list_filter = ["category__group", "end_reason", "ongoing"]
    date_hierarchy = "occurred_at"
    fields = ["id", "category", "district_name", "cell", "occurred_at", "visible_from", "published_at",
              "expires_at", "ended_at", "end_reason", "ongoing", "report_count", "delivery", "created_at"]
    readonly_fields = fields
    list_select_related = ["category"]

    @admin.display(description="sent")
    def sent(self, obj: Alert) -> int:
        return int(obj.delivery.get("sent", 0))

    @admin.display(description="matched")
    def matched(self, obj: Alert) -> int:
        return int(obj.delivery.get("matched", 0))


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Zones citizens watch. Their centres are often a home or a workplace, and labels may name one: neither
    is shown. An operator may delete a zone (its device can make another)."""

    records_deletable = True

    list_display = ["id", "device", "radius_m", "category_count", "created_at"]
    fields = ["id", "device", "radius_m", "categories", "created_at"]
    readonly_fields = fields
    list_select_related = ["device"]

    @admin.display(description="categories")
    def category_count(self, obj: Subscription) -> str:
        return str(len(obj.categories)) if obj.categories else "all"


@admin.register(PushDelivery)
class PushDeliveryAdmin(ReadOnlyAdmin):
    """Each alert pushed (or deliberately not) to each device: why a citizen got, or did not get, an alert."""

    list_display = ["id", "alert", "device", "status", "attempts", "error", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["=alert__id", "=device__id"]
    fields = ["alert", "device", "status", "attempts", "error", "created_at", "sent_at"]
    readonly_fields = fields
    list_select_related = ["alert", "alert__category", "device"]
