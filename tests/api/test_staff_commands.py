from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command

from api.models import ApiKey, StaffToken
from referrals.models import Jurisdiction
from reports.credentials import credential_digest


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_create_account_prints_a_token_that_authenticates_with_the_role(db, anonymous):
    token = _run("create_account", "mia", "--role", "moderator")
    record = StaffToken.objects.get(key_hash=credential_digest(token))
    assert record.user.username == "mia"
    assert record.user.groups.filter(name="moderator").exists()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # A staff token is not a device token: citizen endpoints refuse it, they do not crash.
    assert anonymous.get("/api/v1/reports/").status_code == 403


def test_create_account_refuses_an_unknown_role(db):
    with pytest.raises(CommandError):
        _run("create_account", "x", "--role", "sheriff")


def test_a_wrong_staff_token_is_refused(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Token lts_forged")
    response = anonymous.get("/api/v1/reports/")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:lantern:problem:authentication-failed"


def test_create_api_key_limits_the_key_to_named_jurisdictions(db):
    Jurisdiction.objects.create(
        name="North", kind="police_area", boundary=MultiPolygon(Polygon.from_bbox((3.6, 51.0, 3.8, 51.1)))
    )
    key = _run("create_api_key", "City mobility", "--jurisdiction", "North")
    api_key = ApiKey.objects.get(key_hash=credential_digest(key))
    assert [j.name for j in api_key.jurisdictions.all()] == ["North"]


def test_create_api_key_names_the_known_jurisdictions_when_one_is_unknown(db):
    with pytest.raises(CommandError, match="Unknown jurisdiction"):
        _run("create_api_key", "Someone", "--jurisdiction", "Atlantis")
    assert ApiKey.objects.count() == 0


def test_a_malformed_authorization_header_is_a_401_not_a_crash(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert anonymous.get("/api/v1/reports/").status_code == 401
