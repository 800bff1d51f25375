"""Real ``manage.py procrastinate worker`` processes against the test database, for the tests that need
the job queue itself (priorities, concurrency, a worker killed mid-delivery)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# Short enough for a test, in the order the settings demand (the lease outlasts the timeout).
WORKER_TIMEOUT_SECONDS, WORKER_LEASE_SECONDS = 3, 5


def jobs_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


def worker_start(*options: str, **environment: str) -> subprocess.Popen[bytes]:
    """A worker on the referrals queue; ``options`` are the worker's own (``--concurrency 3``), and
    ``environment`` overrides settings (``REFERRAL_PARTNER_CONCURRENCY="1"``)."""
    database = connection.settings_dict
    env = os.environ | {
        "LANTERN_ENV": "test",
        "DATABASE_URL": (
            f"postgis://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DATABASE_POOL": "0",
        "REFERRAL_WEBHOOK_TIMEOUT_SECONDS": str(WORKER_TIMEOUT_SECONDS),
        "REFERRAL_DELIVERY_LEASE_SECONDS": str(WORKER_LEASE_SECONDS),
        "LOG_LEVEL": "WARNING",
    } | environment
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "referrals", *options],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def worker_stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
