"""What an operator reads: every scheduled job is in docs/operations.md, and no shipped file points outside
the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from procrastinate.contrib.django import app

REPO = Path(__file__).resolve().parents[2]


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    after = re.search(r"^## ", text[start + len(heading):], re.MULTILINE)
    return text[start: start + len(heading) + after.start()] if after else text[start:]


def test_operations_lists_every_scheduled_job_the_worker_runs():
    section = _section((REPO / "docs" / "operations.md").read_text(encoding="utf-8"), "## Scheduled jobs")
    listed = set(re.findall(r"^\| `([\w.]+)` \|", section, re.MULTILINE))
    scheduled = {periodic.task.name for periodic in app.periodic_registry.periodic_tasks.values()}
    assert len(scheduled) >= 5
    unlisted = {name for name in scheduled if name not in listed and name.rsplit(".", 1)[-1] not in listed}
    assert not unlisted, f"docs/operations.md does not list {sorted(unlisted)}"


def test_no_shipped_file_links_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    outside = [
        name for name in tracked.splitlines()
        if name.endswith((".md", ".py", ".html", ".yml", ".toml", ".sh", ".txt", "Makefile", "Dockerfile"))
        and not name.startswith("tests/")
        and "../shared" in (REPO / name).read_text(encoding="utf-8", errors="replace")
    ]
    assert not outside
