"""The map page in a real browser against a real ASGI server: sign in as an analyst, read a published
month, switch layers and slices, open a cell. Also refreshes docs/screenshots/insecurity-map.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.db import connection

from api.services import staff_account_create
from maps.models import Layer
from maps.services import release_publish
from reports.taxonomy import taxonomy_sync
from tests.browser import REPO, asgi_server, browser_missing_reason, chromium_page
from tests.maps import builders, city

pytestmark = pytest.mark.skipif(browser_missing_reason() is not None, reason=browser_missing_reason() or "")

SCREENSHOT = REPO / "docs" / "screenshots" / "insecurity-map.png"
PASSWORD = "lantern-maps-test-pw"
MONTHS = (date(2026, 2, 1), date(2026, 3, 1))


@pytest.fixture
def map_server(transactional_db: None) -> Iterator[str]:
    with asgi_server(connection.settings_dict, RATELIMIT_ENABLE="0") as base_url:
        yield base_url


def _rendered(page, layer: str) -> list[dict]:
    return page.evaluate(
        f"() => window.lanternMap.queryRenderedFeatures({{layers: ['{layer}']}}).map(f => f.properties)"
    )


@pytest.mark.django_db(transaction=True)
def test_an_analyst_reads_a_published_month_on_the_map(map_server):
    base = map_server
    taxonomy_sync()
    area = city.city_create()
    for seed, month in enumerate(MONTHS):
        city.month_populate(area, month=month, reporters=2600, seed=seed)
        for layer in Layer.values:
            release_publish(month=month, layer=layer, now=builders.after_month(month))
    staff_account_create(username="ana", role="analyst", password=PASSWORD)

    with chromium_page() as page:
        from playwright.sync_api import expect

        outside: list[str] = []
        page.on("request", lambda request: None if request.url.startswith((base, "data:", "blob:")) else outside.append(
            request.url))

        page.goto(f"{base}/maps/")
        assert "/admin/login/" in page.url
        page.fill("#id_username", "ana")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/maps/")
        expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=20_000)

        expect(page.locator("#layer option")).to_have_text(["Feeling unsafe", "Incidents"])
        expect(page.locator("#month option")).to_have_text(["March 2026", "February 2026"])
        expect(page.locator("#slices button")).to_have_text(
            ["All", "Day (06–18 h)", "Evening (18–22 h)", "Night (22–06 h)"]
        )
        expect(page.locator("#release-meta")).to_contain_text("ε = 1")
        expect(page.locator(".legend li")).to_have_count(6)
        expect(page.locator(".district-label")).to_have_count(8)

        numbered, hatched = _rendered(page, "cells-fill"), _rendered(page, "cells-under")
        assert numbered and hatched, "the map shows counted cells and, drawn apart, cells under 5"
        assert all(f["all"] == "<5" for f in hatched)
        assert all(isinstance(f["all"], int) and f["all"] >= 5 for f in numbered)

        page.locator("#slices button", has_text="Night").click()
        # The map applies the new filter on its next frame.
        page.wait_for_function(
            "() => window.lanternMap.queryRenderedFeatures({layers: ['cells-fill']})"
            ".every(f => f.properties.night !== '<5')"
        )
        assert all(f["night"] == "<5" for f in _rendered(page, "cells-under"))

        busiest = max(numbered, key=lambda f: f["all"])
        point = page.evaluate(
            """(cell) => {
                const map = window.lanternMap;
                const hit = map.queryRenderedFeatures({layers: ['cells-fill']}).find(f => f.properties.cell === cell);
                const ring = hit.geometry.type === 'Polygon' ? hit.geometry.coordinates[0]
                                                              : hit.geometry.coordinates[0][0];
                const lng = ring.reduce((s, p) => s + p[0], 0) / ring.length;
                const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
                const at = map.project([lng, lat]);
                const box = map.getCanvas().getBoundingClientRect();
                return {x: box.left + at.x, y: box.top + at.y};
            }""",
            busiest["cell"],
        )
        page.mouse.click(point["x"], point["y"])
        details = page.locator("#details")
        expect(details).to_contain_text(busiest["cell"])
        expect(details).to_contain_text("How unsafe, on average")
        page.mouse.move(5, 400)
        page.screenshot(path=str(SCREENSHOT))

        page.select_option("#layer", "incidents")
        expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=20_000)
        expect(page.locator("#slices button")).to_have_text(
            ["All", "Property crime", "Violence", "Harassment", "Antisocial behaviour"]
        )
        expect(page.locator("#title")).to_have_text("Incidents")
        assert _rendered(page, "cells-fill"), "the incidents layer has counted cells too"
        expect(page.locator("#download-csv")).to_have_attribute(
            "href", "/api/v1/maps/releases/2026-03/incidents.csv"
        )

    assert outside == [], f"the map page fetched something from outside: {outside}"
