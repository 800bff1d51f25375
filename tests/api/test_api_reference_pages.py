"""The API reference pages (Swagger UI at /api/docs/, ReDoc at /api/redoc/) work offline: everything they
load comes from this server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.browser import asgi_server, browser_missing_reason, chromium_page

_REFERENCES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""", re.IGNORECASE)


def _references(html: str) -> list[str]:
    return [first or second for first, second in _REFERENCES.findall(html)]


@pytest.mark.parametrize("page", ["/api/redoc/", "/api/docs/"])
def test_it_serves_the_reference_pages_with_no_outside_host(anonymous, db, page):
    response = anonymous.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    references = _references(html)
    assert references
    assert [url for url in references if re.match(r"^(?:[a-z]+:)?//", url, re.IGNORECASE)] == []
    assert "googleapis" not in html and "gstatic" not in html
    for url in references:
        if url.endswith(".js"):
            assert anonymous.get(url).status_code == 200, url


def test_it_tells_the_browser_to_fetch_redocs_images_and_fonts_from_this_server_only(anonymous, db):
    policy = anonymous.get("/api/redoc/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy and "font-src 'self' data:" in policy


@pytest.fixture
def docs_server(transactional_db: None) -> Iterator[str]:
    with asgi_server(connection.settings_dict) as base_url:
        yield base_url


@pytest.mark.skipif(browser_missing_reason() is not None, reason=browser_missing_reason() or "")
@pytest.mark.django_db(transaction=True)
def test_it_renders_redoc_in_a_browser_without_asking_any_other_host(docs_server):
    # Redoc's bundle asks for its makers' logo whatever the settings; the page's policy stops the browser
    # before anything leaves the machine, which Chromium reports as a request blocked by CSP.
    with chromium_page() as page:
        outside: list[str] = []
        blocked: list[str] = []
        page.on("request", lambda request: None if request.url.startswith((docs_server, "data:", "blob:"))
                else outside.append(request.url))
        page.on("requestfailed", lambda request: blocked.append(request.url)
                if "csp" in (request.failure or "").lower() else None)
        page.goto(f"{docs_server}/api/redoc/")
        page.wait_for_selector("text=Lantern API", timeout=30_000)
        page.wait_for_selector("text=/api/v1/reports/", timeout=30_000)
        page.wait_for_load_state("networkidle")
        assert sorted(outside) == sorted(blocked)
