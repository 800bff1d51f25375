#!/usr/bin/env python
"""How fast Lantern takes in citizens' reports, compared with a bare DRF create endpoint.

Run ``.venv/bin/python benchmarks/intake.py`` (or ``make bench``). It migrates the development database,
makes sure a service area exists, starts its own uvicorn server on a free 127.0.0.1 port, registers
devices, then measures for ``POST /api/v1/reports/`` (the real intake) and ``POST /bench/bare/`` (a plain
``CreateAPIView`` on a comparable PostGIS table):

* phase A, saturation: ``--concurrency`` closed-loop clients for ``--seconds`` per endpoint, in
  ``--rounds`` slices alternating the two endpoints (each after a warm-up): throughput of 2xx answers
  and p50/p95/p99 latency;
* phase B, fixed rate: ``--rate`` requests a second, open loop (a send never waits for an earlier
  answer), for ``--seconds``: p50/p95/p99 latency counted from the *scheduled* send time, and errors.

It stops by itself, kills the server on exit (Ctrl-C included) and deletes the devices, reports and
baseline rows it created (or writes their ids to ``var/`` for the next run's clean-up). This process
never imports Django: set-up and clean-up go through ``manage.py``, the load through HTTP, so the
figures describe the server alone.

The product's aims: intake throughput at least half the bare endpoint's; p95 under 100 ms at 50 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
UVICORN = Path(sys.executable).with_name("uvicorn")

INTAKE_PATH = "/api/v1/reports/"
BARE_PATH = "/bench/bare/"
HEALTH_PATH = "/api/v1/health/"
# Devices (and a service area) a run could not delete, e.g. because the code did not load at the end.
LEFTOVERS = ROOT / "var" / "benchmarks-intake-leftovers.json"

AIM_THROUGHPUT_RATIO = 0.5
AIM_P95_MS = 100.0

REQUEST_TIMEOUT_S = 30.0
SECTION_START = "<!-- intake-benchmark:start -->"
SECTION_END = "<!-- intake-benchmark:end -->"

# Ordinary, harmless texts of typical length: nothing here should look like an emergency or name anyone.
DESCRIPTIONS = (
    "My bicycle was taken from the rack near the library while I was inside for an hour.",
    "Someone broke the side window of a parked car on this street during the night.",
    "A group was shouting and throwing bottles near the tram stop late in the evening.",
    "My phone was taken from my jacket pocket on the crowded bus this afternoon.",
    "The bus shelter glass was smashed again, there are shards all over the pavement.",
)

BBox = tuple[float, float, float, float]


# --- pure helpers (tested in tests/benchmarks/test_intake_script.py) ---------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def schedule_offsets(rate: float, seconds: float) -> list[float]:
    """Send times, in seconds from the start, of an open-loop load of ``rate`` requests a second.

    Evenly spaced, first at 0, all strictly before ``seconds``: ``rate × seconds`` of them.
    """
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    count = math.ceil(rate * seconds - 1e-9)
    return [i / rate for i in range(count)]


def bbox_shrink(bbox: BBox, fraction: float) -> BBox:
    """``bbox`` (west, south, east, north) with ``fraction`` of its width and height taken off, centred."""
    if not 0 <= fraction < 1:
        raise ValueError("fraction must be in [0, 1)")
    west, south, east, north = bbox
    dx, dy = (east - west) * fraction / 2, (north - south) * fraction / 2
    return west + dx, south + dy, east - dx, north - dy


def _ring_contains(ring: Sequence[Sequence[float]], x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise([tuple(p[:2]) for p in ring]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def point_in_geometry(lng: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Whether a point lies inside a GeoJSON Polygon or MultiPolygon (holes respected, even-odd rule)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")
    for rings in polygons:
        outer, *holes = rings
        if _ring_contains(outer, lng, lat) and not any(_ring_contains(hole, lng, lat) for hole in holes):
            return True
    return False


def points_inside(
    geometry: dict[str, Any], bbox: BBox, count: int, rng: random.Random, *, max_tries: int = 100_000
) -> list[tuple[float, float]]:
    """``count`` random points of ``bbox`` that fall inside ``geometry`` (rejection sampling, bounded)."""
    west, south, east, north = bbox
    points: list[tuple[float, float]] = []
    for _ in range(max_tries):
        lng, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
        if point_in_geometry(lng, lat, geometry):
            points.append((lng, lat))
            if len(points) == count:
                return points
    raise RuntimeError(f"found only {len(points)} of {count} points inside the service area")


def markdown_section_update(document: str, section: str) -> str:
    """``document`` with the text between the benchmark markers replaced by ``section`` (appended,
    markers included, when the markers are missing)."""
    block = f"{SECTION_START}\n{section.strip()}\n{SECTION_END}"
    start, end = document.find(SECTION_START), document.find(SECTION_END)
    if start != -1 and end > start:
        return document[:start] + block + document[end + len(SECTION_END):]
    return document.rstrip("\n") + ("\n\n" if document.strip() else "") + block + "\n"


# --- results -----------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    endpoint: str
    phase: str
    load: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of 2xx answers, in seconds
    rejected: int = 0  # 422: the server found the point outside the service area
    statuses: Counter[str] = field(default_factory=Counter)  # anything else: status code or exception name
    # CPU seconds over metered wall seconds (summed over rounds); machine as busy/total jiffies.
    metered_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    machine_ticks: tuple[int, int] = (0, 0)
    max_send_lag_ms: float | None = None
    warmup_requests: int = 0
    warmup_slowest_ms: float = 0.0  # a cold start (first queries, lazily built caches) shows here

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(self.statuses.values())

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def quantile_ms(self, q: float) -> float | None:
        return percentile(self.latencies, q) * 1000 if self.latencies else None

    @property
    def client_cpu(self) -> float:
        """The load generator's CPU, as a share of one core."""
        return self.client_cpu_s / self.metered_s if self.metered_s else 0.0

    @property
    def server_cpu(self) -> float:
        """All uvicorn processes' CPU together, as a share of one core."""
        return self.server_cpu_s / self.metered_s if self.metered_s else 0.0

    @property
    def machine_busy(self) -> float:
        """The whole machine, as a share of all its cores."""
        busy, total = self.machine_ticks
        return busy / total if total else 0.0


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def results_table(results: Sequence[PhaseResult]) -> list[list[str]]:
    rows = [["endpoint", "phase", "load", "2xx", "422", "errors", "2xx/s", "p50 ms", "p95 ms", "p99 ms",
             "client CPU", "server CPU", "machine busy"]]
    for r in results:
        rows.append([
            r.endpoint, r.phase, r.load, str(r.ok), str(r.rejected), str(r.errors), f"{r.throughput:.1f}",
            _ms(r.quantile_ms(50)), _ms(r.quantile_ms(95)), _ms(r.quantile_ms(99)),
            f"{r.client_cpu:.0%}", f"{r.server_cpu:.0%}", f"{r.machine_busy:.0%}",
        ])
    return rows


