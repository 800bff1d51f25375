from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kernel.admin import GEOMETRY_AS_TEXT
from reports.models import Category, Device, District, Report, ServiceArea


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    formfield_overrides = GEOMETRY_AS_TEXT


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "service_area"]
    list_filter = ["service_area"]
    formfield_overrides = GEOMETRY_AS_TEXT


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "group", "sensitive", "signals_danger", "is_active", "position"]
    list_filter = ["group", "sensitive", "signals_danger", "is_active"]
    search_fields = ["code"]
    # Codes are a contract with apps and partners: they are changed in reports/data/categories.json.
    readonly_fields = ["code", "group"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["id", "platform", "locale", "push_enabled", "created_at", "last_seen_at"]
    list_filter = ["platform", "push_enabled"]
    # The push token is a way to reach a person's phone: staff never need to read it.
    exclude = ["push_token", "token_hash"]
    readonly_fields = ["platform", "locale", "time_zone", "push_enabled", "created_at", "last_seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports at a glance. The exact point, the free text and the photos are not shown here: those
    are read in the moderation workflow, where every view is audited."""

    list_display = ["id", "kind", "category", "status", "district", "source", "created_at"]
    list_filter = ["status", "kind", "source", "category__group", "district"]
    date_hierarchy = "created_at"
    fields = [
        "id", "kind", "category", "status", "district", "source", "language", "occurred_at", "created_at",
        "consent_police", "consent_victim_support", "consent_public_alert", "perception", "factors",
        "emergency", "location_precision", "withdrawn_at", "erased_at",
    ]
    readonly_fields = fields
    list_select_related = ["category", "district"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
