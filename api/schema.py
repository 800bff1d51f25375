"""How the OpenAPI document describes Lantern: authentication schemes, who may call each operation, and what
every operation answers when it refuses (RFC 9457 problems; Open311's error arrays), with a summary and an
example for each operation.

Refusals come from one mapper (``api.problems``), not from each view, so they are documented here once, by
the shape of the operation (it takes input → 400, it needs a caller → 401/403, …), in
``errors_documented``, a drf-spectacular post-processing hook.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from api.open311.renderers import georeport_xml
from api.permissions import IsAuthority, IsDevice


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.DeviceTokenAuthentication"
    name = "device"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Device token from POST /api/v1/devices/"}


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffTokenAuthentication"
    name = "staff"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <token>`, printed by `manage.py create_account`"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "authority"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`, printed by `manage.py create_api_key`"}


def _principals(permission: Any) -> set[str] | None:
    """The kinds of caller a permission class lets in; None when it cannot tell."""
    if permission is AllowAny:
        return set()
    if permission is IsDevice:
        return {"device"}
    if permission is IsAuthority:
        return {"authority"}
    if getattr(permission, "__name__", "").startswith("HasRole("):
        # Staff sign in with a token, or (the moderator console, the map page) with their Django session.
        return {"staff", "cookieAuth"}
    first, second = getattr(permission, "op1_class", None), getattr(permission, "op2_class", None)
    if first is not None and second is not None:
        left, right = _principals(first), _principals(second)
        return None if left is None or right is None else left | right
    return None


class LanternAutoSchema(AutoSchema):
    """Security per operation from its permission: a device endpoint asks for the device scheme only."""

    def get_auth(self) -> list[dict[str, list[Any]]]:
        auth = super().get_auth()
        kinds: set[str] = set()
        for permission in getattr(self.view, "permission_classes", []):
            found = _principals(permission)
            if found is None:
                return auth
            kinds |= found
        if not kinds:
            return []
        return [entry for entry in auth if set(entry) & kinds]


# --- refusals ----------------------------------------------------------------------------------------

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details (`application/problem+json`). Switch on `type`, never on the text.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Stable URN: `urn:lantern:problem:<slug>`",
                 "example": "urn:lantern:problem:validation-error"},
        "title": {"type": "string", "description": "Short summary, in the caller's language"},
        "status": {"type": "integer", "description": "The HTTP status", "example": 400},
        "detail": {"type": "string", "description": "What went wrong, in the caller's language"},
        "instance": {"type": "string", "description": "The request path"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"},
                   "description": "Invalid input: one entry per field"},
    },
}
_PROBLEM_FIELD_ERROR = {
    "type": "object",
    "required": ["field", "detail", "code"],
    "properties": {
        "field": {"type": "string", "nullable": True, "description": "Dotted path of the field, null for the body",
                  "example": "location.coordinates"},
        "detail": {"type": "string"},
        "code": {"type": "string", "example": "invalid"},
    },
}
_OPEN311_ERROR = {
    "type": "object",
    "required": ["code", "description"],
    "xml": {"name": "error"},
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status", "example": 400},
        "description": {"type": "string", "example": "service_code: This field is required."},
    },
}

# (slug, title, detail) of each documented refusal: the examples clients see.
_REFUSALS: dict[int, tuple[str, str, str]] = {
    400: ("validation-error", "Invalid request", "location.coordinates: Longitude must be between -180 and 180."),
    401: ("not-authenticated", "Authentication required", "Authentication credentials were not provided."),
    403: ("forbidden", "Forbidden", "You do not have permission to perform this action."),
    404: ("not-found", "Not found", "No such resource, or it is not yours."),
    406: ("not-acceptable", "Not acceptable", "Could not satisfy the request Accept header."),
    409: ("conflict", "Conflict", "Another moderator is reviewing this report."),
    413: ("payload-too-large", "Payload too large", "The request body is larger than this endpoint accepts."),
    415: ("unsupported-media-type", "Unsupported media type", 'Unsupported media type "text/plain" in request.'),
    422: ("idempotency-key-reused", "Unprocessable request",
          "This Idempotency-Key was used with a different request."),
    429: ("rate-limited", "Too many requests", "Too many requests. Try again in 42 seconds."),
}
_REFUSAL_DESCRIPTIONS = {
    400: "Invalid input (`validation-error`, `malformed-request`, or a domain refusal such as `outside-service-area`)",
    401: "No valid credential (`not-authenticated`, `authentication-failed`); `WWW-Authenticate` says which",
    403: "The caller may not do this (`forbidden`)",
    404: "No such resource, or not the caller's (`not-found`): existence never leaks",
    406: "The `Accept` header names no media type this operation answers (`not-acceptable`)",
    409: "The resource's state does not allow it now (a claim held by another moderator, an appeal already made, …)",
    413: "The body is larger than the endpoint accepts (`payload-too-large`)",
    415: "The body's media type is not accepted (`unsupported-media-type`)",
    422: "Understood but refused (`idempotency-key-reused`, `outside-service-area`, …)",
    429: "Rate limited (`rate-limited`); `Retry-After` gives the seconds to wait",
}
# Operations that count against a rate limit (api.ratelimits).
_RATE_LIMITED = {
    "devices_register", "reports_create", "reports_preview", "alerts_list", "maps_releases_list",
    "maps_release_geojson", "maps_release_csv", "maps_tile", "partners_referral_status", "open311_requests_create",
}
_WRITES = {"post", "put", "patch", "delete"}
# Operations that check a credential themselves (an HMAC signature), so the schema shows no scheme.
_SIGNED = {"partners_referral_status"}


def _problem_response(status: int) -> dict[str, Any]:
    slug, title, detail = _REFUSALS[status]
    example = {"type": f"urn:lantern:problem:{slug}", "title": title, "status": status, "detail": detail,
               "instance": "/api/v1/reports/"}
    if status == 400:
        example["errors"] = [{"field": "location.coordinates", "detail": detail.split(": ", 1)[1],
                              "code": "invalid"}]
    response: dict[str, Any] = {
        "description": _REFUSAL_DESCRIPTIONS[status],
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"},
                                                 "example": example}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}
    return response


def _open311_errors(status: int) -> dict[str, Any]:
    descriptions = {400: "service_code: This field is required.", 403: "Invalid or missing api_key.",
                    404: "No public service request has this id.", 413: "The request body is too large.",
                    429: "Too many requests. Try again in 42 seconds."}
    schema = {"type": "array", "items": {"$ref": "#/components/schemas/Open311Error"},
              "xml": {"name": "errors", "wrapped": True}}
    example = [{"code": status, "description": descriptions[status]}]
    xml_example = (f'<?xml version="1.0" encoding="utf-8"?><errors><error><code>{status}</code>'
                   f"<description>{descriptions[status]}</description></error></errors>")
    return {
        "description": "GeoReport v2's error array (`<errors><error>` in XML), with the same HTTP status",
        "content": {"application/json": {"schema": schema, "example": example},
                    "text/xml": {"schema": schema, "example": xml_example}},
    }


def _refusals(path: str, method: str, operation: dict[str, Any], name: str) -> list[int]:
    parameters = operation.get("parameters", [])
    has_input = bool(parameters) or "requestBody" in operation
    secured = bool(operation.get("security")) and {} not in operation.get("security", [])
    statuses = []
    if has_input or path.startswith("/open311/"):
        statuses.append(400)
    if secured:
        statuses += [401, 403]
    if "{" in path or any(parameter.get("name") == "cursor" for parameter in parameters):
        # A cursor that does not decode is answered 404 (DRF's cursor pagination), like an unknown id.
        statuses.append(404)
    if name in _SIGNED:
        statuses += [401, 403]
    if method in _WRITES and secured:
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [413, 415]
    if method == "post" and "requestBody" in operation and secured:
        statuses.append(422)
    if name in _RATE_LIMITED:
        statuses.append(429)
    if not path.startswith(("/open311/", "/api/v1/maps/")):
        # The maps and Open311 answer their one format whatever the client accepts; the rest negotiate.
        statuses.append(406)
    if path.startswith("/open311/"):
        statuses = sorted({status for status in statuses if status not in (406, 415)} | {404} | (
            {403, 413} if method == "post" else set()))
    return sorted(set(statuses))


# --- names, summaries and examples ------------------------------------------------------------------

# (method, path) → (operationId, summary). The test of the schema holds every operation to having one.
OPERATIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("get", "/api/v1/health/"): ("health", "Whether the database, the cache and the channel layer answer"),
    ("get", "/api/v1/categories/"): ("categories_list", "The report taxonomy, labelled in the caller's language"),
    ("get", "/api/v1/service-area/"): ("service_area", "The service area as a GeoJSON Feature"),
    ("post", "/api/v1/devices/"): ("devices_register", "Register an app install; answers its token once"),
    ("get", "/api/v1/devices/{device_id}/"): ("devices_get", "The calling device (`me` or its id)"),
    ("patch", "/api/v1/devices/{device_id}/"): ("devices_update", "Change the push token, locale or time zone"),
    ("delete", "/api/v1/devices/{device_id}/"): ("devices_delete", "Delete the device; its reports are anonymised"),
    ("get", "/api/v1/reports/"): ("reports_list", "The device's own reports, newest first (cursor pages)"),
    ("post", "/api/v1/reports/"): ("reports_create", "Submit a report (JSON, or multipart with photos)"),
    ("get", "/api/v1/reports/{report_id}/"): ("reports_get", "One of the device's own reports"),
    ("delete", "/api/v1/reports/{report_id}/"): ("reports_withdraw",
                                                 "Withdraw a report: text, photos and place erased"),
    ("post", "/api/v1/reports/{report_id}/appeal/"): ("reports_appeal", "Contest a rejection, once"),
    ("post", "/api/v1/reports/preview/"): ("reports_preview", "The moderation rules on a draft; nothing stored"),
    ("get", "/api/v1/alerts/"): ("alerts_list", "Active public alerts near a point (GeoJSON, fuzzed points)"),
    ("get", "/api/v1/alerts/{alert_id}/"): ("alerts_get", "One active public alert (GeoJSON Feature)"),
    ("get", "/api/v1/alerts/settings/"): ("alert_settings_get", "The device's quiet hours and daily push cap"),
    ("patch", "/api/v1/alerts/settings/"): ("alert_settings_update", "Change quiet hours or the daily push cap"),
    ("get", "/api/v1/subscriptions/"): ("subscriptions_list", "The zones the device watches"),
    ("post", "/api/v1/subscriptions/"): ("subscriptions_create", "Watch a zone (a centre and a radius)"),
    ("get", "/api/v1/subscriptions/{subscription_id}/"): ("subscriptions_get", "One watched zone"),
    ("patch", "/api/v1/subscriptions/{subscription_id}/"): ("subscriptions_update", "Change a watched zone"),
    ("delete", "/api/v1/subscriptions/{subscription_id}/"): ("subscriptions_delete", "Stop watching a zone"),
    ("get", "/api/v1/moderation/queue/"): ("moderation_queue", "Held reports, oldest first (moderators)"),
    ("get", "/api/v1/moderation/reports/{report_id}/"): ("moderation_case_get",
                                                         "A case: original text, hits, decisions (audited)"),
    ("post", "/api/v1/moderation/reports/{report_id}/claim/"): ("moderation_case_claim",
                                                                "Claim a case for review (one moderator at a time)"),
    ("post", "/api/v1/moderation/reports/{report_id}/decision/"): ("moderation_case_decide",
                                                                   "Decide a case: approve, redact, reject, escalate"),
    ("get", "/api/v1/moderation/reports/{report_id}/photos/{index}/"): ("moderation_case_photo",
                                                                        "One photo of a case (audited)"),
    ("post", "/api/v1/moderation/check/"): ("moderation_check", "The rules engine on any text (moderators)"),
    ("get", "/api/v1/transparency/"): ("transparency_month", "A month's moderation figures per district"),
    ("post", "/api/v1/partners/referrals/{referral_id}/status/"): (
        "partners_referral_status", "A partner's status update on a referral (received, in_progress, closed)"),
    ("get", "/api/v1/maps/releases/"): ("maps_releases_list", "Published monthly insecurity map releases"),
    ("get", "/api/v1/maps/releases/{month}/{layer}.geojson"): ("maps_release_geojson",
                                                                "A release as GeoJSON (hexagons with noisy counts)"),
    ("get", "/api/v1/maps/releases/{month}/{layer}.csv"): ("maps_release_csv", "A release as CSV, one row per cell"),
    ("get", "/api/v1/maps/tiles/{layer}/{month}/{z}/{x}/{y}.mvt"): ("maps_tile", "A release as a Mapbox vector tile"),
    ("get", "/open311/v2/discovery.{suffix}"): ("open311_discovery", "Open311: service discovery"),
    ("get", "/open311/v2/services.{suffix}"): ("open311_services", "Open311: the services (categories)"),
    ("get", "/open311/v2/services/{service_code}.{suffix}"): ("open311_service_definition",
                                                               "Open311: a service's definition (its attributes)"),
    ("get", "/open311/v2/requests.{suffix}"): ("open311_requests_list", "Open311: public service requests"),
    ("post", "/open311/v2/requests.{suffix}"): ("open311_requests_create",
                                                "Open311: submit a service request (api_key in the form or query)"),
    ("get", "/open311/v2/requests/{service_request_id}.{suffix}"): ("open311_request_get",
                                                                     "Open311: one public service request"),
    ("get", "/open311/v2/tokens/{token}.{suffix}"): ("open311_token",
                                                      "Open311: the service_request_id of a token, once public"),
}

# Example values by property name, so that generated examples read like Lantern's data.
_EXAMPLE_VALUES: dict[str, Any] = {
    "category": "property.bicycle_theft", "service_code": "property.bicycle_theft", "code": "pii.person_name",
    "kind": "incident", "description": "Bike taken from the rack by the library, lock cut.",
    "locale": "nl-BE", "language": "nl", "time_zone": "Europe/Brussels", "platform": "android",
    "district": "East", "address": "East", "month": "2026-10", "layer": "insecurity", "cell": "88194db137fffff",
    "redacted_text": "Bike taken from the rack by the library, lock cut.", "reason_code": "pii.person_name",
    "token": "ltd_5RSp3JrX0rA6", "lat": 51.0543, "long": 3.725, "accuracy_m": 15, "radius_m": 500,
    "title": "Bicycle theft · East", "partner": "East police", "service_name": "Bicycle theft",
    "specification": "http://wiki.open311.org/GeoReport_v2", "url": "https://lantern.example/open311/v2/",
    "explanation": "Remove the person's name: a report describes what happened, not who someone is.",
    "status_label": "Not yet delivered", "message": "", "keywords": "property", "group": "Property crime",
    "number": "112", "phone": "+32 470 12 34 56", "preferred_language": "nl", "perception": 3,
    "service_notice": "Held for review by a moderator before it is made public.",
    "changeset": "2026-11-21T09:00:00+00:00",
    "contact": "Lantern operators, lantern@example.org", "key_service": "Ask the operator for a key",
}
# GeoReport v2's XML document names by path (api.open311.views' xml_root/xml_item).
_OPEN311_XML_NAMES = {
    "discovery": ("discovery", None), "services": ("services", "service"),
    "services/": ("service_definition", None), "requests": ("service_requests", "request"),
    "tokens/": ("service_requests", "request"),
}
_FORMAT_EXAMPLES = {
    "uuid": "5b0e8f4e-3c1a-4d2b-9f6e-0a1b2c3d4e5f", "date-time": "2026-11-21T18:30:00+01:00",
    "date": "2026-11-21", "uri": "https://lantern.example/", "email": "someone@example.org", "binary": "",
}


def _example(schema: dict[str, Any], components: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    if depth > 8:
        return None
    if "$ref" in schema:
        return _example(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components, name, depth + 1)
    if "example" in schema:
        return schema["example"]
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            if combined == "allOf":
                merged: dict[str, Any] = {}
                for part in schema[combined]:
                    value = _example(part, components, name, depth + 1)
                    if isinstance(value, dict):
                        merged.update(value)
                return merged
            return _example(schema[combined][0], components, name, depth + 1)
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value is not None), None)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _example(value, components, key, depth + 1) for key, value in properties.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), components, name, depth + 1)]
    if name in _EXAMPLE_VALUES:
        return _EXAMPLE_VALUES[name]
    if kind == "string":
        return _FORMAT_EXAMPLES.get(schema.get("format", ""), "string")
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1) if schema.get("maximum", 2) >= 1 else 0
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    return None


def _open311_xml_names(path: str) -> tuple[str, str | None]:
    rest = path.removeprefix("/open311/v2/").split(".{suffix}")[0]
    key = rest if "/" not in rest else rest.split("/")[0] + "/"
    return _OPEN311_XML_NAMES.get(key, ("service_requests", "request"))


def _examples_added(path: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        for media_type, content in response.get("content", {}).items():
            if "example" in content or "examples" in content or "schema" not in content:
                continue
            if media_type in ("text/csv",):
                content["example"] = "cell,day,evening,night,all\n88194db137fffff,<5,7,<5,12\n"
            elif "json" in media_type:
                content["example"] = _example(content["schema"], components)
    for response in operation.get("responses", {}).values():
        content = response.get("content", {})
        if "text/xml" in content and "example" not in content["text/xml"] and "application/json" in content:
            root, item = _open311_xml_names(path)
            content["text/xml"]["example"] = georeport_xml(
                content["application/json"]["example"], root=root, item=item).decode()
    body = operation.get("requestBody", {}).get("content", {})
    for media_type, content in body.items():
        if "json" in media_type and "schema" in content and "example" not in content:
            content["example"] = _example(content["schema"], components)


def errors_documented(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: names, summaries, refusals and examples of every operation."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = copy.deepcopy(_PROBLEM)
    schemas["ProblemFieldError"] = copy.deepcopy(_PROBLEM_FIELD_ERROR)
    schemas["Open311Error"] = copy.deepcopy(_OPEN311_ERROR)
    shared = components.setdefault("responses", {})
    for status in _REFUSALS:
        shared[f"Problem{status}"] = _problem_response(status)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            name, summary = OPERATIONS.get((method, path), (operation.get("operationId", ""), ""))
            operation["operationId"] = name
            operation.setdefault("summary", summary)
            open311 = path.startswith("/open311/")
            if open311:
                # DRF's ?format= is not how Open311 chooses: the path's suffix is.
                operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("name") != "format"]
                for parameter in operation["parameters"]:
                    if parameter.get("name") == "suffix":
                        parameter["schema"] = {"type": "string", "enum": ["json", "xml"]}
                        parameter["description"] = "The document's format"
            responses = operation.setdefault("responses", {})
            for status in [code for code in responses if str(code).startswith("4")]:
                del responses[status]
            for status in _refusals(path, method, operation, name):
                responses[str(status)] = _open311_errors(status) if open311 else {
                    "$ref": f"#/components/responses/Problem{status}"}
            _examples_added(path, operation, schemas)
    return result
