"""The staff home page in a real browser: an administrator signs in at the admin's form, lands on the page and
follows it to a tool. Also refreshes docs/screenshots/staff-home.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from api.services import staff_account_create
from tests.browser import REPO, asgi_server, browser_missing_reason, chromium_page

pytestmark = pytest.mark.skipif(browser_missing_reason() is not None, reason=browser_missing_reason() or "")

SCREENSHOT = REPO / "docs" / "screenshots" / "staff-home.png"
PASSWORD = "lantern-staff-home-test-pw"


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    with asgi_server(connection.settings_dict, RATELIMIT_ENABLE="0") as base_url:
        yield base_url


@pytest.mark.django_db(transaction=True)
def test_an_administrator_lands_on_the_staff_page_and_reaches_each_tool(server):
    base = server
    staff_account_create(username="alex", role="admin", password=PASSWORD)
    with chromium_page(width=1100, height=620) as page:
        from playwright.sync_api import expect

        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "alex")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/staff/")
        expect(page.locator("h1")).to_have_text("Welcome, alex")
        expect(page.locator(".tool-title")).to_have_text(["Moderation console", "Insecurity map", "Administration"])
        page.screenshot(path=str(SCREENSHOT))

        page.click("text=Administration")
        page.wait_for_url(f"{base}/admin/")
        expect(page.locator("#site-name")).to_contain_text("Lantern administration")
        page.click("text=View site")
        page.wait_for_url(f"{base}/staff/")