def _find(results: Sequence[PhaseResult], endpoint: str, phase: str) -> PhaseResult | None:
    return next((r for r in results if r.endpoint == endpoint and r.phase == phase), None)


def verdicts(results: Sequence[PhaseResult]) -> list[str]:
    lines = []
    intake, bare = _find(results, "intake", "saturation"), _find(results, "bare", "saturation")
    if intake and bare and bare.throughput:
        ratio = intake.throughput / bare.throughput
        met = "met" if ratio >= AIM_THROUGHPUT_RATIO else "MISSED"
        lines.append(f"Throughput intake/bare: {ratio:.3f} (aim ≥ {AIM_THROUGHPUT_RATIO:.2f}: {met})")
    fixed = _find(results, "intake", "fixed rate")
    if fixed:
        p95 = fixed.quantile_ms(95)
        met = "met" if p95 is not None and p95 < AIM_P95_MS and not fixed.errors else "MISSED"
        lines.append(f"Intake p95 at {fixed.load}: {_ms(p95)} ms, {fixed.errors} errors "
                     f"(aim < {AIM_P95_MS:.0f} ms, no errors: {met})")
    for r in results:
        if r.statuses:
            lines.append(f"{r.endpoint} {r.phase} errors: "
                         + ", ".join(f"{k}×{v}" for k, v in r.statuses.most_common()))
        if r.warmup_requests:
            lines.append(f"{r.endpoint} {r.phase} warm-up: {r.warmup_requests} requests, the slowest "
                         f"answered in {r.warmup_slowest_ms:.0f} ms")
        if r.max_send_lag_ms is not None and r.max_send_lag_ms > 20:
            lines.append(f"{r.endpoint} {r.phase}: the load generator sent up to "
                         f"{r.max_send_lag_ms:.0f} ms late")
    return lines


