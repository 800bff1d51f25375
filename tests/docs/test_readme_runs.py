"""The README's "Try it" runs as written: every shell block, in order, in one bash, against a live server.

The server is ``scripts/run.sh``, what ``make run`` starts (uvicorn and the job worker), on a free port
and the test database seeded with the demo city; the blocks read ``PORT`` as the README tells its readers
to. Each block must exit 0 (``set -euo pipefail``, and the README's ``curl -fsS`` fails on any HTTP error)
and print the lines of the ```text block shown after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.browser import SERVER_START_TIMEOUT, database_url, free_port
from tests.docs.readme_blocks import ShellBlock, shell_blocks, try_it_section

REPO = Path(__file__).resolve().parents[2]
MARKER = "::readme block {}::"
BLOCK_TIMEOUT_SECONDS = 300  # generous: the whole walk, on a busy two-core machine


def test_it_finds_a_block_for_every_role_in_try_it():
    section = try_it_section()
    code = "\n".join(block.code for block in shell_blocks(section))
    for role in ("### Citizen", "### Moderator", "### Partner", "### Local authority", "### Open311"):
        assert role in section
    for what in ("Bearer $TOKEN", "Token demo-moderator-token", "X-Lantern-Signature: v2=",
                 "Api-Key demo-authority-key", "api_key=demo-authority-key", "/ws/alerts/", "Idempotency-Key: "):
        assert what in code, what
    # Defined once, from PORT like `make run`; nothing else names the port.
    assert code.count("BASE=http://127.0.0.1:${PORT:-8000}") == 1
    assert "8000" not in code.replace("${PORT:-8000}", "")


def test_a_block_shows_its_lines_in_order_with_an_ellipsis_for_anything():
    block = ShellBlock(code="", shows=("… held, oldest first", "claimed: 200"))
    assert block.missing_from("x\n27 held, oldest first\nclaimed: 200\n") == []
    assert block.missing_from("claimed: 200\n27 held, oldest first\n") == ["claimed: 200"]
    assert block.missing_from("claimed: 409\n") == ["… held, oldest first", "claimed: 200"]


@pytest.fixture
def demo_city(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--reports", "400", stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def make_run(demo_city) -> Iterator[tuple[str, Path]]:
    """``scripts/run.sh``, what ``make run`` starts after seeding (uvicorn and the job worker), on a free
    port and the demo-seeded test database; yields its address and the file its output goes to."""
    port = free_port()
    env = {
        **os.environ, "LANTERN_ENV": "test", "DATABASE_URL": database_url(connection.settings_dict),
        "DATABASE_POOL": "0", "REFERENCE_CACHE_SECONDS": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING",
    }
    env.pop("TEST_DATABASE_NAME", None)
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="lantern-make-run-") as directory:
        log = Path(directory) / "run.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                _wait_for_banner(base_url, process, log)
                yield base_url, log
            finally:
                # run.sh stops the server and the worker on SIGTERM, then exits.
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def _wait_for_banner(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scripts/run.sh exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        if "Ctrl-C stops the server" in log.read_text(errors="replace") and _answers(f"{base_url}/api/v1/health/"):
            return
        time.sleep(0.5)
    raise RuntimeError(f"scripts/run.sh did not start within {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()[-4000:]}")


@pytest.mark.django_db(transaction=True)
def test_make_run_prints_where_the_console_and_the_map_are_and_every_try_it_block_runs_as_shown(make_run):
    lantern_server, log = make_run
    banner = log.read_text(errors="replace")
    for page in ("/moderation/console/", "/maps/", "/staff/", "/api/docs/"):
        assert f"{lantern_server}{page}" in banner, page
    blocks = shell_blocks(try_it_section())
    script = ["set -euo pipefail"]
    for index, block in enumerate(blocks):
        script += [f"echo '{MARKER.format(index)}'", block.code]
    script.append(f"echo '{MARKER.format('end')}'")
    port = lantern_server.rsplit(":", 1)[1]
    with tempfile.TemporaryDirectory(prefix="lantern-readme-") as home:
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)], cwd=REPO, capture_output=True, text=True,
            timeout=BLOCK_TIMEOUT_SECONDS,
            # A reader's shell: PATH and a home, the port `make run` was given, none of the test's settings.
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "PORT": port, "LANG": "C.UTF-8"},
        )
    outputs = _split(result.stdout, len(blocks))
    finished = [index for index in range(len(blocks)) if index in outputs and index + 1 in outputs]
    failed = next((index for index in range(len(blocks)) if index not in finished), None)
    if failed is not None or result.returncode != 0:
        pytest.fail(
            f"README block {failed} exited {result.returncode}:\n{blocks[failed or 0].code}\n"
            f"--- printed:\n{outputs.get(failed or 0, '')}\n--- stderr:\n{result.stderr[-3000:]}"
        )
    for index, block in enumerate(blocks):
        missing = block.missing_from(outputs[index])
        assert not missing, f"block {index} did not print {missing}:\n{block.code}\n--- printed:\n{outputs[index]}"


def _split(stdout: str, count: int) -> dict[int, str]:
    """The output of each block, by index (``count`` for the end marker), for the blocks that started."""
    outputs: dict[int, str] = {}
    current: int | None = None
    for line in stdout.splitlines():
        marker = next((i for i in [*range(count), "end"] if line == MARKER.format(i)), None)
        if marker is not None:
            current = count if marker == "end" else int(marker)
            outputs[current] = ""
        elif current is not None:
            outputs[current] += line + "\n"
    return outputs


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except urllib.error.URLError:
        return False
