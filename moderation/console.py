"""``/moderation/console/``: the moderators' page. It renders a shell; the data comes from the JSON API
(session-authenticated) and the live queue from ``/ws/moderation/``, so the page adds no second path
to the records and every read of a report stays audited where the API audits it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.i18n import JavaScriptCatalog

from moderation.selectors import user_is_moderator

# The rule families of the reason-code contract (docs: "Moderation reason codes are dotted and stable").
FAMILIES: tuple[tuple[str, Any], ...] = (
    ("pii", _("Personal data")),
    ("vigilantism", _("Vigilantism")),
    ("threat", _("Threat")),
    ("hate", _("Hate")),
    ("profiling", _("Profiling")),
    ("trust", _("Reporter trust")),
    ("flood", _("Flooding")),
    ("rate", _("Rate")),
)

# Reasons a moderator may give besides the codes of the rules that hit the case.
MODERATOR_REASONS: tuple[tuple[str, Any], ...] = (
    ("moderator.false_positive", _("False positive: the rule was wrong")),
    ("moderator.off_topic", _("Off topic: not a report of crime or insecurity")),
    ("moderator.duplicate", _("Duplicate of another report")),
    ("moderator.unsure", _("Unsure: needs a second opinion")),
)

AGE_FILTERS: tuple[tuple[str, Any], ...] = (
    ("", _("Any age")),
    ("min:15", _("Waiting over 15 minutes")),
    ("min:60", _("Waiting over 1 hour")),
    ("min:1440", _("Waiting over 24 hours")),
    ("max:60", _("Arrived in the last hour")),
)

# A syntactically valid id that the page swaps for a real one: the URL shape stays owned by api/urls.py.
_ID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def _console_config(request: HttpRequest) -> dict[str, Any]:
    return {
        "user": request.user.get_username(),
        "urls": {
            "queue": reverse("api:moderation-queue"),
            "serviceArea": reverse("api:service-area"),
            "categories": reverse("api:categories"),
            "case": reverse("api:case", kwargs={"report_id": _ID_PLACEHOLDER}),
            "claim": reverse("api:case-claim", kwargs={"report_id": _ID_PLACEHOLDER}),
            "decision": reverse("api:case-decision", kwargs={"report_id": _ID_PLACEHOLDER}),
            "socket": "/ws/moderation/",
        },
        "idPlaceholder": _ID_PLACEHOLDER,
        "families": {code: str(label) for code, label in FAMILIES},
        "moderatorReasons": {code: str(label) for code, label in MODERATOR_REASONS},
    }


@never_cache
@ensure_csrf_cookie
@login_required(login_url="admin:login")
def console_page(request: HttpRequest) -> HttpResponse:
    """The console shell for staff with the moderator (or admin) role; other staff get 403."""
    if not user_is_moderator(request.user):
        raise PermissionDenied
    return render(request, "moderation/console.html", {
        "config": _console_config(request),
        "families": FAMILIES,
        "age_filters": AGE_FILTERS,
    })


# The texts console.js writes, in the moderator's language: gettext() and friends over the djangojs
# catalogs of LOCALE_PATHS, served by this server like the script itself. Naming a package keeps out the
# other apps' JavaScript catalogs (the admin's calendar and date widgets), which the console never uses.
console_catalog = JavaScriptCatalog.as_view(packages=["moderation"])
