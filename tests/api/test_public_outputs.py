"""Nothing public reads a report's own text or true place: every public output shows its one public form.

Two checks. Every route (HTTP and websocket) is classified here as a public output or not, so that a new
one cannot be added without saying which it is; the code of every public output is then read for any use
of ``description`` or ``location``. And a published report whose text holds personal data is rendered by
every public output, which must carry neither that text nor its true point, nor even load them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from alerts.public import alert_feature, alert_public
from alerts.selectors import alerts_active
from api.open311.selectors import open311_requests_public
from api.open311.serializers import service_request_document
from backend.routing import websocket_urlpatterns
from moderation.services import case_claim
from reports.models import Report
from tests import factories
from tests.alerts.fixtures import alert_of, published_report
from tests.referrals import factories as rf
from workflows.decide import report_decide

# Modules that render what anyone (any device, any API key, no credentials at all) may read of a report.
ALERTS = ("api.views.alerts", "api.serializers.alerts", "alerts.public")
OPEN311 = ("api.open311.views", "api.open311.serializers", "api.open311.selectors")
LIVE = ("alerts.consumers", "alerts.events", "alerts.public")
PUSH = ("alerts.fanout", "alerts.push", "alerts.public")
PUBLIC_OUTPUTS: dict[str, tuple[str, ...]] = {
    "api/v1/alerts/": ALERTS,
    "api/v1/alerts/<str:alert_id>/": ALERTS,
    r"^open311/v2/requests\.(?P<suffix>json|xml)$": OPEN311,
    r"^open311/v2/requests/(?P<service_request_id>[^/]+)\.(?P<suffix>json|xml)$": OPEN311,
    r"^open311/v2/tokens/(?P<token>[^/]+)\.(?P<suffix>json|xml)$": OPEN311,
    "ws/alerts/": LIVE,
    "(push notifications)": PUSH,
}
# Why each other route shows no report to anyone but its author, its moderators or its partners.
NOT_PUBLIC = {
    "api/schema/": "the API's description", "api/docs/": "the API's description", "api/redoc/": "the API's description",
    "api/v1/health/": "service health", "api/v1/categories/": "the taxonomy", "api/v1/service-area/": "the area",
    "api/v1/devices/": "the caller's device", "api/v1/devices/<str:device_id>/": "the caller's device",
    "api/v1/reports/": "the caller's own reports", "api/v1/reports/<str:report_id>/": "the caller's own report",
    "api/v1/reports/preview/": "the caller's draft", "api/v1/reports/<str:report_id>/appeal/": "the caller's appeal",
    "api/v1/alerts/settings/": "the caller's settings", "api/v1/subscriptions/": "the caller's zones",
    "api/v1/subscriptions/<str:subscription_id>/": "the caller's zones",
    "api/v1/moderation/check/": "moderators", "api/v1/moderation/queue/": "moderators",
    "api/v1/moderation/reports/<str:report_id>/": "moderators",
    "api/v1/moderation/reports/<str:report_id>/claim/": "moderators",
    "api/v1/moderation/reports/<str:report_id>/decision/": "moderators",
    "api/v1/moderation/reports/<str:report_id>/photos/<int:index>/": "moderators",
    "moderation/console/": "moderators", "moderation/console/catalog.js": "moderators' translations",
    "ws/moderation/": "moderators",
    "metrics": "operators: counts by route, outcome and partner, no report", "staff/": "staff: links to their tools",
    "api/v1/partners/referrals/<str:referral_id>/status/": "partners' news, answered to the partner",
    r"^open311/v2/discovery\.(?P<suffix>json|xml)$": "no report",
    r"^open311/v2/services\.(?P<suffix>json|xml)$": "no report",
    r"^open311/v2/services/(?P<service_code>[^/]+)\.(?P<suffix>json|xml)$": "no report",
    r"^open311/v2/(?P<rest>.*?)(?:\.(?P<suffix>xml))?$": "404s",
    # Differentially private aggregates (docs/privacy.md): they count true places, and never show one.
    "api/v1/transparency/": "DP aggregate", "maps/": "DP aggregate", "api/v1/maps/releases/": "DP aggregate",
    "api/v1/maps/releases/<str:month>/<str:layer>.geojson": "DP aggregate",
    "api/v1/maps/releases/<str:month>/<str:layer>.csv": "DP aggregate",
    "api/v1/maps/tiles/<str:layer>/<str:month>/<str:z>/<str:x>/<str:y>.mvt": "DP aggregate",
}
PRIVATE_ATTRIBUTES = ("description", "location")


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_route_is_classified_as_a_public_output_or_not():
    routes = {route for route in _routes(get_resolver().url_patterns) if not route.startswith("admin/")}
    routes |= {str(pattern.pattern) for pattern in websocket_urlpatterns}
    unclassified = routes - set(PUBLIC_OUTPUTS) - set(NOT_PUBLIC)
    assert not unclassified, f"say whether these show reports to the public: {sorted(unclassified)}"


def _private_reads(module_name: str) -> list[str]:
    source = Path(inspect.getsourcefile(importlib.import_module(module_name))).read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{module_name}:{node.lineno} {ast.unparse(node)}")
        if isinstance(node, ast.Call):
            # values("location"), getattr(report, "description"), source="report.description", …
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                text = argument.value if isinstance(argument, ast.Constant) else None
                if isinstance(text, str) and text.replace("__", ".").split(".")[-1] in PRIVATE_ATTRIBUTES:
                    found.append(f"{module_name}:{node.lineno} {ast.unparse(node)[:100]}")
    return found


@pytest.mark.parametrize("module_name", sorted({name for names in PUBLIC_OUTPUTS.values() for name in names}))
def test_no_public_output_reads_a_reports_text_or_true_place(module_name):
    assert _private_reads(module_name) == []


def test_the_check_catches_a_serializer_that_reads_the_text(tmp_path, monkeypatch):
    (tmp_path / "leaky_output.py").write_text(
        "def render(report):\n    return {'text': report.description, 'at': report.location}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert len(_private_reads("leaky_output")) == 2


# --- the same, rendered ------------------------------------------------------------------------------

PHONE = "+32 470 12 34 56"
# Many significant digits, so that finding them in an output cannot be a coincidence of rounding.
TRUE_PLACE = (3.7251837, 51.0547291)
TEXT = f"Bel me op {PHONE}, ze schreeuwden beledigingen naar me bij de tramhalte."


@pytest.fixture
def published(service_area, moderator) -> Report:
    rf.partner_create(name="Street services", kind="municipal_service",
                      jurisdictions=(rf.town_jurisdictions()["Test town"],))
    device, _ = factories.device_create(locale="nl")
    report = published_report(device=device, category="harassment.street", description=TEXT, location=TRUE_PLACE)
    case_claim(report_id=report.pk, moderator=moderator.user)
    report_decide(report_id=report.pk, moderator=moderator.user, decision="approve",
                  reason_code="moderator.false_positive")
    report.refresh_from_db()
    assert report.status == Report.Status.PUBLISHED and alert_of(report) is not None
    return report


def _leaks(report: Report, rendered: object) -> list[str]:
    text = json.dumps(rendered, ensure_ascii=False, default=str)
    true_point = [f"{value:.6f}" for value in TRUE_PLACE]
    return [piece for piece in ("12 34 56", *true_point) if piece in text]


def test_every_public_output_of_a_published_report_shows_its_public_form_only(published, citizen, anonymous, settings):
    settings.OPEN311_PUBLIC_TEXT = True
    report = published
    outputs = {
        "alerts API": citizen.client.get(
            "/api/v1/alerts/", {"lat": factories.INSIDE[1], "lng": factories.INSIDE[0], "radius_m": 5000}
        ).json(),
        "alert": citizen.client.get(f"/api/v1/alerts/{alert_of(report).pk}/").json(),
        "Open311 list": anonymous.get("/open311/v2/requests.json").json(),
        "Open311 request": anonymous.get(f"/open311/v2/requests/{report.pk}.json").json(),
        "live feed": alert_public(alerts_active().get(pk=alert_of(report).pk)),
        "municipal service": report.referrals.get(partner_kind="municipal_service").payload,
    }
    outputs["live feed, rendered"] = alert_feature(outputs["live feed"], language="nl", time_zone="Europe/Brussels")
    for name, rendered in outputs.items():
        assert _leaks(report, rendered) == [], name
    assert str(report.pk) in json.dumps(outputs["Open311 list"])
    assert report.public_description and report.public_description in json.dumps(outputs["alert"], ensure_ascii=False)


def test_public_reads_never_even_load_the_text_or_the_true_place(published):
    for report in [open311_requests_public().get(pk=published.pk)]:
        service_request_document(report, "en")
        assert {"description", "location"} <= report.get_deferred_fields()
    alert = alerts_active().get(pk=alert_of(published).pk)
    alert_public(alert)
    for link in alert.links.all():
        assert {"description", "location"} <= link.report.get_deferred_fields()
