"""``seed_demo`` publishes the demo's whole months, once, so the analysts' map has something to show."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from maps.models import BudgetSpend, Release

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--reports", "300", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_publishes_its_whole_months_once():
    output = seed()
    releases = list(Release.objects.order_by("month", "layer").values_list("month", "layer"))
    # Ninety days of demo data hold two whole months (one in the first days of a month, while the last
    # one's late reports may still arrive, and three when the 90 days start on a 1st).
    assert len(releases) in (2, 4, 6)
    assert {layer for _month, layer in releases} == {"insecurity", "incidents"}
    assert output.count("Map release: published") == len(releases)
    hashes = list(Release.objects.values_list("content_hash", flat=True))
    again = seed()
    assert "Map release" not in again
    assert list(Release.objects.values_list("content_hash", flat=True)) == hashes
    assert BudgetSpend.objects.count() == len(releases)
