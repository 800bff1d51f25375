"""Browser tests' shared pieces: a real ASGI server on the test database, and a headless Chromium.

The server is uvicorn in a subprocess, so HTTP, websockets, sessions and static files go through the
same stack as production. It reads the test database, so tests that use it must commit their data:
``@pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REPO = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 90.0  # the server compiles the moderation lexicons first: slow on a busy 2-core machine


def browser_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (install the chromium package to run browser tests)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict[str, Any]) -> str:
    """A ``postgis://`` URL for the database pytest-django set up (``connection.settings_dict``)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgis://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the ASGI server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the ASGI server did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()[-4000:]}"
    )


@contextmanager
def asgi_server(settings_dict: dict[str, Any], **extra_env: str) -> Iterator[str]:
    """Run ``backend.asgi:application`` under uvicorn on a free port; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "LANTERN_ENV": "test",
        "DATABASE_URL": database_url(settings_dict),
        # Connections closed after each request: the test database is flushed while the server runs.
        "DATABASE_POOL": "0",
        # Tests flush and re-create categories, areas and partners (new ids) while the server runs.
        "REFERENCE_CACHE_SECONDS": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lantern-test"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **extra_env,
    }
    env.pop("TEST_DATABASE_NAME", None)
    with tempfile.TemporaryDirectory(prefix="lantern-asgi-") as directory:
        log = Path(directory) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1",
                 "--port", str(port), "--lifespan", "off", "--no-access-log"],
                cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
            )
            base_url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_healthy(base_url, process, log)
                yield base_url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


@contextmanager
def chromium_page(*, width: int = 1280, height: int = 800, locale: str = "en-GB") -> Iterator[Any]:
    """A Playwright page in a fresh headless Chromium profile; closed (with its profile) afterwards.

    ``locale`` is the browser's language, sent as Accept-Language: the one Lantern answers in."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lantern-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": height}, locale=locale, timezone_id="Europe/Brussels",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            context.close()


def off_the_browser_thread[T](function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run Django database code while a Playwright page is open.

    Playwright's sync API keeps an asyncio loop on the test's thread, and Django refuses ORM calls where a
    loop runs; a worker thread has its own connection, closed afterwards so the database flush never
    waits on it.
    """
    from django.db import connections

    def call() -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()
