from __future__ import annotations

from django.test import RequestFactory
from django_ratelimit.core import get_usage

from api.client_address import client_ip, client_ip_key
from api.ratelimits import BY_IP, BY_PRINCIPAL
from reports.models import Device, Report
from tests import factories


def test_device_registration_is_limited_per_ip_with_retry_after(anonymous, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "device_register_ip": "3/h"}
    statuses = [
        anonymous.post("/api/v1/devices/", {"platform": "android"}, format="json").status_code for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    response = anonymous.post("/api/v1/devices/", {"platform": "android"}, format="json")
    assert response.json()["type"] == "urn:lantern:problem:rate-limited"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Device.objects.count() == 3


def test_another_ip_is_not_limited_by_the_first(anonymous, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "device_register_ip": "1/h"}
    assert anonymous.post("/api/v1/devices/", {"platform": "ios"}, format="json").status_code == 201
    response = anonymous.post("/api/v1/devices/", {"platform": "ios"}, format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 201


def test_submissions_are_limited_per_device(citizen, other_citizen, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report_submit_device": "2/h"}
    for _ in range(2):
        assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    refused = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert other_citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    assert Report.objects.count() == 3


def test_submissions_are_limited_per_ip_across_devices(citizen, other_citizen, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report_submit_ip": "1/h"}
    assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    response = other_citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 429


def test_intake_counts_both_scopes_on_django_ratelimits_own_counters(citizen, settings):
    for _ in range(3):
        assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    request = RequestFactory().post("/api/v1/reports/")
    request.user = citizen.device
    for scope, key in (("report_submit_device", BY_PRINCIPAL), ("report_submit_ip", BY_IP)):
        usage = get_usage(request, group=f"lantern.{scope}", key=key, rate=settings.RATE_LIMITS[scope])
        assert usage["count"] == 3


def test_intake_limits_fail_open_when_redis_is_down(citizen, settings, caplog):
    settings.CACHES = {**settings.CACHES, "ratelimit-down": {
        "BACKEND": "backend.cache.SharedPoolRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }}
    settings.RATELIMIT_USE_CACHE = "ratelimit-down"
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 201
    assert any("not checked" in record.getMessage() for record in caplog.records)


def test_a_forged_forwarded_header_is_ignored_unless_a_proxy_is_trusted(settings):
    settings.TRUSTED_PROXY_HEADER = None
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"


def test_the_trusted_proxy_header_names_the_client(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the address it really saw.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


def test_ipv6_clients_are_counted_per_slash_64():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::abcd")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::ffff")
    assert client_ip_key("g", request) == client_ip_key("g", other) == "2001:db8:1:2::/64"


def test_an_unparseable_address_falls_back_safely():
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="garbage")) == "0.0.0.0"
