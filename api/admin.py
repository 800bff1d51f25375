from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from api.models import ApiKey, StaffToken


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are shown once, so they are made by `manage.py create_account`, not in a form.
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    exclude = ["key_hash"]
    filter_horizontal = ["jurisdictions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
