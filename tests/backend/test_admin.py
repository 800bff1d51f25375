from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from tests import factories


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/reports/report/", "/admin/reports/device/", "/admin/reports/category/",
     "/admin/reports/servicearea/", "/admin/reports/district/", "/admin/referrals/jurisdiction/",
     "/admin/api/apikey/", "/admin/api/stafftoken/", "/admin/maps/transparencyrelease/",
     "/admin/maps/privacyledger/"],
)
def test_the_admin_pages_open(admin_client, service_area, url):
    assert admin_client.get(url).status_code == 200


def test_the_admin_report_page_shows_no_free_text_or_exact_point(admin_client, citizen):
    report = factories.report_create(device=citizen.device, description="Secret detail about my neighbour")
    page = admin_client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
    assert "Secret detail" not in page
    assert f"{report.location.x:.5f}" not in page


def test_the_service_area_geometry_is_edited_as_text_without_a_cdn(admin_client, service_area):
    page = admin_client.get(f"/admin/reports/servicearea/{service_area.pk}/change/").content.decode()
    assert "MultiPolygon" in page
    # Any address of another host (a map widget's tiles or scripts); a random CSRF token may spell "cdn".
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page loads something from another host"


def test_the_admin_is_closed_to_anonymous_visitors(client, db):
    response = client.get("/admin/reports/report/")
    assert response.status_code == 302
