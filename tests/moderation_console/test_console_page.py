"""``/moderation/console/``: who reaches the page, and the API contract the page's script relies on."""

from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders
from django.test import Client

from tests import factories

CONSOLE = "/moderation/console/"
CATALOG = "/moderation/console/catalog.js"


def _config(page: str) -> dict:
    match = re.search(r'<script id="console-config" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page carries its configuration as JSON"
    return json.loads(match.group(1))


# The entry module and the panels it imports, served as they are (no build step).
CONSOLE_SCRIPTS = ("moderation/console.js", *(f"moderation/console/{name}.js"
                                               for name in ("state", "dom", "server", "queue", "case", "live", "map")))
CONSOLE_STYLES = ("moderation/console.css", *(f"moderation/console/{panel}.css" for panel in ("queue", "case", "map")))


def test_a_moderator_opens_the_console(moderator_browser):
    response = moderator_browser.get(CONSOLE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/moderation/console.js" in page
    assert "/static/moderation/console.css" in page
    config = _config(page)
    assert config["urls"]["queue"] == "/api/v1/moderation/queue/"
    assert config["urls"]["socket"] == "/ws/moderation/"
    assert "moderator.false_positive" in config["moderatorReasons"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_analyst_is_refused_the_console(analyst_browser):
    assert analyst_browser.get(CONSOLE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client, db):
    response = client.get(CONSOLE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/moderation/console/"


def test_the_console_loads_nothing_from_outside(moderator_browser):
    page = moderator_browser.get(CONSOLE).content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for name in (*CONSOLE_SCRIPTS, *CONSOLE_STYLES):
        path = finders.find(name)
        assert path, name
        with open(path, encoding="utf-8") as asset:
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", asset.read()), name


def test_the_console_loads_its_texts_from_this_server_before_its_script(moderator_browser):
    page = moderator_browser.get(CONSOLE).content.decode()
    assert f'<script src="{CATALOG}" defer></script>' in page
    assert page.index(CATALOG) < page.index("/static/moderation/console.js")


def test_a_moderator_whose_language_is_french_gets_the_console_texts_in_french(moderator_browser):
    response = moderator_browser.get(CATALOG, HTTP_ACCEPT_LANGUAGE="fr-BE,fr;q=0.9")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == "fr"
    script = response.content.decode()
    assert '"Live": "En direct"' in script
    assert '"Claimed by %(moderator)s": "Pris en charge par %(moderator)s"' in script
    # The French plural rule (0 and 1 are singular) comes with the catalog, for ngettext.
    assert "(n == 0 || n == 1) ? 0" in script


def test_an_english_speaking_moderator_gets_the_console_texts_as_written(moderator_browser):
    script = moderator_browser.get(CATALOG, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # gettext() is still defined, and hands back the English the script was written in.
    assert "django.gettext = function" in script
    assert '"Live"' not in script


def test_the_console_script_never_writes_html_from_strings():
    for name in CONSOLE_SCRIPTS:
        with open(finders.find(name), encoding="utf-8") as asset:
            script = asset.read()
        assert "innerHTML" not in script, name
        assert "insertAdjacentHTML" not in script, name


def test_the_console_is_an_entry_module_that_imports_one_module_per_panel():
    with open(finders.find("moderation/console.js"), encoding="utf-8") as asset:
        imported = re.findall(r'from "\./(console/\w+\.js)"', asset.read())
    assert {"console/queue.js", "console/case.js", "console/live.js", "console/map.js"} <= set(imported)
    assert all(finders.find(f"moderation/{name}") for name in imported)


def test_the_console_claims_and_decides_through_the_api_with_its_session_and_csrf_token(moderator_browser, citizen):
    report = factories.report_held(device=citizen.device)
    moderator_browser.get(CONSOLE)
    token = moderator_browser.cookies["csrftoken"].value
    claim = f"/api/v1/moderation/reports/{report.id}/claim/"
    # Like console.js: a JSON POST with no body.
    refused = moderator_browser.post(claim, content_type="application/json")
    assert refused.status_code == 403, "a session POST without the CSRF header is refused"
    assert moderator_browser.post(claim, content_type="application/json", HTTP_X_CSRFTOKEN=token).status_code == 200
    decision = moderator_browser.post(
        f"/api/v1/moderation/reports/{report.id}/decision/",
        data=json.dumps({"decision": "reject", "reason_code": "moderator.off_topic", "note": ""}),
        content_type="application/json", HTTP_X_CSRFTOKEN=token,
    )
    assert decision.status_code == 200, decision.content
    assert decision.json()["status"] == "rejected"


def test_the_queue_filters_by_the_district_slugs_the_console_derives_from_names(moderator_browser, citizen):
    factories.report_held(device=citizen.device)
    area = Client().get("/api/v1/service-area/").json()
    assert area["properties"]["districts"] == ["East", "West"]
    # console.js slugifies district names like Django; the test town's slugs are the lower-case names.
    east = moderator_browser.get("/api/v1/moderation/queue/?district=east").json()
    assert east["count"] == 1
