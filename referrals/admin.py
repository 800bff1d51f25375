from __future__ import annotations

from django.contrib import admin

from backend.admin_widgets import GEOMETRY_AS_TEXT
from referrals.models import Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    formfield_overrides = GEOMETRY_AS_TEXT
