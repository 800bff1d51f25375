"""benchmarks/soak.py: its pure helpers, and one run of a few seconds at a low rate against its own server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from benchmarks.soak import (
    SECTION_END,
    SECTION_START,
    Database,
    growth,
    markdown_section_update,
    role_of,
    rss_kib,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_resident_size_is_read_from_proc_status():
    assert rss_kib("Name:\tpython\nVmPeak:\t  9000 kB\nVmRSS:\t  123456 kB\nThreads: 4\n") == 123456
    assert rss_kib("Name:\tkthreadd\n") is None


def test_growth_is_relative_to_the_first_sample():
    assert growth(200, 220) == 0.1
    assert growth(200, 180) == -0.1


def test_processes_are_told_apart_by_what_they_run():
    assert role_of("python manage.py jobs_worker", leads_group=True, parent_is_web=False) == "job worker"
    assert role_of(".venv/bin/uvicorn backend.asgi:application", leads_group=True, parent_is_web=False) == (
        "web supervisor")
    assert role_of("python -c from multiprocessing.spawn import spawn_main", leads_group=False,
                   parent_is_web=True) == "web worker"
    assert role_of("python -c from multiprocessing.resource_tracker import main", leads_group=False,
                   parent_is_web=True) is None


def test_the_soak_section_is_replaced_and_the_rest_of_the_page_kept():
    page = f"# Performance\n\n{SECTION_START}\nold\n{SECTION_END}\n\n## After\n"
    updated = markdown_section_update(page, "new")
    assert f"{SECTION_START}\nnew\n{SECTION_END}" in updated and "old" not in updated
    assert updated.endswith("## After\n")


def test_a_short_soak_at_a_low_rate_reports_its_figures_and_leaves_nothing_behind():
    url = urlsplit(os.environ.get("DATABASE_URL", "postgis://lantern@127.0.0.1:5432/lantern"))
    test_database = os.environ.get("TEST_DATABASE_NAME") or f"test_{url.path.lstrip('/') or 'lantern'}"
    database_url = url._replace(path=f"/{test_database}").geturl()
    done = subprocess.run(
        [sys.executable, "benchmarks/soak.py", "--rate", "3", "--minutes", "0.1", "--sockets", "2", "--devices",
         "3", "--every", "2", "--warmup", "1", "--web-workers", "1"],
        cwd=ROOT, env=os.environ | {"DATABASE_URL": database_url}, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    output = done.stdout
    assert "last 2 s:" in output  # progress while it runs
    assert "Errors: 0 (aim 0: met)" in output
    assert "Answers: 201×18" in output
    assert "p50" in output and "p99" in output
    assert "job worker (pid" in output and "web server (pid" in output
    soak = Database(database_url)
    with psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "lantern",
                         dbname="postgres") as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [soak.name]).fetchone() is None
