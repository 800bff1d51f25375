"""The machine, the server and manage.py for benchmarks/intake.py: CPU meters, the uvicorn server it starts and
stops, and the set-up and clean-up it runs through manage.py (this process never imports Django)."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.intake_figures import PhaseResult

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
UVICORN = Path(sys.executable).with_name("uvicorn")

INTAKE_PATH = "/api/v1/reports/"
BARE_PATH = "/bench/bare/"
HEALTH_PATH = "/api/v1/health/"
# Devices (and a service area) a run could not delete, e.g. because the code did not load at the end.
LEFTOVERS = ROOT / "var" / "benchmarks-intake-leftovers.json"


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
