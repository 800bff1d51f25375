"""``/staff/``: where staff land after signing in, with a way to each tool their roles open.

Roles are Django groups (``create_account --role``); a moderator gets the console, an analyst the map, and
anyone the admin has something to show gets the admin. A role with no page here (partners work through their
own systems) is told so rather than shown an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from maps.selectors import user_is_analyst
from moderation.selectors import user_is_moderator


@dataclass(frozen=True)
class Tool:
    key: str
    title: Promise
    description: Promise
    url: str


@never_cache
@login_required(login_url="admin:login")
def staff_home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    tools: list[Tool] = []
    if user_is_moderator(request.user):
        tools.append(Tool("console", _("Moderation console"),
                          _("Work the queue of held reports: claim a case, read it, decide."),
                          reverse("moderation-console")))
    if user_is_analyst(request.user):
        tools.append(Tool("map", _("Insecurity map"),
                          _("Browse the published monthly maps, by layer and district."), reverse("maps")))
    if admin.site.get_app_list(request):
        tools.append(Tool("admin", _("Administration"),
                          _("Partners, jurisdictions, categories, accounts and the records behind them."),
                          reverse("admin:index")))
    roles = sorted(request.user.groups.values_list("name", flat=True))
    return render(request, "staff_home.html", {
        "tools": tools, "roles": roles, "api_docs": reverse("api:docs"),
    })
