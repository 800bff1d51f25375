from __future__ import annotations

import yaml
from django.test import override_settings


def test_health_checks_database_cache_and_channel_layer(anonymous, db):
    response = anonymous.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"}
    }


def test_health_checks_the_pub_sub_channel_layer_too(anonymous, db, settings):
    # CHANNEL_LAYER_PUBSUB=1: the round trip goes through a layer of that kind, closed afterwards.
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"],
                                           "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"}}
    response = anonymous.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json()["checks"]["channel_layer"] == "ok"


def test_health_answers_503_when_redis_is_down(anonymous, db):
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": unreachable}},
        CHANNEL_LAYERS={"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                    "CONFIG": {"hosts": [unreachable]}}},
    ):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        response = anonymous.get("/api/v1/health/")
    channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["channel_layer"] == "unavailable"
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0


def test_the_openapi_schema_describes_every_public_endpoint(anonymous, db):
    response = anonymous.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/devices/", "/api/v1/reports/", "/api/v1/reports/{report_id}/",
                 "/api/v1/categories/", "/api/v1/service-area/", "/api/v1/health/"):
        assert path in schema["paths"], path
    post = schema["paths"]["/api/v1/reports/"]["post"]
    assert "201" in post["responses"]
    assert {"device", "staff", "authority"} <= set(schema["components"]["securitySchemes"])


def test_the_interactive_docs_load_their_assets_locally(anonymous, db):
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    asset = next(part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui-bundle" in part)
    assert anonymous.get(asset).status_code == 200


def test_unknown_api_paths_answer_problem_json(anonymous, db):
    response = anonymous.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lantern:problem:not-found"


def test_wrong_methods_answer_problem_json(anonymous, db):
    response = anonymous.put("/api/v1/categories/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["type"] == "urn:lantern:problem:method-not-allowed"


def test_the_schema_generates_without_warnings_and_validates(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").stat().st_size > 1000
