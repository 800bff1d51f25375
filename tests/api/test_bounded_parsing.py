"""Request bodies are read within bounds: a JSON document nested deeper than any request needs answers 400,
a body over the size limit 413, both as problems, on every JSON endpoint and on Open311's."""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree

import pytest
from django.test import override_settings

from api.parsers import JSON_MAX_DEPTH, BoundedJSONParser, PayloadTooLarge
from reports.models import Device, Report

DEEP = b"[" * 20_000 + b"]" * 20_000

JSON_ENDPOINTS = [
    ("anonymous", "/api/v1/devices/"),
    ("citizen", "/api/v1/reports/"),
    ("citizen", "/api/v1/reports/preview/"),
    ("citizen", "/api/v1/subscriptions/"),
    ("moderator", "/api/v1/moderation/check/"),
]


def _nested(depth: int) -> bytes:
    return b'{"platform": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(("who", "path"), JSON_ENDPOINTS)
def test_it_answers_400_to_json_nested_20000_levels_deep(request, who, path, service_area):
    client = request.getfixturevalue(who)
    client = getattr(client, "client", client)
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lantern:problem:json-too-deep"


def test_it_parses_json_as_deep_as_the_limit_and_refuses_one_level_more(anonymous, db):
    at_limit = anonymous.post("/api/v1/devices/", data=_nested(JSON_MAX_DEPTH), content_type="application/json")
    assert at_limit.status_code == 400
    assert at_limit.json()["type"] == "urn:lantern:problem:validation-error"
    beyond = anonymous.post("/api/v1/devices/", data=_nested(JSON_MAX_DEPTH + 1), content_type="application/json")
    assert beyond.json()["type"] == "urn:lantern:problem:json-too-deep"
    assert Device.objects.count() == 0


def test_a_string_ending_in_an_escaped_backslash_does_not_hide_the_nesting_after_it(anonymous, db):
    deep = "[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1)
    body = '{"platform": "a\\\\", "locale": ' + deep + "}"
    assert json.loads(body)["platform"] == "a\\"
    response = anonymous.post("/api/v1/devices/", data=body, content_type="application/json")
    assert response.json()["type"] == "urn:lantern:problem:json-too-deep"


def test_thousands_of_unclosed_brackets_answer_400_not_500(anonymous, db):
    for body in (b"[" * 65_000, b'{"a":' * 13_000):
        response = anonymous.post("/api/v1/devices/", data=body, content_type="application/json")
        assert response.status_code == 400, response.content[:300]
        assert response["Content-Type"] == "application/problem+json"


def test_brackets_inside_strings_are_text_not_nesting(anonymous, db):
    body = json.dumps({"platform": "android", "locale": "nl-BE", "push_token": '\\"[' * 600 + "{" * 600})
    response = anonymous.post("/api/v1/devices/", data=body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]


def test_it_answers_400_to_a_report_part_nested_too_deep(citizen):
    response = citizen.client.post("/api/v1/reports/", {"report": DEEP.decode()}, format="multipart")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:lantern:problem:json-too-deep"
    assert Report.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_the_parser_stops_reading_at_the_size_limit_whatever_the_body_claimed():
    body = io.BytesIO(b'{"padding": "' + b"x" * 10_000 + b'"}')
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(body, "application/json", {})
    assert body.tell() == 1025


def test_an_anonymous_body_over_the_size_limit_answers_413(anonymous, db, settings):
    body = json.dumps({"platform": "android", "padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = anonymous.post("/api/v1/devices/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lantern:problem:payload-too-large"


def test_open311_answers_its_error_array_to_deep_json(anonymous, db):
    response = anonymous.post("/open311/v2/requests.json", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_open311_answers_413_to_form_fields_over_the_size_limit(anonymous, db, settings):
    form = {"service_code": "x", "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = anonymous.post("/open311/v2/requests.json", form, format="multipart")
    assert response.status_code == 413, response.content[:300]
    assert response.json()[0]["code"] == 413


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_open311_answers_413_to_a_body_declared_too_large_in_its_own_error_shape(anonymous, db, settings, suffix):
    body = "service_code=x&description=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = anonymous.post(f"/open311/v2/requests.{suffix}", data=body,
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    if suffix == "json":
        assert response.json()[0]["code"] == 413
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        errors = ElementTree.fromstring(response.content)  # noqa: S314 (our own server's answer)
        assert errors.tag == "errors" and errors.findtext("error/code") == "413"
