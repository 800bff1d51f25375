"""Django test clients with a browser-style session: the console and the admin use Django logins."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def moderator_browser(moderator: Any) -> Client:
    # CSRF checks on, like a real browser session: the console must send the token itself.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator.user)
    return browser


@pytest.fixture
def analyst_browser(analyst: Any) -> Client:
    browser = Client()
    browser.force_login(analyst.user)
    return browser


@pytest.fixture
def superuser_browser(db: None) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    browser = Client()
    browser.force_login(user)
    return browser
