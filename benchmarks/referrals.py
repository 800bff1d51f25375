#!/usr/bin/env python
"""How fast referrals reach a partner: deliveries per second with one and two workers, and the time from
a report's submission to its delivery.

Run ``.venv/bin/python benchmarks/referrals.py``. It creates a scratch database (``--database``, dropped at
the end unless ``--keep``), migrates it, makes a small town with one police partner whose webhook is a
local HTTP receiver on 127.0.0.1 (answering 200 at once), then:

* throughput: submits ``--backlog`` reports with consent to the police while no worker runs, starts
  1 (then 2) real ``manage.py procrastinate worker`` processes and times the deliveries, first arrival to
  last, at the receiver;
* latency: with the workers running, submits ``--rate`` reports a second for ``--seconds`` through
  ``report_submit`` (moderation, routing, outbox, all of it) and measures, per referral, the time from the
  intake transaction's commit to the signed webhook's arrival: p50 and p95.

The figures describe the outbox, the job queue and the webhook transport on this machine; the receiver
does no work, so a real partner's latency adds to them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), linear interpolation between closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Receiver:
    """A partner's webhook that answers 200 at once and notes when each event arrived."""

    arrivals: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                event = self.headers.get("X-Lantern-Event-Id") or json.loads(body)["event_id"]
                with receiver.lock:
                    receiver.arrivals.setdefault(event, []).append(arrived)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def count(self, events: set[str]) -> int:
        with self.lock:
            return sum(1 for event in events if event in self.arrivals)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def database_url(name: str) -> str:
    return f"postgis://lantern@127.0.0.1:5432/{name}"


def database_create(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://lantern@127.0.0.1:5432/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://lantern@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "referrals"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def worker_stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def wait_until(predicate: Any, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Town:
    """Django-side set-up and submissions (imported after django.setup())."""

    def __init__(self, endpoint: str) -> None:
        from django.contrib.gis.geos import MultiPolygon, Point, Polygon

        from referrals.models import Jurisdiction, Partner
        from reports.models import Category
        from reports.services import device_register, service_area_activate

        box = MultiPolygon(Polygon.from_bbox((3.69, 51.04, 3.75, 51.07)), srid=4326)
        service_area_activate(name="Benchmark town", boundary=box)
        jurisdiction, _ = Jurisdiction.objects.get_or_create(
            name="Benchmark police area", defaults={"kind": "police_area", "boundary": box}
        )
        partner, _ = Partner.objects.update_or_create(
            name="Benchmark police",
            defaults={"kind": "police", "channel": "webhook", "endpoint": endpoint,
                      "signing_secret": "benchmark-secret-0123456789abcdef"},
        )
        partner.jurisdictions.set([jurisdiction])
        self.category = Category.objects.get(code="property.bicycle_theft")
        self.point = Point(3.7250, 51.0543, srid=4326)
        self.devices = [device_register(platform="android")[0] for _ in range(20)]
        self._next = 0

    def submit(self) -> tuple[str, float]:
        """One report with consent to the police; answers its referral's event id and the commit time."""
        from datetime import timedelta

        from django.utils import timezone

        from workflows.submit import Consent, report_submit

        device = self.devices[self._next % len(self.devices)]
        self._next += 1
        report = report_submit(
            device=device, kind="incident", category=self.category,
            description="My bicycle was taken from the rack near the library.", location=self.point,
            accuracy_m=10, occurred_at=timezone.now() - timedelta(hours=2), consent=Consent(share_with_police=True),
        ).report
        committed = time.time()
        return str(report.referrals.values_list("event_id", flat=True).get()), committed

    def reset(self) -> None:
        from django.db import connection

        from reports.models import Report

        Report.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs")


def throughput(town: Town, receiver: Receiver, env: dict[str, str], *, workers: int, backlog: int) -> dict[str, float]:
    town.reset()
    started = time.monotonic()
    events = {town.submit()[0] for _ in range(backlog)}
    intake = backlog / (time.monotonic() - started)
    running = [worker_start(env) for _ in range(workers)]
    try:
        if not wait_until(lambda: receiver.count(events) == backlog, seconds=max(120, backlog)):
            raise RuntimeError(f"only {receiver.count(events)}/{backlog} referrals arrived")
    finally:
        for worker in running:
            worker_stop(worker)
    arrivals = sorted(receiver.arrivals[event][0] for event in events)
    duplicates = sum(len(receiver.arrivals[event]) - 1 for event in events)
    return {
        "workers": workers, "deliveries": backlog, "per_second": (backlog - 1) / (arrivals[-1] - arrivals[0]),
        "intake_per_second": intake, "duplicates": duplicates,
    }


def latency(
    town: Town, receiver: Receiver, env: dict[str, str], *, workers: int, rate: float, seconds: float
) -> dict[str, float]:
    town.reset()
    running = [worker_start(env) for _ in range(workers)]
    try:
        # Warm up: the workers are connected and listening once a first referral has gone through.
        first = {town.submit()[0]}
        if not wait_until(lambda: receiver.count(first) == 1, seconds=60):
            raise RuntimeError("the workers did not start")
        submitted: dict[str, float] = {}
        count = int(rate * seconds)
        start = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            event, committed = town.submit()
            submitted[event] = committed
        if not wait_until(lambda: receiver.count(set(submitted)) == count, seconds=120):
            raise RuntimeError(f"only {receiver.count(set(submitted))}/{count} referrals arrived")
    finally:
        for worker in running:
            worker_stop(worker)
    delays = [(receiver.arrivals[event][0] - committed) * 1000 for event, committed in submitted.items()]
    return {"workers": workers, "deliveries": len(delays), "rate": rate, "p50_ms": percentile(delays, 50),
            "p95_ms": percentile(delays, 95), "max_ms": max(delays)}


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=400, help="referrals queued for the throughput runs (400)")
    parser.add_argument("--rate", type=float, default=10, help="submissions a second in the latency runs (10)")
    parser.add_argument("--seconds", type=float, default=20, help="length of each latency run (20)")
    parser.add_argument("--database", default="lantern_bench_referrals", help="scratch database (created, dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    env = os.environ | {
        "LANTERN_ENV": os.environ.get("LANTERN_ENV", "development"),
        "DATABASE_URL": database_url(args.database),
        "PROCRASTINATE_LOG_LEVEL": "ERROR",
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLE": "0",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    database_create(args.database)
    receiver = Receiver()
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        import django

        django.setup()
        town = Town(receiver.url)
        rows_t = [throughput(town, receiver, env, workers=n, backlog=args.backlog) for n in (1, 2)]
        rows_l = [latency(town, receiver, env, workers=n, rate=args.rate, seconds=args.seconds) for n in (1, 2)]
    finally:
        receiver.close()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(args.database)
    print(f"Referral delivery on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}),"
          " webhook to a local receiver answering 200 at once")
    print("\nthroughput (a backlog drained by real workers):")
    print("  workers  deliveries  deliveries/s  duplicates")
    for row in rows_t:
        print(f"  {row['workers']:>7}  {row['deliveries']:>10}  {row['per_second']:>12.1f}  {row['duplicates']:>10}")
    print(f"  (intake while queueing: {rows_t[0]['intake_per_second']:.0f} reports/s, one client)")
    print("\nsubmission → delivery (intake commit to webhook arrival):")
    print("  workers  rate/s  deliveries  p50 ms  p95 ms  max ms")
    for row in rows_l:
        print(f"  {row['workers']:>7}  {row['rate']:>6.0f}  {row['deliveries']:>10}  {row['p50_ms']:>6.0f}"
              f"  {row['p95_ms']:>6.0f}  {row['max_ms']:>6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
