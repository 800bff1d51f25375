#!/usr/bin/env python
"""What one citizen report costs in CPU and PostgreSQL round trips, in process, part by part.

Run ``.venv/bin/python benchmarks/intake_cpu.py`` against the development database (``DATABASE_URL``;
``REDIS_URL`` and ``CACHE_KEY_PREFIX`` for Redis). It registers ``--devices`` devices, posts
``--warmup`` reports that are not measured (so that, as in ``benchmarks/intake.py``, the devices have a
history and most reports are held by the burst rule), then ``--reports`` measured ones, round-robin,
through ``django.test.Client`` and the whole middleware and DRF stack, with bodies like
``benchmarks/intake.py``'s. It prints per report:

* CPU of the request thread (``time.thread_time``) and of the process (``time.process_time``, which adds
  the live-events sender thread);
* CPU of PostgreSQL's backend process serving this connection (``/proc/PID/schedstat``, so PostgreSQL
  must run on this machine), statements sent (round trips besides ``BEGIN``/``COMMIT``), and commits;
* the same for each part of the request and of ``report_submit``: the functions are wrapped by a timer
  here, in this script only (module attributes replaced after ``django.setup()``). Times are inclusive:
  a part's figure contains its sub-parts'.

Times are CPU time, so other work on a shared machine weighs less than on wall-clock figures; it still
moves them by 10–20 %. To compare two versions, run both alternately (e.g. a ``git archive`` of the older
commit in a scratch directory) and compare the medians of a few runs of each. ``--profile N`` prints cProfile's
N most expensive functions (by own time) instead of timing parts; ``--statements`` prints PostgreSQL's CPU
per kind of statement instead (read around each statement).

It deletes what it created at the end (devices, their reports with cases, hits and referrals, the
referrals' delivery jobs); the append-only audit entries stay, as with ``benchmarks/intake.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import os
import pstats
import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.intake import report_bodies  # noqa: E402
from benchmarks.intake_figures import bbox_shrink, points_inside  # noqa: E402


class Meter:
    """CPU seconds and statements of each wrapped part (inclusive), and of whole requests."""

    def __init__(self) -> None:
        self.statements = 0
        self.on = False
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.sql: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.on:
                return function(*args, **kwargs)
            started, statements = time.thread_time(), self.statements
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu[name] += time.thread_time() - started
                self.calls[name] += 1
                self.sql[name] += self.statements - statements

        return timed

    def count_statement(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        return execute(sql, params, many, context)


class StatementMeter:
    """PostgreSQL's CPU per kind of statement (its first words), read from /proc around each one."""

    def __init__(self, backend: int) -> None:
        self.backend = backend
        self.on = False
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def measure(self, label: str, function: Callable[[], Any]) -> Any:
        if not self.on:
            return function()
        before = backend_cpu_seconds(self.backend)
        try:
            return function()
        finally:
            self.cpu[label] += backend_cpu_seconds(self.backend) - before
            self.calls[label] += 1

    def statement(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        label = " ".join(sql.split())[:70]
        return self.measure(label, lambda: execute(sql, params, many, context))


def _patch(meter: Meter, owner: Any, attribute: str, name: str | None = None) -> None:
    setattr(owner, attribute, meter.wrap(name or attribute, getattr(owner, attribute)))


def parts_wrap(meter: Meter) -> list[tuple[str, int]]:
    """Wrap the parts of a report's request; answers (name, indent) in the order they are printed."""
    from django.db import connection
    from rest_framework.views import APIView

    import api.views.reports
    import kernel.live
    import moderation.events
    import moderation.services
    import referrals.services
    import workflows.submit
    from api.authentication import DeviceTokenAuthentication
    from api.serializers.reports import ReportInputSerializer, ReportOutputSerializer
    from reports.models import Report

    _patch(meter, APIView, "dispatch", "view dispatch (DRF)")
    _patch(meter, DeviceTokenAuthentication, "authenticate", "device authentication")
    _patch(meter, api.views.reports, "rate_limits_enforce", "rate limits")
    _patch(meter, ReportInputSerializer, "is_valid", "input validation")
    _patch(meter, api.views.reports, "report_submit")
    _patch(meter, workflows.submit, "reference_places")
    _patch(meter, workflows.submit, "screening_context")
    _patch(meter, workflows.submit, "screen", "screen (rules engine)")
    if hasattr(workflows.submit, "_report_insert"):
        _patch(meter, workflows.submit, "_report_insert", "report INSERT")
    else:
        _patch(meter, Report.objects, "create", "report INSERT")
    _patch(meter, workflows.submit, "alert_consider")
    _patch(meter, moderation.services, "case_open")
    _patch(meter, moderation.events, "queue_event_send")
    _patch(meter, workflows.submit, "referrals_create")
    _patch(meter, referrals.services, "_defer", "procrastinate defer")
    _patch(meter, ReportOutputSerializer, "to_representation", "answer")
    _patch(meter, kernel.live, "group_send_safely", "live events after commit")
    _patch(meter, connection, "commit", "commit")
    return [
        ("view dispatch (DRF)", 0), ("device authentication", 1), ("rate limits", 1), ("input validation", 1),
        ("report_submit", 1), ("reference_places", 2), ("screening_context", 2), ("screen (rules engine)", 2),
        ("report INSERT", 2), ("alert_consider", 2), ("case_open", 2), ("queue_event_send", 3),
        ("referrals_create", 2), ("procrastinate defer", 3), ("commit", 2), ("live events after commit", 2),
        ("answer", 1),
    ]


def backend_cpu_seconds(pid: int) -> float:
    """CPU time of a process on this machine (a PostgreSQL backend, Redis), in seconds (the scheduler's
    nanoseconds)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def setup(args: argparse.Namespace) -> None:
    os.environ.setdefault("LANTERN_ENV", "development")
    os.environ.update({
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        # One connection for the whole run (no pool, never closed between requests): its backend's CPU
        # can be read from /proc.
        "DATABASE_POOL": "0",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "RATE_REPORT_PER_DEVICE": "1000000/h",
        "RATE_REPORT_PER_IP": "10000000/h",
    })
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["CONN_MAX_AGE"] = None


def devices_register(count: int) -> list[tuple[str, str]]:
    from reports.services import device_register

    return [(str(device.pk), token) for device, token in
            (device_register(platform="android", locale="en", time_zone="Europe/Brussels") for _ in range(count))]


def bodies_build(count: int, seed: int) -> list[bytes]:
    """As benchmarks/intake.py builds them, from what the API says of the service area and categories."""
    from django.test import Client

    client = Client()
    area = client.get("/api/v1/service-area/")
    if area.status_code != 200:
        raise SystemExit("no service area: run `manage.py seed_demo --reports 0` first")
    area = area.json()
    categories = [c["code"] for c in client.get("/api/v1/categories/").json() if c["kind"] == "incident"]
    rng = random.Random(seed)
    points = points_inside(area["geometry"], bbox_shrink(tuple(area["bbox"]), 0.1), count, rng)
    intake, _ = report_bodies(points, categories, rng)
    return intake


def cleanup(device_ids: Sequence[str]) -> None:
    from django.db import connection

    from referrals.models import Referral
    from reports.models import Device, Report

    referrals = [
        str(pk) for pk in Referral.objects.filter(report__device_id__in=device_ids).values_list("pk", flat=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'referrals.deliver' "
                       "AND args->>'referral_id' = ANY(%s)", [referrals])
    Report.objects.filter(device_id__in=device_ids).delete()
    Device.objects.filter(id__in=device_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) alerts_report, alerts_device, moderation_case, moderation_rulehit, "
                       "referrals_referral, procrastinate_jobs")


def run(args: argparse.Namespace) -> int:
    setup(args)
    from django.db import connection
    from django.test import Client

    from moderation.engine import warm_up

    meter = Meter()
    order = parts_wrap(meter) if not (args.profile or args.statements) else []
    warm_up()
    devices = devices_register(args.devices)
    try:
        bodies = bodies_build(args.warmup + args.reports, args.seed)
        clients = [Client(HTTP_AUTHORIZATION=f"Bearer {token}") for _, token in devices]
        statuses: dict[int, int] = defaultdict(int)
        with contextlib.ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(meter.count_statement))

            def post(n: int) -> None:
                response = clients[n % len(clients)].post(
                    "/api/v1/reports/", bodies[n], content_type="application/json", HTTP_ACCEPT="application/json"
                )
                statuses[response.status_code] += 1
                if response.status_code != 201 and statuses[response.status_code] == 1:
                    print(f"[warning] {response.status_code}: {response.content[:500]!r}", flush=True)

            for n in range(args.warmup):
                post(n)
            with connection.cursor() as cursor:
                # As autovacuum would by now in a server's run: plans made for the near-empty table of the
                # start (a scan of every recent report) would weigh on the figures.
                cursor.execute("ANALYZE alerts_report, moderation_case, moderation_rulehit, moderation_auditentry, "
                               "referrals_referral, procrastinate_jobs")
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            held = _held_count(devices)
            statement_meter = StatementMeter(backend)
            if args.statements:
                commit = connection.commit
                connection.commit = lambda: statement_meter.measure("COMMIT", commit)
                stack.enter_context(connection.execute_wrapper(statement_meter.statement))
                statement_meter.on = True
            profile = cProfile.Profile(time.process_time) if args.profile else None
            meter.on = True
            statements, pg = meter.statements, backend_cpu_seconds(backend)
            sender, redis_pid = _sender_clock(), _redis_pid()
            thread, process, sent = time.thread_time(), time.process_time(), _clock(sender)
            redis_cpu = backend_cpu_seconds(redis_pid) if redis_pid else 0.0
            if profile:
                profile.enable()
            for n in range(args.warmup, args.warmup + args.reports):
                post(n)
            if profile:
                profile.disable()
            thread, process = time.thread_time() - thread, time.process_time() - process
            sent = _clock(sender) - sent
            redis_cpu = backend_cpu_seconds(redis_pid) - redis_cpu if redis_pid else 0.0
            pg = backend_cpu_seconds(backend) - pg
            statements = meter.statements - statements
            meter.on = statement_meter.on = False
            held = _held_count(devices) - held
    finally:
        cleanup([device_id for device_id, _ in devices])
    m = args.reports
    print(f"{m} reports from {args.devices} devices after {args.warmup} unmeasured; answers "
          + ", ".join(f"{code}×{count}" for code, count in sorted(statuses.items()))
          + f"; {held} of the measured held for review")
    commits = meter.calls.get("commit", 0) or statement_meter.calls.get("COMMIT", 0)
    print(f"per report: request thread {thread / m * 1000:.2f} ms CPU, process {process / m * 1000:.2f} ms "
          f"(of which the live-events sender {sent / m * 1000:.2f}), PostgreSQL backend {pg / m * 1000:.2f} ms; "
          f"{statements / m:.2f} statements + {commits / m:.2f} commits; Redis server {redis_cpu / m * 1000:.2f} ms "
          "(all its clients)")
    if args.statements:
        print(f"{'statement':<72} {'per report':>10} {'PG ms each':>10} {'PG ms/report':>12}")
        for label, cpu in sorted(statement_meter.cpu.items(), key=lambda item: -item[1]):
            calls = statement_meter.calls[label]
            print(f"{label:<72} {calls / m:>10.2f} {cpu / calls * 1000:>10.3f} {cpu / m * 1000:>12.3f}")
        return 0
    if profile:
        if args.profile_file:
            profile.dump_stats(args.profile_file)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
        return 0
    print(f"{'part':<34} {'ms CPU/report':>13} {'calls/report':>12} {'statements/report':>17}")
    for name, indent in order:
        print(f"{'  ' * indent + name:<34} {meter.cpu[name] / m * 1000:>13.3f} {meter.calls[name] / m:>12.2f} "
              f"{meter.sql[name] / m:>17.2f}")
    return 0


def _sender_clock() -> int | None:
    """The CPU clock of the thread that sends live events to Redis (kernel/live.py), once it runs."""
    for thread in threading.enumerate():
        if thread.name == "lantern-live-events" and thread.ident is not None:
            return time.pthread_getcpuclockid(thread.ident)
    return None


def _redis_pid() -> int | None:
    """Redis's process id when it runs on this machine (its CPU is read from /proc), else None."""
    import redis
    from django.conf import settings

    try:
        pid = int(redis.Redis.from_url(settings.REDIS_URL).info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}/schedstat").exists() else None


def _clock(clock: int | None) -> float:
    return time.clock_gettime(clock) if clock is not None else 0.0


def _held_count(devices: Sequence[tuple[str, str]]) -> int:
    from reports.models import Report

    return Report.objects.filter(device_id__in=[d for d, _ in devices], status=Report.Status.PENDING_REVIEW).count()


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=50, help="devices, round-robin (default 50)")
    parser.add_argument("--warmup", type=int, default=600,
                        help="reports posted before measuring (default 600: 12 per device, past the burst rule)")
    parser.add_argument("--reports", type=int, default=1000, help="measured reports (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies (default 1)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print cProfile's N costliest functions (own time) instead of the parts")
    parser.add_argument("--profile-file", type=Path, metavar="FILE",
                        help="with --profile, also write the profile to FILE (for pstats or snakeviz)")
    parser.add_argument("--statements", action="store_true",
                        help="print PostgreSQL's CPU per kind of statement instead of the parts")
    args = parser.parse_args(argv)
    if args.devices <= 0 or args.reports <= 0 or args.warmup < 0:
        parser.error("--devices and --reports must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    status = run(args)
    print(f"({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f}; "
          f"median of runs: compare alternately)", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
