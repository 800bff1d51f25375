"""Shared personas and clients. Tests run against the real PostGIS and Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import staff_account_create
from referrals.directory import partner_directory_forget
from reports.models import Device
from reports.reference import reference_forget
from tests import factories


@dataclass
class Citizen:
    device: Device
    token: str
    client: APIClient


@dataclass
class Staff:
    user: Any
    token: str
    client: APIClient


def _client(authorization: str | None = None) -> APIClient:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in Redis; each test starts from zero. Per-process snapshots of reference
    # data would otherwise outlive the rolled-back transaction of the test that loaded them.
    cache.clear()
    reference_forget()
    partner_directory_forget()


@pytest.fixture
def service_area(db: None):
    return factories.service_area_create()


@pytest.fixture
def anonymous() -> APIClient:
    return _client()


@pytest.fixture
def citizen(db: None, service_area: Any) -> Citizen:
    device, token = factories.device_create(locale="en")
    return Citizen(device, token, _client(f"Bearer {token}"))


@pytest.fixture
def other_citizen(db: None, service_area: Any) -> Citizen:
    device, token = factories.device_create(locale="fr", platform="ios")
    return Citizen(device, token, _client(f"Bearer {token}"))


def _staff(role: str) -> Staff:
    user, token = staff_account_create(username=f"{role}-persona", role=role)
    return Staff(user, token, _client(f"Token {token}"))


@pytest.fixture
def moderator(db: None) -> Staff:
    return _staff("moderator")


@pytest.fixture
def analyst(db: None) -> Staff:
    return _staff("analyst")


@pytest.fixture
def police_partner(db: None) -> Staff:
    return _staff("partner")