def format_text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(w) if i > 2 else cell.ljust(w) for i, (cell, w) in
                               enumerate(zip(row, widths, strict=True))) for row in rows)


def format_markdown_table(rows: Sequence[Sequence[str]]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in
                                                             range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


# --- machine and process measurements ----------------------------------------------------------


def machine_description() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {model}, {platform.system()} " \
           f"{platform.release()}, Python {platform.python_version()}"


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def machine_busy_now(seconds: float = 1.0) -> float:
    """Share of all cores busy over the next ``seconds``: other work on the box skews every figure."""
    busy, total = _machine_ticks()
    time.sleep(seconds)
    busy2, total2 = _machine_ticks()
    return (busy2 - busy) / max(total2 - total, 1)


def _process_tree_ticks(root_pid: int) -> int:
    """utime + stime (jiffies) of ``root_pid`` and its direct children (uvicorn's workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        pid, ppid = int(entry.name), int(rest[1])
        if pid == root_pid or ppid == root_pid:
            total += int(rest[11]) + int(rest[12])
    return total


class CpuMeter:
    """CPU used between ``start()`` and ``stop()`` by this process, the server and the whole machine."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.hz = os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self._machine = _machine_ticks()
        self._server = _process_tree_ticks(self.server_pid) if self.server_pid else 0

    def stop(self, result: PhaseResult) -> None:
        """Add what was used since ``start()`` to ``result``."""
        result.metered_s += time.perf_counter() - self._wall
        result.client_cpu_s += time.process_time() - self._cpu
        busy, total = _machine_ticks()
        before_busy, before_total = self._machine
        result.machine_ticks = (
            result.machine_ticks[0] + busy - before_busy, result.machine_ticks[1] + total - before_total
        )
        if self.server_pid:
            result.server_cpu_s += (_process_tree_ticks(self.server_pid) - self._server) / self.hz


# --- the server and manage.py ------------------------------------------------------------------


def server_environment(*, workers: int, rate_limits: bool = True) -> dict[str, str]:
    """The server's environment. Rate limits stay checked (raised out of the way) unless ``rate_limits``
    is false: then they are switched off, which prices their checks."""
    env = dict(os.environ)
    env.update({
        "LANTERN_ENV": "development",
        "DEBUG": "0",
        "LANTERN_BENCHMARK_ENDPOINTS": "1",
        "RATE_REPORT_PER_DEVICE": "100000/h",
        "RATE_REPORT_PER_IP": "1000000/h",
        "RATE_DEVICE_REGISTER_PER_IP": "100000/h",
        "WEB_CONCURRENCY": str(workers),
        "PYTHONUNBUFFERED": "1",
    })
    if not rate_limits:
        env.update({"RATE_REPORT_PER_DEVICE": "", "RATE_REPORT_PER_IP": ""})
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run ``manage.py`` with ``args``; answers its stdout, raises with its stderr on failure."""
    done = subprocess.run(
        [sys.executable, str(MANAGE), *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def manage_shell(env: dict[str, str], code: str) -> dict[str, Any]:
    """Run ``code`` in ``manage.py shell``; it must print one line ``BENCH <json>``, which is answered."""
    output = manage(env, "shell", "-v", "0", "-c", code, timeout=120)
    for line in output.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[len("BENCH "):])
    raise RuntimeError(f"manage.py shell printed no result:\n{output[-2000:]}")


_AREA_CHECK = """
import json
from reports.selectors import service_area_active
area = service_area_active()
print("BENCH " + json.dumps({"area": area.name if area else None}))
"""

# A last resort when seed_demo is missing or fails: the test town of tests/factories.py, around Ghent.
_AREA_CREATE = """
import json
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from reports.models import District, ServiceArea
from reports.selectors import service_area_active
def box(w, s, e, n):
    return MultiPolygon(Polygon.from_bbox((w, s, e, n)), srid=4326)
area, created = service_area_active(), None
if area is None:
    area = ServiceArea.objects.create(name="Benchmark town", boundary=box(3.69, 51.04, 3.75, 51.07),
                                      center=Point(3.72, 51.055, srid=4326))
    for name, west, east in (("West", 3.69, 3.72), ("East", 3.72, 3.75)):
        District.objects.create(service_area=area, name=name, slug=name.lower(),
                                boundary=box(west, 51.04, east, 51.07))
    created = area.pk
print("BENCH " + json.dumps({"area": area.name, "created": created}))
"""

# Also deletes the delivery jobs of the run's referrals (no worker runs during a benchmark), then vacuums
# what it deleted: with autovacuum off (as on some development machines) dead rows of earlier runs stayed in
# the indexes and each run was slower than the last (intake 83 → 65 reports a second over four runs).
_CLEANUP = """
import json
from django.db import connection
from reports.models import Device, Report, ServiceArea
from benchmarks.models import BenchReport
from referrals.models import Referral
ids = json.loads({ids!r})
referrals = [str(pk) for pk in Referral.objects.filter(report__device_id__in=ids).values_list("pk", flat=True)]
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo' AND task_name = 'referrals.deliver' "
                   "AND args->>'referral_id' = ANY(%s)", [referrals])
