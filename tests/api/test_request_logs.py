"""Request ids and the JSON access log: one parseable object per line, who asked but never what they said
or where."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.services import api_key_create
from kernel.log_format import JsonFormatter, RequestIdFilter
from referrals.signatures import request_signature_compute
from tests import factories
from tests.referrals import factories as f

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = "Jan Peeters took my bicycle from the rack by the library, call him on 0470 12 34 56."


class JsonLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def access(self) -> list[dict]:
        return [line for line in self.all() if line["logger"] == "lantern.access"]


@pytest.fixture
def json_log(settings) -> Iterator[JsonLines]:
    """The root logger's lines as LOG_FORMAT=json writes them, with the access log on."""
    settings.LOG_REQUESTS = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)


def test_it_writes_one_access_line_per_request_with_route_status_duration_and_principal(citizen, json_log):
    response = citizen.client.post(
        "/api/v1/reports/", factories.report_payload(description=DESCRIPTION), format="json"
    )
    assert response.status_code == 201
    [line] = json_log.access()
    assert line["level"] == "INFO"
    assert line["route"] == "api/v1/reports/" and line["method"] == "POST" and line["status"] == 201
    assert line["principal"] == "device"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]
    assert line["time"].endswith("+00:00")


def test_no_line_holds_the_reports_text_or_place(citizen, json_log):
    payload = factories.report_payload(description=DESCRIPTION)
    lng, lat = payload["location"]["coordinates"]
    report_id = citizen.client.post("/api/v1/reports/", payload, format="json").json()["id"]
    citizen.client.get(f"/api/v1/alerts/?lat={lat}&lng={lng}&radius_m=500")
    citizen.client.get(f"/api/v1/reports/{report_id}/")
    assert len(json_log.access()) == 3
    for secret in ("Jan Peeters", "bicycle", "0470", f"{lng}", f"{lat}", str(lng)[:6], str(lat)[:6]):
        assert secret not in json_log.text


def test_a_well_formed_request_id_is_kept_and_echoed(anonymous, json_log):
    response = anonymous.get("/api/v1/categories/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"
    assert json_log.access()[0]["request_id"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("offered", ["short", "has spaces in it", "x" * 200, "forged\nline-0001", ""])
def test_a_malformed_request_id_is_replaced_by_a_new_one(anonymous, json_log, offered):
    response = anonymous.get("/api/v1/categories/", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32
    assert json_log.access()[0]["request_id"] == response["X-Request-ID"]


def test_every_line_written_during_a_request_carries_its_id(anonymous, json_log):
    response = anonymous.get("/api/v1/no-such-endpoint/", HTTP_X_REQUEST_ID="trace-0000000042")
    assert response.status_code == 404
    logging.getLogger("referrals.services").warning("outside any request")
    lines = json_log.all()
    assert lines[0]["request_id"] == "trace-0000000042" and lines[0]["route"] == "<unmatched>"
    assert "request_id" not in lines[-1]


def test_principal_kinds(anonymous, citizen, moderator, service_area, json_log):
    _key, secret = api_key_create(name="City of Test")
    authority = APIClient()
    authority.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device).referrals.get()
    raw = json.dumps({"status": "received"}).encode()
    stamp = str(int(time.time()))

    anonymous.get("/api/v1/categories/")
    citizen.client.get("/api/v1/reports/")
    moderator.client.get("/api/v1/moderation/queue/")
    authority.get("/api/v1/maps/releases/")
    path, event_id = f"/api/v1/partners/referrals/{referral.pk}/status/", str(uuid.uuid4())
    anonymous.post(
        path, data=raw, content_type="application/json",
        HTTP_X_LANTERN_TIMESTAMP=stamp, HTTP_X_LANTERN_EVENT_ID=event_id,
        HTTP_X_LANTERN_SIGNATURE=request_signature_compute(
            secret=f.SECRET, method="POST", path=path, timestamp=stamp, event_id=event_id, body=raw),
    )
    # Open311 clients send their key in the form: an incomplete request is still the key holder's.
    anonymous.post("/open311/v2/requests.json", {"api_key": secret}, format="multipart")
    assert [(line["principal"], line["status"]) for line in json_log.access()] == [
        ("anonymous", 200), ("device", 200), ("staff", 200), ("api-key", 200), ("partner", 200), ("api-key", 400),
    ]


def test_log_format_json_makes_the_process_write_json_lines_uvicorns_too():
    # uvicorn has set up its own handlers by the time it loads Lantern, as a server worker does.
    script = (
        "import logging, uvicorn.config; logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG); "
        "import django; django.setup(); "
        "logging.getLogger('lantern.check').warning('hello %s', 'there'); "
        "logging.getLogger('uvicorn.error').info('Started server process [%d]', 7, extra={'color_message': 'x'})"
    )
    environment = {
        **os.environ, "LOG_FORMAT": "json", "LANTERN_ENV": "test", "DJANGO_SETTINGS_MODULE": "backend.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True,
    )
    lines = [json.loads(text) for text in done.stderr.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "lantern.check", "hello there"), ("INFO", "uvicorn.error", "Started server process [7]"),
    ]
    assert "color_message" not in lines[1]


def test_an_unknown_log_format_stops_the_process():
    environment = {**os.environ, "LOG_FORMAT": "xml", "LANTERN_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True,
    )
    assert done.returncode != 0 and "LOG_FORMAT" in done.stderr
