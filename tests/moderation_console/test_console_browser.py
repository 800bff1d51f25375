"""The console in a real browser against a real ASGI server: log in, review, decide, and watch the queue
change live over the websocket. Also refreshes docs/screenshots/moderator-console.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from api.services import staff_account_create
from moderation.models import Case
from moderation.rules.lexicon import lexicons
from moderation.services import case_claim
from reports.models import Category, District, Report
from reports.taxonomy import taxonomy_sync
from tests import factories
from tests.browser import REPO, asgi_server, browser_missing_reason, chromium_page, off_the_browser_thread

pytestmark = pytest.mark.skipif(browser_missing_reason() is not None, reason=browser_missing_reason() or "")

SCREENSHOT = REPO / "docs" / "screenshots" / "moderator-console.png"
PASSWORD = "lantern-console-test-pw"
WEST_POINT = (3.7050, 51.0580)

# (rule code, description whose characters 7–18 are what the rule flagged, category, district, minutes waiting)
QUEUE = [
    ("pii.person_name",
     "It was Jan Peeters from number 12 who keeps breaking into the bike shed behind our building.",
     "property.bicycle_theft", "west", 160),
    ("vigilantism.call_to_action",
     "Folks, get him now — the man in the red jacket who snatched a phone at the tram stop.",
     "violence.robbery", "east", 65),
    ("profiling.protected_attribute",
     "Again, a foreigner was hanging around the parking garage, looking into cars.",
     "property.theft_from_vehicle", "west", 25),
    ("threat.violence",
     "I will burn it all down if that bar keeps playing music until 4 am.",
     "antisocial.noise", "east", 6),
]


@pytest.fixture
def console_server(transactional_db: None) -> Iterator[str]:
    # Requesting transactional_db first means the server stops before pytest-django flushes the database.
    with asgi_server(connection.settings_dict) as base_url:
        yield base_url


def _held_queue(device) -> list[Report]:
    west = District.objects.get(slug="west")
    reports = []
    for code, description, category, district, minutes in QUEUE:
        report = factories.report_held(device=device, code=code, description=description)
        changes = {"category": Category.objects.get(code=category)}
        if district == "west":
            changes |= {"district": west, "location": Point(*WEST_POINT, srid=4326)}
        opened = timezone.now() - timedelta(minutes=minutes)
        changes["occurred_at"] = opened - timedelta(minutes=40)
        Report.objects.filter(pk=report.pk).update(**changes)
        Case.objects.filter(report=report).update(opened_at=opened)
        reports.append(report)
    return reports


@pytest.mark.django_db(transaction=True)
def test_a_moderator_reviews_decides_and_sees_the_queue_change_live(console_server):
    base = console_server
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    factories.service_area_create()
    device, _ = factories.device_create()
    staff_account_create(username="mira", role="moderator", password=PASSWORD)
    reports = _held_queue(device)

    with chromium_page() as page:
        from playwright.sync_api import expect

        outside: list[str] = []
        page.on("request", lambda request: None if request.url.startswith((base, "data:")) else outside.append(
            request.url))

        page.goto(f"{base}/moderation/console/")
        assert "/admin/login/" in page.url
        page.fill("#id_username", "mira")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/moderation/console/")

        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        items = page.locator(".queue-item")
        expect(items).to_have_count(4)
        expect(items.first).to_contain_text("Bicycle theft")  # the oldest first
        expect(items.first).to_contain_text("West")
        expect(items.first.locator(".badge")).to_have_text("Personal data")
        expect(page.locator("#filter-district option")).to_have_text(["All districts", "East", "West"])

        page.select_option("#filter-district", "east")
        expect(items).to_have_count(2)
        page.select_option("#filter-district", "")
        expect(items).to_have_count(4)

        items.first.click()
        expect(page.locator("#case-title")).to_have_text("Bicycle theft")
        marks = page.locator("#case-text mark.hit")
        expect(marks).to_have_count(1)
        assert marks.evaluate("mark => mark.firstChild.textContent") == "Jan Peeters"
        expect(page.locator("#case-hits")).to_contain_text("pii.person_name")

        location = page.locator("#show-location")
        assert "audit" in (location.get_attribute("title") or "")
        location.click()
        expect(page.locator("#map-svg .map-point")).to_have_count(1)
        expect(page.locator("#map-caption")).to_contain_text(f"{WEST_POINT[1]:.5f}, {WEST_POINT[0]:.5f}")

        page.click("button[data-action=claim]")
        expect(page.locator("#claim-line")).to_contain_text("You hold this report")
        expect(items.first).to_contain_text("Claimed by you")
        page.select_option("#reason", "pii.person_name")
        page.fill("#note", "Names a neighbour; the redacted text would still point at him.")
        # Filling the note scrolled the report pane; the screenshot shows it from the top, nothing focused.
        page.evaluate("() => { document.activeElement.blur(); document.getElementById('case').scrollTo(0, 0); }")
        page.screenshot(path=str(SCREENSHOT))

        page.click("button[data-action=reject]")
        expect(page.locator("#case-notice")).to_contain_text("Rejected with pii.person_name")
        expect(items).to_have_count(3)
        expect(page.locator("#case-decisions")).to_contain_text("pii.person_name by mira")
        assert off_the_browser_thread(lambda: Report.objects.get(pk=reports[0].pk).status) == "rejected"

        # Another moderator takes the next report: the console hears it live, and the server's refusal of a
        # second claim is shown inline, from the problem's detail.
        items.first.click()
        expect(page.locator("#case-title")).to_have_text("Robbery")
        other, _ = off_the_browser_thread(staff_account_create, username="noor", role="moderator")
        off_the_browser_thread(case_claim, report_id=reports[1].id, moderator=other)
        expect(page.locator("#claim-line")).to_contain_text("noor is reviewing this report")
        expect(items.first).to_contain_text("Claimed by noor")
        page.click("button[data-action=claim]")
        expect(page.locator("#action-error")).to_contain_text("Another moderator is reviewing this report until")

        page.evaluate("() => { window.lanternNotReloaded = true; }")
        off_the_browser_thread(
            factories.report_held,
            # The emoji is one code point but two UTF-16 units: the highlight must still land on the name.
            device=device, description="🚲 It's Karel Smets who cut my bike lock <img src=x onerror=alert(1)>",
        )
        expect(items).to_have_count(4)
        assert page.evaluate("() => window.lanternNotReloaded") is True, "the queue changed without a reload"
        newest = items.last
        expect(newest).to_contain_text("East")
        newest.click()
        expect(page.locator("#case-text")).to_contain_text("<img src=x onerror=alert(1)>")
        expect(page.locator("#case-text img")).to_have_count(0)
        assert page.locator("#case-text mark.hit").evaluate("mark => mark.firstChild.textContent") == "Karel Smets"

    assert outside == [], f"the console fetched something from outside: {outside}"


@pytest.mark.django_db(transaction=True)
def test_a_moderator_whose_browser_speaks_french_sees_the_console_in_french(console_server):
    base = console_server
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    factories.service_area_create()
    staff_account_create(username="amelie", role="moderator", password=PASSWORD)

    with chromium_page(locale="fr-FR") as page:
        from playwright.sync_api import expect

        page.goto(f"{base}/moderation/console/")
        page.fill("#id_username", "amelie")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/moderation/console/")

        # Written by console.js from the JavaScript catalog, not by the template.
        expect(page.locator("#live-label")).to_have_text("En direct")
        expect(page.locator(".queue-empty")).to_contain_text("Rien en attente")
        # French counts zero in the singular: the catalog's plural rule reached ngettext.
        expect(page.locator("#queue-count")).to_have_text("0 signalement")
        expect(page.locator(".topbar")).to_contain_text("Se déconnecter")

        # A report screened in English: its rule family and the rule's explanation in French all the same.
        device, _ = off_the_browser_thread(factories.device_create)
        off_the_browser_thread(factories.report_held, device=device)
        items = page.locator(".queue-item")
        expect(items).to_have_count(1)
        expect(items.first.locator(".badge")).to_have_text("Données personnelles")
        items.first.click()
        expect(page.locator("#case-badges .badge")).to_have_text("Données personnelles")
        expect(page.locator("#case-hits")).to_contain_text(lexicons()["fr"].explanations["pii.person_name"])
