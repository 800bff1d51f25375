"""The moderation admin: the queue of cases, each case with its text and (on request) its location,
and the audit trail, read-only.

``CaseAdmin`` is registered, with its decision actions, by ``workflows/admin.py``: a decision changes the
report too, through ``workflows.decide.report_decide``, and moderation does not import workflows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from moderation.console import FAMILIES
from moderation.models import Appeal, AuditEntry, Case, Decision
from moderation.selectors import user_is_moderator
from moderation.services import case_view

LOCATION_PARAM = "location"
_WAITING = (Case.State.OPEN, Case.State.ESCALATED, Case.State.APPEALED)
# Short labels for the list; the change page shows the full ones.
_STAGES = {Case.State.OPEN: _("new"), Case.State.ESCALATED: _("escalated"), Case.State.APPEALED: _("appealed"),
           Case.State.CLOSED: _("closed")}


# --- rendering helpers ------------------------------------------------------------------------------


def _safe_join(parts: Iterable[Any]) -> SafeString:
    # Every part is escaped unless it is already safe markup built by format_html.
    return mark_safe("".join(str(conditional_escape(part)) for part in parts))  # noqa: S308


def highlight_ranges(length: int, hits: Iterable[Any]) -> list[tuple[int, int, list[str]]]:
    """Hit spans clipped to the text and merged where they overlap: ``[(start, end, codes)]``."""
    ranges = sorted(
        (max(0, int(start)), min(length, int(end)), hit.code)
        for hit in hits for start, end in (hit.spans or [])
    )
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, code in ranges:
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            last_start, last_end, codes = merged[-1]
            merged[-1] = (last_start, max(last_end, end), codes if code in codes else [*codes, code])
        else:
            merged.append((start, end, [code]))
    return merged


def text_with_hits(text: str, hits: Iterable[Any]) -> SafeString:
    """The report's text, escaped, with the rule-hit spans (code-point offsets) wrapped in ``<mark>``."""
    parts: list[Any] = []
    cursor = 0
    for start, end, codes in highlight_ranges(len(text), hits):
        parts.append(text[cursor:start])
        parts.append(format_html('<mark class="lantern-hit" title="{}">{}</mark>', ", ".join(codes), text[start:end]))
        cursor = end
    parts.append(text[cursor:])
    return format_html('<div class="lantern-text">{}</div>', _safe_join(parts))


MAP_WIDTH, MAP_HEIGHT, MAP_PAD = 360, 240, 14


def _projection(extent: Sequence[float]) -> tuple[float, Any]:
    west, south, east, north = extent
    # Equirectangular, with x shrunk by cos(latitude) so a town keeps its shape at its own latitude.
    kx = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * kx, 1e-9), max(north - south, 1e-9)
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / span_x, (MAP_HEIGHT - 2 * MAP_PAD) / span_y)
    offset_x, offset_y = (MAP_WIDTH - span_x * scale) / 2, (MAP_HEIGHT - span_y * scale) / 2

    def project(lng: float, lat: float) -> tuple[float, float]:
        return offset_x + (lng - west) * kx * scale, offset_y + (north - lat) * scale

    return scale, project


def _svg_path(geometry: Any, project: Any) -> str:
    polygons = [geometry] if geometry.geom_type == "Polygon" else list(geometry)
    commands = []
    for polygon in polygons:
        for ring in polygon:
            points = (project(x, y) for x, y in ring.coords)
            steps = (f"{'L' if i else 'M'}{px:.1f} {py:.1f}" for i, (px, py) in enumerate(points))
            commands.append(" ".join(steps) + " Z")
    return " ".join(commands)


