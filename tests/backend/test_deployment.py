"""Deployment: the Dockerfile, docker-compose.yml and production settings agree with each other.

No Docker engine is needed: the compose file is read with PyYAML and interpolated the way compose does,
the Dockerfile is read as text, and the production settings are exercised with ``manage.py`` in a
subprocess, as a container would start them.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker")
HEALTH_PATH = "/api/v1/health/"
# What an operator puts in .env: every variable the compose file insists on.
OPERATOR_ENV = {
    "SECRET_KEY": "k" * 60,
    "POSTGRES_PASSWORD": "correct-horse-battery-staple",
    "ALLOWED_HOSTS": "lantern.example.org",
}


# --- docker-compose.yml, read as compose reads it -----------------------------------------------

class MissingVariable(Exception):
    pass


_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}."""
    if isinstance(value, dict):
        return {key: _interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in env
        filled = present and env[name] != ""
        if op in (":-", "-"):
            return env[name] if (filled if op == ":-" else present) else arg
        if op in (":?", "?") and not (filled if op == ":?" else present):
            raise MissingVariable(f"{name}: {arg}")
        return env.get(name, "")

    return _VARIABLE.sub(substitute, value)


@functools.cache
def _compose_raw() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    return _interpolate(_compose_raw(), OPERATOR_ENV if env is None else env)


def _service(name: str) -> dict[str, Any]:
    return _compose()["services"][name]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _command(value: str | list[str] | None) -> str:
    """A command (string or list, shell form or exec form) as one line of words."""
    if value is None:
        return ""
    return " ".join(value) if isinstance(value, list) else value


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def _builds_repo_dockerfile(service: dict[str, Any]) -> bool:
    build = service.get("build")
    if build is None:
        return False
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    else:
        context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
    return (ROOT / context).resolve() == ROOT and (ROOT / context / dockerfile).resolve() == ROOT / "Dockerfile"


# --- Dockerfile, read as instructions -----------------------------------------------------------

@functools.cache
def _dockerfile() -> list[tuple[str, str]]:
    lines = [
        line for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _instructions(keyword: str) -> list[str]:
    return [rest for name, rest in _dockerfile() if name == keyword]


def _exec_or_shell(text: str) -> str:
    """The words of a CMD (JSON exec form or shell form)."""
    if text.startswith("["):
        return " ".join(json.loads(text))
    return text


# --- the compose stack --------------------------------------------------------------------------

def test_compose_runs_the_database_the_cache_migrations_the_server_and_the_worker():
    assert {"db", "redis", "migrate", "web", "worker"} <= set(_compose()["services"])


def test_compose_uses_postgis_and_redis_images_with_healthchecks():
    db, redis = _service("db"), _service("redis")
    assert db["image"].startswith("postgis/postgis:15-3.4")
    assert "pg_isready" in _command(db["healthcheck"]["test"])
    assert redis["image"].split(":")[0] == "redis" and redis["image"].split(":")[1].startswith("7")
    assert "redis-cli ping" in _command(redis["healthcheck"]["test"])


def test_the_server_the_worker_and_migrations_run_the_image_built_from_the_repository_dockerfile():
    services = _compose()["services"]
    built_images = {s.get("image") for s in services.values() if _builds_repo_dockerfile(s)} - {None}
    for name in APP_SERVICES:
        service = services[name]
        assert _builds_repo_dockerfile(service) or service.get("image") in built_images, name


def test_the_app_reaches_postgis_and_redis_by_their_service_names():
    for name in APP_SERVICES:
        env = _environment(_service(name))
        database = urlsplit(env["DATABASE_URL"])
        assert database.scheme in {"postgis", "postgres", "postgresql"}, name
        assert (database.hostname, database.port or 5432) == ("db", 5432), name
        assert database.password == OPERATOR_ENV["POSTGRES_PASSWORD"], name
        cache = urlsplit(env["REDIS_URL"])
        assert (cache.scheme, cache.hostname) == ("redis", "redis"), name


def test_the_app_database_credentials_match_the_database_service():
    db_env = _environment(_service("db"))
    database = urlsplit(_environment(_service("web"))["DATABASE_URL"])
    assert database.username == db_env["POSTGRES_USER"]
    assert database.password == db_env["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == db_env["POSTGRES_DB"]


def test_the_app_runs_with_production_settings():
    for name in APP_SERVICES:
        env = _environment(_service(name))
        assert env["LANTERN_ENV"] == "production", name
        assert env.get("DEBUG", "false").lower() in {"", "0", "false", "no", "off"}, name


def test_compose_will_not_start_without_a_secret_key_from_the_operator():
    env = _environment(_service("web"))
    if "SECRET_KEY_FILE" in env:
        secret = env["SECRET_KEY_FILE"].removeprefix("/run/secrets/")
        assert secret in (_service("web").get("secrets") or [])
        return
    assert env["SECRET_KEY"] == OPERATOR_ENV["SECRET_KEY"]
    without_key = {key: value for key, value in OPERATOR_ENV.items() if key != "SECRET_KEY"}
    try:
        _compose(without_key)
    except MissingVariable as exc:
        assert "SECRET_KEY" in str(exc)
    else:
        raise AssertionError("docker-compose.yml has a default SECRET_KEY")


def test_the_server_and_the_worker_wait_for_healthy_stores_and_finished_migrations():
    for name in ("web", "worker"):
        deps = _depends_on(_service(name))
        assert deps.get("db") == "service_healthy", name
        assert deps.get("redis") == "service_healthy", name
        assert deps.get("migrate") == "service_completed_successfully", name
    assert _depends_on(_service("migrate")).get("db") == "service_healthy"


def test_migrations_run_once_and_stop():
    migrate = _service("migrate")
    assert "manage.py migrate" in _command(migrate["command"])
    assert str(migrate.get("restart", "no")) in {"no", "False", "false"}


def test_the_web_service_serves_asgi_with_uvicorn_on_port_8000():
    web = _service("web")
    command = _command(web.get("command")) or _exec_or_shell(_instructions("CMD")[-1])
    assert re.search(r"\buvicorn\b.*\bbackend\.asgi:application\b", command)
    assert "--host 0.0.0.0" in command and "--port 8000" in command
    targets = {str(port["target"]) if isinstance(port, dict) else str(port).split(":")[-1]
               for port in web["ports"]}
    assert "8000" in targets


def test_the_web_service_checks_the_health_endpoint():
    check = _command(_service("web")["healthcheck"]["test"])
    assert HEALTH_PATH in check
    assert "127.0.0.1:8000" in check or "localhost:8000" in check


def test_the_worker_runs_the_self_restarting_job_worker_and_does_not_inherit_the_web_healthcheck():
    worker = _service("worker")
    assert re.search(r"manage\.py jobs_worker", _command(worker["command"]))
    # The image's HEALTHCHECK asks the web server, which does not run in the worker's container.
    assert worker["healthcheck"].get("disable") is True


def test_a_server_or_worker_that_dies_is_restarted_by_docker():
    for name in ("web", "worker", "db", "redis"):
        assert str(_service(name).get("restart")) in {"unless-stopped", "always"}, name


def test_database_rows_and_private_photos_live_on_named_volumes():
    compose = _compose()
    named = set(compose.get("volumes") or {})

    def mounts(service: dict[str, Any]) -> dict[str, str]:
        pairs = (str(v).split(":")[:2] for v in service.get("volumes") or [])
        return {target: source for source, target in pairs}

    assert mounts(compose["services"]["db"]).get("/var/lib/postgresql/data") in named
    for name in ("web", "worker"):
        service = compose["services"][name]
        photos = _environment(service)["PRIVATE_MEDIA_ROOT"]
        assert mounts(service).get(photos) in named, name



def test_photos_go_to_object_storage_only_when_the_operator_names_a_bucket():
    for name in ("web", "worker"):
        assert not _environment(_service(name)).get("PHOTO_STORAGE_URL"), name
    url = "s3://lantern-photos?endpoint_url=http://minio:9000&region=us-east-1&addressing_style=path"
    services = _compose({**OPERATOR_ENV, "PHOTO_STORAGE_URL": url, "PHOTO_STORAGE_SECRET_ACCESS_KEY": "k" * 20})[
        "services"
    ]
    for name in ("web", "worker"):
        environment = _environment(services[name])
        assert environment["PHOTO_STORAGE_URL"] == url, name
        assert environment["PHOTO_STORAGE_SECRET_ACCESS_KEY"] == "k" * 20, name


def test_minio_is_optional_and_its_bucket_is_made_private():
    services = _compose()["services"]
    for name in ("minio", "minio-bucket"):
        assert services[name]["profiles"] == ["object-storage"], name
    assert "anonymous set none" in _command(services["minio-bucket"]["command"])
    assert "photo-objects:/data" in services["minio"]["volumes"]

# --- the Dockerfile -----------------------------------------------------------------------------

def test_the_image_is_python_312_slim_bookworm_with_the_geodjango_libraries():
    assert _instructions("FROM")[0].split()[0] == "python:3.12-slim-bookworm"
    apt = " ".join(run for run in _instructions("RUN") if "apt-get install" in run)
    for package in ("gdal-bin", "libgdal32", "libgeos", "libproj"):
        assert package in apt, package


def test_the_image_installs_the_project_with_pip():
    assert any(re.search(r"\bpip install (--\S+ )*\.(\s|$)", run) for run in _instructions("RUN"))


def test_the_image_collects_static_files_in_production_mode_without_baking_in_a_key():
    collect = [run for run in _instructions("RUN") if "collectstatic" in run]
    assert collect, "no collectstatic at build"
    assert "SECRET_KEY=" in collect[0]
    assert "LANTERN_ENV=production" in collect[0] or any(
        "LANTERN_ENV=production" in env for env in _instructions("ENV"))
    for declared in _instructions("ENV") + _instructions("ARG"):
        assert "SECRET_KEY" not in declared, declared


def test_the_image_runs_as_an_unprivileged_user():
    users = _instructions("USER")
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    names = [name for name, _ in _dockerfile()]
    last_user = max(i for i, name in enumerate(names) if name == "USER")
    assert last_user < names.index("CMD")


def test_the_image_serves_the_same_asgi_application_as_compose():
    command = _exec_or_shell(_instructions("CMD")[-1])
    assert re.search(r"\buvicorn\b.*\bbackend\.asgi:application\b", command)
    assert "--host 0.0.0.0" in command and "--port 8000" in command
    assert "8000" in _instructions("EXPOSE")[-1].split()


def test_the_image_checks_its_health_endpoint_with_python():
    (check,) = _instructions("HEALTHCHECK")
    assert "python" in check and "urllib" in check
    assert f"127.0.0.1:8000{HEALTH_PATH}" in check


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = {
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    # var/ holds the development secret key and private photos; .env holds the operator's secrets.
    assert {".git", ".venv", ".env", "var"} <= ignored


# --- production settings, started as a container starts them ------------------------------------

def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "DEBUG_FILE", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS",
                       "ALLOWED_HOSTS_FILE", "TRUSTED_PROXY_HEADER"}
        and not key.startswith("SECURE_")
    }
    env.update(
        LANTERN_ENV="production",
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgis://lantern@127.0.0.1:5432/lantern"),
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def test_production_settings_pass_django_deployment_checks():
    key = secrets.token_urlsafe(45)
    assert len(key) == 60
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env=_production_env(SECRET_KEY=key, ALLOWED_HOSTS="lantern.example.org"),
    )
    assert result.returncode == 0, f"{shlex.join(result.args)}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_settings_refuse_to_start_without_a_secret_key(secret_key: str | None):
    env = _production_env() if secret_key is None else _production_env(SECRET_KEY=secret_key)
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production" in result.stderr


# --- a first look: `SECRET_KEY=… ALLOWED_HOSTS=… docker compose up`, as the README says --------------------

FIRST_LOOK_ENV = {"SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "localhost"}


def test_compose_starts_with_only_a_secret_key_and_allowed_hosts():
    compose = _compose(FIRST_LOOK_ENV)
    db_password = _environment(compose["services"]["db"])["POSTGRES_PASSWORD"]
    assert db_password
    for name in APP_SERVICES:
        database = urlsplit(_environment(compose["services"][name])["DATABASE_URL"])
        assert database.password == db_password, name


def test_the_bundled_database_is_reachable_only_inside_compose():
    # Its default password is safe only because nothing outside the containers can connect.
    assert not _service("db").get("ports")
    assert not _service("db").get("network_mode")


def test_a_local_compose_run_answers_plain_http_and_an_operator_behind_tls_turns_the_redirect_on():
    compose = _compose(FIRST_LOOK_ENV)
    for name in APP_SERVICES:
        assert _environment(compose["services"][name])["SECURE_SSL_REDIRECT"].lower() in {"0", "false", "no", "off"}
    behind_tls = _compose({**FIRST_LOOK_ENV, "SECURE_SSL_REDIRECT": "true"})
    assert _environment(behind_tls["services"]["web"])["SECURE_SSL_REDIRECT"] == "true"


def test_the_readme_gives_the_compose_command_and_says_when_to_turn_the_redirect_on():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "ALLOWED_HOSTS=localhost docker compose up" in readme
    assert "SECURE_SSL_REDIRECT=true" in readme


def test_compose_production_settings_with_the_local_defaults_do_not_redirect_plain_http():
    env = _environment(_compose(FIRST_LOOK_ENV)["services"]["web"])
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)",
        env=_production_env(SECRET_KEY=env["SECRET_KEY"], ALLOWED_HOSTS=env["ALLOWED_HOSTS"],
                            SECURE_SSL_REDIRECT=env["SECURE_SSL_REDIRECT"]),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
