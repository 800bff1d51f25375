"""The OpenAPI document at /api/schema/ is valid, complete, and true: schemathesis calls every operation
with examples generated from it, against the app on the real PostGIS and Redis, and each answer must be
documented (status, media type, body)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import checks

from api.services import api_key_create, staff_account_create
from reports.services import device_register
from tests import factories

OPERATION_METHODS = ("get", "post", "put", "patch", "delete")
FILE_MEDIA_TYPES = {
    "/api/v1/maps/releases/{month}/{layer}.geojson": "application/geo+json",
    "/api/v1/maps/releases/{month}/{layer}.csv": "text/csv",
    "/api/v1/maps/tiles/{layer}/{month}/{z}/{x}/{y}.mvt": "application/vnd.mapbox-vector-tile",
    "/api/v1/alerts/": "application/geo+json",
    "/api/v1/alerts/{alert_id}/": "application/geo+json",
    "/api/v1/service-area/": "application/geo+json",
}


@pytest.fixture
def document(anonymous, db) -> dict[str, Any]:
    response = anonymous.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, operations in document["paths"].items()
            for method, operation in operations.items() if method in OPERATION_METHODS]


def _resolved(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def test_it_is_a_valid_openapi_document(document):
    validate(document)


def test_it_documents_every_operations_refusals_as_problems_and_open311s_as_error_arrays(document):
    for method, path, operation in _operations(document):
        refusals = {status: _resolved(document, response) for status, response in operation["responses"].items()
                    if status.startswith("4")}
        assert refusals, f"{method} {path} documents no refusal"
        for status, response in refusals.items():
            content = response["content"]
            if path.startswith("/open311/"):
                assert set(content) == {"application/json", "text/xml"}, (method, path, status)
                schema = content["application/json"]["schema"]
                assert schema["type"] == "array" and schema["items"] == {"$ref": "#/components/schemas/Open311Error"}
            else:
                assert list(content) == ["application/problem+json"], (method, path, status)
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
                assert content["application/problem+json"]["example"]["status"] == int(status)


def test_it_gives_every_operation_a_summary_an_id_and_an_example(document):
    ids = []
    for method, path, operation in _operations(document):
        assert operation.get("summary"), f"{method} {path}"
        assert "." not in operation["operationId"], operation["operationId"]
        ids.append(operation["operationId"])
        examples = [content for response in operation["responses"].values()
                    for content in _resolved(document, response).get("content", {}).values() if "example" in content]
        assert examples, f"{method} {path} has no example"
    assert len(ids) == len(set(ids)) >= 40


def test_it_documents_files_with_their_own_media_types(document):
    for path, media_type in FILE_MEDIA_TYPES.items():
        assert list(document["paths"][path]["get"]["responses"]["200"]["content"]) == [media_type], path


def test_it_documents_paginated_lists_as_their_envelope(document):
    queue = document["paths"]["/api/v1/moderation/queue/"]["get"]["responses"]["200"]["content"]
    reports = document["paths"]["/api/v1/reports/"]["get"]["responses"]["200"]["content"]
    for content, names in ((queue, {"count", "next", "previous", "results"}), (reports, {"next", "previous",
                                                                                          "results"})):
        reference = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        envelope = document["components"]["schemas"][reference]
        assert envelope["type"] == "object" and names <= set(envelope["properties"])


def test_it_asks_each_operation_for_the_credentials_it_takes(document):
    paths = document["paths"]
    assert paths["/api/v1/reports/"]["post"]["security"] == [{"device": []}]
    assert paths["/api/v1/moderation/queue/"]["get"]["security"] == [{"staff": []}, {"cookieAuth": []}]
    assert {"authority", "staff"} <= {name for entry in paths["/api/v1/maps/releases/"]["get"]["security"]
                                      for name in entry}
    assert "security" not in paths["/api/v1/categories/"]["get"] or paths["/api/v1/categories/"]["get"][
        "security"] in ([], [{}])


# --- schemathesis over the whole API ---------------------------------------------------------------


def _document() -> dict[str, Any]:
    """The document /api/schema/ serves, built at collection (schemathesis makes one test per operation)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_document())
schema.app = get_wsgi_application()


@pytest.fixture
def credentials(db, service_area, settings: Any) -> Iterator[dict[str, str]]:
    settings.RATELIMIT_ENABLE = False
    device, device_token = device_register(platform="android", locale="nl-BE", time_zone="Europe/Brussels")
    factories.report_held(device=device)
    _moderator, staff_token = staff_account_create(username="schema-moderator", role="moderator")
    _key, api_key = api_key_create(name="Schema city")
    # Like Django's test client: the app runs inside the test's transaction, whose connection a finished
    # request must not close.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"device": f"Bearer {device_token}", "staff": f"Token {staff_token}", "authority": f"Api-Key {api_key}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_it_answers_every_operation_as_documented_and_never_with_a_server_error(case: Any, credentials):
    security = case.operation.definition.raw.get("security") or []
    scheme = next((name for entry in security for name in entry if name in credentials), None)
    headers = {"Authorization": credentials[scheme]} if scheme else {}
    case.call_and_validate(headers=headers, checks=[
        checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
        checks.response_schema_conformance,
    ])