def area_map_svg(*, outlines: Sequence[tuple[Any, str]], point: Any | None = None,
                 accuracy_m: int | None = None) -> SafeString:
    """An offline map: the outlines (service area, district) and the point, projected into an SVG.

    Every value written into the markup is a number or one of our CSS class names."""
    if outlines:
        extent = outlines[0][0].extent
    elif point is not None:
        extent = (point.x - 0.01, point.y - 0.01, point.x + 0.01, point.y + 0.01)
    else:
        return format_html("<p>{}</p>", _("No geometry to draw."))
    scale, project = _projection(extent)
    paths = format_html_join(
        "", '<path class="{}" d="{}" fill-rule="evenodd"/>',
        ((css_class, _svg_path(geometry, project)) for geometry, css_class in outlines),
    )
    marker = ""
    if point is not None:
        x, y = project(point.x, point.y)
        radius = min((accuracy_m or 0) / 111_320 * scale, 120)  # metres → degrees of latitude → pixels
        marker = format_html(
            '<circle class="lantern-map-accuracy" cx="{}" cy="{}" r="{}"/>'
            '<circle class="lantern-map-point" cx="{}" cy="{}" r="5"/>',
            f"{x:.1f}", f"{y:.1f}", f"{radius:.1f}", f"{x:.1f}", f"{y:.1f}",
        )
    return format_html(
        '<svg class="lantern-map" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">{}{}</svg>',
        MAP_WIDTH, MAP_HEIGHT, MAP_WIDTH, MAP_HEIGHT,
        _("Map of the report's area") if point is None else _("Map with the report's exact point"), paths, marker,
    )


# --- filters -------------------------------------------------------------------------------------------


