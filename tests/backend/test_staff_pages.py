"""Staff land on a page that sends each role to its tools; refusals and dead ends are pages, not bare text;
the admin carries Lantern's name."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from api.problems import permission_denied_view
from api.services import staff_account_create

pytestmark = pytest.mark.django_db
PASSWORD = "staff-pages-test-pw"


def _signed_in(role: str, username: str | None = None) -> tuple[Client, object]:
    """A browser that signed in through the admin's own form, with no ``next``: as staff do from a bookmark."""
    staff_account_create(username=username or f"{role}-home", role=role, password=PASSWORD)
    browser = Client()
    response = browser.post("/admin/login/", {"username": username or f"{role}-home", "password": PASSWORD})
    return browser, response


def _tools(page: str) -> list[str]:
    return [key for key in ("console", "map", "admin") if f'class="tool tool-{key}"' in page]


def test_a_moderator_who_signs_in_lands_on_the_console_and_the_admin_queue():
    browser, response = _signed_in("moderator")
    assert response.status_code == 302 and response["Location"] == "/staff/"
    page = browser.get("/staff/").content.decode()
    assert _tools(page) == ["console", "admin"]
    assert 'href="/moderation/console/"' in page


def test_an_analyst_who_signs_in_lands_on_the_map_and_never_on_an_empty_admin():
    browser, response = _signed_in("analyst")
    assert response["Location"] == "/staff/"
    page = browser.get("/staff/").content.decode()
    assert _tools(page) == ["map"]
    assert 'href="/maps/"' in page
    # The admin has nothing for an analyst: its index sends them home instead of "You don't have permission".
    admin = browser.get("/admin/")
    assert admin.status_code == 302 and admin["Location"] == "/staff/"


def test_an_administrator_sees_every_tool():
    browser, _ = _signed_in("admin")
    assert _tools(browser.get("/staff/").content.decode()) == ["console", "map", "admin"]


def test_a_role_without_pages_is_told_so():
    browser, _ = _signed_in("partner")
    page = browser.get("/staff/").content.decode()
    assert _tools(page) == []
    assert "There is no page here for your roles" in page


def test_the_admins_sign_in_form_leads_to_the_staff_page():
    page = Client().get("/admin/login/").content.decode()
    assert 'name="next" value="/staff/"' in page


def test_a_sign_in_that_asked_for_a_page_still_goes_there():
    staff_account_create(username="ana-next", role="analyst", password=PASSWORD)
    response = Client().post("/admin/login/?next=/maps/", {"username": "ana-next", "password": PASSWORD,
                                                          "next": "/maps/"})
    assert response["Location"] == "/maps/"


def test_the_staff_page_asks_visitors_to_sign_in():
    response = Client().get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/") and "next=/staff/" in response["Location"]


def test_a_moderator_opening_the_map_gets_a_styled_page_that_leads_home():
    browser, _ = _signed_in("moderator")
    response = browser.get("/maps/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "This page is not for your role" in page and "staff_page.css" in page
    assert 'href="/staff/"' in page


def test_a_missing_page_is_styled_while_the_api_answers_a_problem():
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "There is no page here" in page.content.decode()
    api = Client().get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and api["Content-Type"] == "application/problem+json"


def test_a_refusal_under_the_api_is_a_problem():
    request = RequestFactory().get("/api/v1/anything/")
    response = permission_denied_view(request)
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    assert b"urn:lantern:problem:forbidden" in response.content


def test_the_admin_carries_lanterns_name_and_view_site_leads_to_the_staff_page():
    browser, _ = _signed_in("admin")
    page = browser.get("/admin/").content.decode()
    assert "Lantern administration" in page and "Django administration" not in page
    assert "<title>Records | Lantern admin</title>" in page
    assert '<a href="/staff/">View site</a>' in page
    assert "Push deliveries" in page and "Push deliverys" not in page
    assert "API keys" in page