reports = Report.objects.filter(device_id__in=ids).delete()[0] if ids else 0
devices = Device.objects.filter(id__in=ids).delete()[0] if ids else 0
bench = BenchReport.objects.all().delete()[0]
area = {area!r}
if area is not None:
    ServiceArea.objects.filter(pk=area).delete()
with connection.cursor() as cursor:
    cursor.execute("VACUUM (ANALYZE) alerts_report, alerts_device, moderation_case, moderation_rulehit, "
                   "referrals_referral, procrastinate_jobs, benchmarks_benchreport")
print("BENCH " + json.dumps({{"reports": reports, "devices": devices, "bench": bench}}))
"""


@dataclass
class Created:
    """What this run put in the database, for the clean-up."""

    device_ids: list[str] = field(default_factory=list)
    service_area_id: int | None = None

    def any(self) -> bool:
        return bool(self.device_ids) or self.service_area_id is not None

    def leftovers_load(self) -> None:
        """Take over what an earlier run wrote down and could not delete, so that this clean-up does."""
        if not LEFTOVERS.exists():
            return
        earlier = json.loads(LEFTOVERS.read_text())
        known = set(self.device_ids)
        more = [device_id for device_id in earlier.get("device_ids", []) if device_id not in known]
        self.device_ids = [*self.device_ids, *more]
        if self.service_area_id is None:
            self.service_area_id = earlier.get("service_area_id")
        if more:
            print(f"[cleanup] also deleting {len(more)} devices an earlier run left behind", flush=True)

    def leftovers_save(self) -> None:
        """Write down what this run created, keeping what earlier runs wrote there."""
        earlier = json.loads(LEFTOVERS.read_text()) if LEFTOVERS.exists() else {}
        device_ids = list(dict.fromkeys([*earlier.get("device_ids", []), *self.device_ids]))
        area = self.service_area_id if self.service_area_id is not None else earlier.get("service_area_id")
        LEFTOVERS.parent.mkdir(parents=True, exist_ok=True)
        LEFTOVERS.write_text(json.dumps({"device_ids": device_ids, "service_area_id": area}))


def database_prepare(env: dict[str, str], created: Created) -> str:
    """Migrate, and make sure a service area exists. Answers its name."""
    print("[setup] manage.py migrate", flush=True)
    manage(env, "migrate", "--no-input", "-v", "0")
    area = manage_shell(env, _AREA_CHECK)["area"]
    if area:
        return str(area)
    if (ROOT / "backend" / "management" / "commands" / "seed_demo.py").exists():
        print("[setup] no service area: manage.py seed_demo --reports 0", flush=True)
        try:
            manage(env, "seed_demo", "--reports", "0")
        except RuntimeError as exc:
            print(f"[setup] seed_demo failed, creating a small service area instead: {exc}", flush=True)
    answer = manage_shell(env, _AREA_CREATE)
    created.service_area_id = answer["created"]
    return str(answer["area"])


def database_cleanup(env: dict[str, str], created: Created) -> None:
    """Delete this run's devices, their reports, the baseline rows (and the service area if this run
    made it), plus whatever earlier runs wrote down as left behind."""
    created.leftovers_load()
    code = _CLEANUP.format(ids=json.dumps(created.device_ids), area=created.service_area_id)
    try:
        answer = manage_shell(env, code)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        created.leftovers_save()
        print(f"[cleanup] failed: {exc}\n[cleanup] what remains is listed in {LEFTOVERS}; the next run "
              "deletes it", file=sys.stderr, flush=True)
        return
    LEFTOVERS.unlink(missing_ok=True)
    print(f"[cleanup] deleted {answer['devices']} devices, {answer['reports']} rows of their reports "
          f"(cascades included), {answer['bench']} baseline rows"
          + (", the service area" if created.service_area_id else ""), flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """uvicorn in a process group of its own, so that stopping it stops its workers too."""

    def __init__(self, env: dict[str, str], *, workers: int) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = tempfile.NamedTemporaryFile(
            prefix="lantern-bench-server-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [str(UVICORN), "backend.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--no-access-log", "--no-proxy-headers", "--log-level", "warning",
             "--timeout-graceful-shutdown", "5"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log_tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-chars:]

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log_tail()}")
                try:
                    if client.get(HEALTH_PATH).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
        raise RuntimeError(
            f"no healthy answer from {self.base_url} within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Workers outlive a supervisor killed hard; the group goes in any case.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Target:
    """One endpoint, with pre-encoded bodies (so that the load generator spends little CPU per request)."""

    name: str
    path: str
    bodies: list[bytes]
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = itertools.count()

    def request(self) -> tuple[bytes, dict[str, str]]:
        n = next(self._next)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[n % len(self.tokens)]}"
        return self.bodies[n % len(self.bodies)], headers


def report_bodies(
    points: Sequence[tuple[float, float]], categories: Sequence[str], rng: random.Random
) -> tuple[list[bytes], list[bytes]]:
    """The same reports twice: as the intake takes them, and flat as the bare endpoint takes them."""
    intake, bare = [], []
    now = dt.datetime.now(dt.UTC)
    for lng, lat in points:
        occurred_at = (now - dt.timedelta(hours=rng.uniform(2, 72))).isoformat(timespec="seconds")
        consent = [rng.random() < 0.6, rng.random() < 0.3, rng.random() < 0.5]
        common = {
            "kind": "incident",
            "category": rng.choice(categories),
            "description": rng.choice(DESCRIPTIONS),
            "location": {"type": "Point", "coordinates": [lng, lat]},
            "accuracy_m": rng.randint(5, 60),
            "occurred_at": occurred_at,
        }
        nested = dict(zip(("share_with_police", "victim_support", "public_alert"), consent, strict=True))
        flat = dict(zip(("consent_police", "consent_victim_support", "consent_public_alert"), consent,
                        strict=True))
        intake.append(json.dumps(common | {"consent": nested}).encode())
        bare.append(json.dumps(common | flat).encode())
    return intake, bare


def _record(result: PhaseResult, status: int | str, latency: float) -> None:
    if isinstance(status, int) and 200 <= status < 300:
        result.latencies.append(latency)
    elif status == 422:
        result.rejected += 1
    else:
        result.statuses[str(status)] += 1


async def _post(client: httpx.AsyncClient, target: Target) -> int | str:
    body, headers = target.request()
    try:
        response = await client.post(target.path, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return response.status_code


async def saturation(
    base_url: str, target: Target, result: PhaseResult, *, concurrency: int, warmup: float, seconds: float,
    meter: CpuMeter,
) -> None:
    """Closed loop: ``concurrency`` clients, each sending its next request when the last one answered.
    Adds to ``result`` what completes in the ``seconds`` after ``warmup``."""
    result.seconds += seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        begin = time.perf_counter()
        measure_from, end = begin + warmup, begin + warmup + seconds
        measuring = False

        async def client_loop() -> None:
            nonlocal measuring
            while time.perf_counter() < end:
                started = time.perf_counter()
                status = await _post(client, target)
                finished = time.perf_counter()
                if not measuring and finished >= measure_from:
                    measuring = True
                    meter.start()
                if measure_from <= finished < end:
                    _record(result, status, finished - started)
                elif finished < measure_from:
                    result.warmup_requests += 1
                    result.warmup_slowest_ms = max(result.warmup_slowest_ms, (finished - started) * 1000)

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        if measuring:
            meter.stop(result)


async def fixed_rate(
    base_url: str, target: Target, *, rate: float, seconds: float, meter: CpuMeter
) -> PhaseResult:
    """Open loop: requests leave at fixed times whatever the server does. A latency counts from the
    scheduled time, so a client that falls behind shows up in the figures (no coordinated omission)."""
    result = PhaseResult(target.name, "fixed rate", f"{rate:g} req/s", seconds)
    # Enough connections that a slow answer never holds back the next send.
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        # A few requests first, so that the connections exist before the clock starts.
        await asyncio.gather(*(_post(client, target) for _ in range(4)))

        last_done = 0.0

        async def one(due: float) -> None:
            nonlocal last_done
            status = await _post(client, target)
            finished = time.perf_counter()
            last_done = max(last_done, finished)
            _record(result, status, finished - due)

        tasks = []
        lag = 0.0
        meter.start()
        start = time.perf_counter() + 0.05
        for offset in schedule_offsets(rate, seconds):
            due = start + offset
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lag = max(lag, time.perf_counter() - due)
            tasks.append(asyncio.create_task(one(due)))
        _, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_S + 5)
        for task in pending:
            task.cancel()
        if pending:
            result.statuses["unfinished"] += len(pending)
        meter.stop(result)
        result.max_send_lag_ms = lag * 1000
        # A server that cannot keep up finishes late: its throughput is what it answered in that time.
        result.seconds = max(seconds, last_done - start)
    return result


def _progress(result: PhaseResult) -> None:
    print(f"[{result.phase}] {result.endpoint:6} {result.load:>11}: {result.throughput:7.1f} 2xx/s, "
          f"p50 {_ms(result.quantile_ms(50))} ms, p95 {_ms(result.quantile_ms(95))} ms, "
          f"p99 {_ms(result.quantile_ms(99))} ms, 422×{result.rejected}, errors×{result.errors}", flush=True)


async def load_run(
    args: argparse.Namespace, server: Server, created: Created, results: list[PhaseResult]
) -> None:
    """Set up devices and bodies, then run the four phases, appending to ``results`` as each ends."""
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        area = (await client.get("/api/v1/service-area/")).raise_for_status().json()
        categories = [c["code"] for c in (await client.get("/api/v1/categories/")).raise_for_status().json()
                      if c["kind"] == "incident"]
        print(f"[setup] registering {args.devices} devices", flush=True)
        tokens = []
        for _ in range(args.devices):
            response = await client.post("/api/v1/devices/", json={
                "platform": rng.choice(["android", "ios"]), "locale": "en", "time_zone": "Europe/Brussels"})
            response.raise_for_status()
            created.device_ids.append(response.json()["id"])
            tokens.append(response.json()["token"])
        # Written down at once: a run killed outright leaves its devices to the next run's clean-up.
        created.leftovers_save()

    points = points_inside(area["geometry"], bbox_shrink(tuple(area["bbox"]), 0.1), 2000, rng)
    intake_bodies, bare_bodies = report_bodies(points, categories, rng)
    intake = Target("intake", INTAKE_PATH, intake_bodies, tokens)
    bare = Target("bare", BARE_PATH, bare_bodies)
    # One valid report to each first: a broken set-up should fail here, loudly, not as 2 000 errors.
    async with httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for target in (intake, bare):
            body, headers = target.request()
            probe = await client.post(target.path, content=body, headers=headers)
            if probe.status_code != 201:
                raise RuntimeError(f"POST {target.path} answered {probe.status_code}: {probe.text[:800]}\n"
                                   f"server log:\n{server.log_tail()}")
    meter = CpuMeter(server.process.pid)
    print(f"[setup] service area {area['properties']['name']!r}, bbox {area['bbox']}, "
          f"{len(categories)} incident categories", flush=True)

    # Saturation alternates between the endpoints in rounds, so that other work on the machine, which
    # comes and goes, weighs on both alike and the ratio stays meaningful.
    slice_s = args.seconds / args.rounds
    saturated = {t.name: PhaseResult(t.name, "saturation", f"{args.concurrency} clients", 0.0)
                 for t in (intake, bare)}
    for round_number in range(args.rounds):
        for target in (intake, bare):
            # Later rounds re-warm briefly: the other endpoint's last answers must be out of the way.
            warmup = args.warmup if round_number == 0 else min(args.warmup, 2.0)
            print(f"[saturation] {target.name} round {round_number + 1}/{args.rounds}: "
                  f"{args.concurrency} clients, {warmup:g} s warm-up + {slice_s:g} s", flush=True)
            await saturation(server.base_url, target, saturated[target.name], concurrency=args.concurrency,
                             warmup=warmup, seconds=slice_s, meter=meter)
    for result in saturated.values():
        results.append(result)
        _progress(result)
    for target in (intake, bare):
        print(f"[fixed rate] {target.name}: {args.rate:g} req/s for {args.seconds:g} s", flush=True)
        results.append(
            await fixed_rate(server.base_url, target, rate=args.rate, seconds=args.seconds, meter=meter)
        )
        _progress(results[-1])


# --- report ------------------------------------------------------------------------------------


def markdown_section(
    args: argparse.Namespace, results: Sequence[PhaseResult], area: str, background: float
) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Latest run: {when}",
        "",
        f"- Machine: {machine_description()}; {background:.0%} busy with other work just before the run.",
        f"- Server: uvicorn `backend.asgi:application`, {args.server_workers} workers, "
        "`LANTERN_ENV=development`, `DEBUG=0`, "
        + ("report rate limits switched off" if args.no_rate_limits else "rate limits raised out of the way")
        + ", database pool per worker as configured (default 2–20). PostgreSQL, Redis and the load generator "
        "run on the same machine.",
        f"- Load: saturation with {args.concurrency} closed-loop clients in {args.rounds} rounds alternating "
        f"intake and bare, {args.warmup:g} s warm-up (at most 2 s in later rounds), {args.seconds:g} s "
        f"measured per endpoint; fixed rate {args.rate:g} req/s open loop for {args.seconds:g} s; "
        f"{args.devices} devices round-robin; service area {area!r}; seed {args.seed}.",
        "",
        format_markdown_table(results_table(results)),
        "",
        *[f"- {line}" for line in verdicts(results)],
        "",
        "Latencies are of 2xx answers; at fixed rate they count from the scheduled send time. CPU columns: "
        "load generator and server as a share of one core, machine busy as a share of all cores.",
    ]
    return "\n".join(lines)


def markdown_write(path: Path, section: str) -> None:
    document = path.read_text() if path.exists() else "# Performance\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown_section_update(document, section))
    print(f"[report] wrote the figures to {path}", flush=True)


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16, help="saturation clients (default 16)")
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per phase (default 15)")
    parser.add_argument("--warmup", type=float, default=5,
                        help="unmeasured seconds before saturation (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="saturation alternates intake and bare this many times (default 3)")
    parser.add_argument("--rate", type=float, default=50, help="fixed-rate phase, requests/s (default 50)")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn --workers (default 2)")
    parser.add_argument("--devices", type=int, default=50, help="devices to register and rotate (default 50)")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="switch the report rate limits off instead of raising them (prices the checks)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the report bodies (default 1)")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="write the figures into FILE (docs/performance.md), replacing the last run's")
    args = parser.parse_args(argv)
    for name in ("concurrency", "seconds", "rounds", "rate", "server_workers", "devices"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, _terminate)
    env = server_environment(workers=args.server_workers, rate_limits=not args.no_rate_limits)
    created = Created()
    background = machine_busy_now()
    print(f"[setup] machine busy before the run: {background:.0%} of {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}" + ("; other work will skew the figures" if background > 0.15 else ""),
          flush=True)
    server: Server | None = None
    results: list[PhaseResult] = []
    area = ""
    status = 0
    try:
        area = database_prepare(env, created)
        server = Server(env, workers=args.server_workers)
        print(f"[setup] uvicorn on {server.base_url} (pid {server.process.pid}), "
              f"{args.server_workers} workers; waiting for health", flush=True)
        server.wait_healthy()
        asyncio.run(load_run(args, server, created, results))
    except KeyboardInterrupt:
        print("\n[stop] interrupted", file=sys.stderr, flush=True)
        status = 130
    except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError, OSError) as exc:
        print(f"[error] {exc}", file=sys.stderr, flush=True)
        status = 1
    finally:
        if server is not None:
            if any(code.startswith("5") for r in results for code in r.statuses):
                print(f"[error] server errors; the end of the server's log:\n{server.log_tail()}",
                      file=sys.stderr, flush=True)
            server.stop()
        if server is not None or created.any() or LEFTOVERS.exists():
            database_cleanup(env, created)
    if results:
        print()
        print(format_text_table(results_table(results)))
        for line in verdicts(results):
            print(line)
        if args.markdown and status == 0:
            markdown_write(args.markdown, markdown_section(args, results, area, background))
    return status


if __name__ == "__main__":
    sys.exit(main())