class QueueStateFilter(admin.SimpleListFilter):
    """The queue by default: cases waiting for a decision; closed ones on request."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*Case.State.choices, ("all", _("All, closed included"))]

    def choices(self, changelist: Any) -> Iterable[dict[str, Any]]:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All waiting"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        value = self.value()
        if value is None:
            return queryset.filter(state__in=_WAITING)
        if value == "all":
            return queryset
        return queryset.filter(state=value)


class FamilyFilter(admin.SimpleListFilter):
    title = _("rule family")
    parameter_name = "family"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Sequence[tuple[str, Any]]:
        return FAMILIES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value():
            # JSON containment on the list of families: uses no index, but the queue is small.
            return queryset.filter(families__contains=[self.value()])
        return queryset


# --- inlines -------------------------------------------------------------------------------------------


class _ReadOnlyInline(ReadOnlyInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_moderator(request.user) or super().has_view_permission(request, obj)


class DecisionInline(_ReadOnlyInline):
    model = Decision
    fields = ["created_at", "outcome", "reason_code", "moderator_name", "on_appeal", "note"]
    readonly_fields = fields

    @admin.display(description=_("moderator"))
    def moderator_name(self, decision: Decision) -> str:
        return decision.moderator.get_username() if decision.moderator_id else str(_("rules engine"))


class AppealInline(_ReadOnlyInline):
    model = Appeal
    fields = ["created_at", "note", "outcome", "decided_at"]
    readonly_fields = fields


# --- cases -------------------------------------------------------------------------------------------


class CaseAdmin(ReadOnlyAdmin):
    """The moderation queue. Rows change only through the moderation services (claims, decisions), so
    the case itself is never editable here; opening one is audited like in the API."""

    list_display = ["report_short", "category", "district", "family_badges", "stage", "waiting", "claimed_by"]
    list_display_links = ["report_short", "category"]
    list_filter = [QueueStateFilter, FamilyFilter, "report__district"]
    date_hierarchy = "opened_at"
    ordering = ["opened_at", "id"]
    list_select_related = ["report__category", "report__district", "claimed_by"]
    list_per_page = 50
    search_fields = ["=report__id"]
    search_help_text = _("Exact report id")
    inlines = [DecisionInline, AppealInline]
    fieldsets = [
        (None, {"fields": [
            "report_id", "category", "district", "state", "auto_verdict", "language", "opened_at", "waiting",
            "claimed_by", "claimed_until", "decided_at",
        ]}),
        (_("What the reporter wrote"), {"fields": ["original_text", "rule_hits", "redacted_text"]}),
        (_("Location"), {"fields": ["location_map"]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    class Media:
        css = {"all": ["moderation/admin.css"]}

    # --- who may do what: the moderator role, not per-model permissions, opens the queue.

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_moderator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_moderator(request.user) or super().has_view_permission(request, obj)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """For decision actions (``@admin.action(permissions=["decide"])``)."""
        return user_is_moderator(request.user)

    # --- opening a case: audited before anything is answered.

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return super().get_queryset(request).select_related("report__category", "report__district", "claimed_by")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Case | None:
        case = super().get_object(request, object_id, from_field)
        if case is not None:
            # The admin instance is shared by every request; the choice to show the point rides on the object.
            case.location_shown = request.method == "GET" and request.GET.get(LOCATION_PARAM) == "1"
        return case

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET" and self.has_view_permission(request):
            case = self.get_object(request, unquote(object_id))
            if case is not None:
                case_view(report_id=case.report_id, viewer=request.user, location=case.location_shown)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- columns and fields.

    @admin.display(description=_("report"), ordering="report_id")
    def report_short(self, case: Case) -> str:
        return str(case.report_id)[:8]

    @admin.display(description=_("category"), ordering="report__category__code")
    def category(self, case: Case) -> str:
        return case.report.category.code

    @admin.display(description=_("district"), ordering="report__district__name")
    def district(self, case: Case) -> str:
        return case.report.district.name if case.report.district_id else "—"

    @admin.display(description=_("families"))
    def family_badges(self, case: Case) -> SafeString:
        return format_html_join(" ", '<span class="lantern-badge lantern-badge-{}">{}</span>',
                                ((family, family) for family in case.families))

    @admin.display(description=_("stage"), ordering="state")
    def stage(self, case: Case) -> str:
        return str(_STAGES.get(case.state, case.state))

    @admin.display(description=_("waiting"), ordering="opened_at")
    def waiting(self, case: Case) -> str:
        end = case.decided_at or timezone.now()
        return timesince(case.opened_at, end, depth=1) if case.opened_at else "—"

    @admin.display(description=_("original text"))
    def original_text(self, case: Case) -> SafeString:
        if not case.report.description:
            return format_html("<em>{}</em>", _("No text: withdrawn or erased."))
        return text_with_hits(case.report.description, case.hits.all())

    @admin.display(description=_("rule hits"))
    def rule_hits(self, case: Case) -> SafeString:
        hits = list(case.hits.all())
        if not hits:
            return format_html("<em>{}</em>", _("None: held by a behaviour check."))
        return format_html(
            '<ul class="lantern-hits">{}</ul>',
            format_html_join("", "<li><code>{}</code> <small>{}</small><br>{}</li>",
                             ((hit.code, hit.action, hit.explanation) for hit in hits)),
        )

    @admin.display(description=_("location"))
    def location_map(self, case: Case) -> SafeString:
        report = case.report
        district = report.district
        outlines: list[tuple[Any, str]] = []
        if district is not None:
            outlines = [(district.service_area.boundary, "lantern-map-area"),
                        (district.boundary, "lantern-map-district")]
        if not getattr(case, "location_shown", False):
            return format_html(
                '<div class="lantern-map-box">{}<p><a class="button" href="?{}=1" title="{}">{}</a></p></div>',
                area_map_svg(outlines=outlines),
                LOCATION_PARAM,
                _("Every view of an exact location is written to the audit trail with your name."),
                _("Show exact location (audited)"),
            )
        point = report.location
        return format_html(
            '<div class="lantern-map-box">{}<p>{}, {}{} — {}</p></div>',
            area_map_svg(outlines=outlines, point=point, accuracy_m=report.accuracy_m),
            f"{point.y:.5f}", f"{point.x:.5f}", f" · ±{report.accuracy_m} m" if report.accuracy_m else "",
            _("this view was recorded in the audit trail."),
        )


# --- the audit trail ---------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Append-only (the database refuses UPDATE and DELETE); readable by those given the view permission."""

    list_display = ["at", "actor", "action", "report_id"]
    list_filter = ["action"]
    date_hierarchy = "at"
    search_fields = ["report_id", "actor"]
    search_help_text = _("Report id (or part of it) or username")
    fields = ["at", "actor", "actor_id", "action", "report_id", "detail"]
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
