"""``/maps/``: for analysts only, and everything it loads comes from this server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

VENDOR = Path(settings.BASE_DIR) / "maps" / "static" / "maps" / "vendor" / "maplibre-gl"


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_an_anonymous_visitor_is_sent_to_the_login_page():
    response = Client().get("/maps/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/maps/"


def test_staff_without_the_analyst_role_are_refused(moderator):
    assert browser_for(moderator.user).get("/maps/").status_code == 403


def test_an_analyst_gets_the_page_with_its_map_library_served_locally(analyst, service_area):
    response = browser_for(analyst.user).get("/maps/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/maps/vendor/maplibre-gl/maplibre-gl.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], "nothing from a CDN"
    assert 'id="maps-config"' in html and "Test town" in html


def test_the_vendored_library_is_the_packaged_one_with_its_licence():
    library = (VENDOR / "maplibre-gl.js").read_text()
    assert library.startswith("/**\n * MapLibre GL JS\n * @license 3-Clause BSD")
    assert "sourceMappingURL" not in library[-200:]
    assert "BSD" in (VENDOR / "LICENSE.txt").read_text()
