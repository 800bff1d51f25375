"""The admin with Lantern's name on it, and a way out for staff it has nothing to show.

Moderators and analysts have accounts so that they can sign in, but their tools are the console and the map,
not the admin: signing in lands everyone on the staff home page (``/staff/``), which sends each role to its
tools, and an admin index that would be empty for someone sends them there too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LanternAdminSite(admin.AdminSite):
    site_header = _("Lantern administration")
    site_title = _("Lantern admin")
    index_title = _("Records")
    site_url = "/staff/"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {**(extra_context or {}), REDIRECT_FIELD_NAME: reverse("staff-home")}
        return super().login(request, extra_context)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.get_app_list(request):
            return redirect("staff-home")
        return super().index(request, extra_context)
