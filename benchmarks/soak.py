#!/usr/bin/env python
"""Soak: Lantern under a steady flow of reports for minutes, with live sockets open. Errors, latency, memory.

Run ``.venv/bin/python benchmarks/soak.py`` (100 reports a second for 10 minutes, 50 sockets by default). It

1. creates a throwaway database beside ``DATABASE_URL``'s (its name plus ``_soak``), migrates it and gives it a
   service area; the database is dropped at the end, so nothing of the run stays;
2. starts ``scripts/run.sh`` on a free 127.0.0.1 port against it (uvicorn with ``--web-workers`` processes and
   the job worker, exactly as ``make run`` does), rate limits raised out of the way;
3. registers ``--devices`` devices and opens ``--sockets`` websockets on ``/ws/alerts/``, subscribed to the
   service area's cells (a socket that closes is counted and opened again);
4. sends ``--rate`` reports a second, open loop (a send never waits for an earlier answer; latency counts
   from the scheduled send time), for ``--minutes``, printing a progress line every ``--every`` seconds;
5. prints the answers by status, errors (aim: none), p50/p99 latency, socket drops, and the resident memory
   (RSS) of each process (web supervisor, web workers, job worker) after the warm-up and at the end (aim: less
   than 10 % growth), and how many jobs still wait for the worker.

With ``--url`` it loads a server that is already running instead (nothing is created or dropped; the devices
it registers and their reports stay: use a staging server whose rate limits allow the load); give ``--pid``
(of its run.sh or uvicorn) to have its processes' memory measured. Loopback or the given URL only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import unquote, urlsplit

import h3
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.intake import report_bodies  # noqa: E402
from benchmarks.intake_figures import bbox_shrink, percentile, points_inside  # noqa: E402
from benchmarks.intake_server import (  # noqa: E402
    _AREA_CREATE,
    free_port,
    machine_busy_now,
    machine_description,
    manage,
    manage_shell,
)

AIM_RSS_GROWTH = 0.10
REQUEST_TIMEOUT_S = 30.0
SECTION_START = "<!-- soak-benchmark:start -->"
SECTION_END = "<!-- soak-benchmark:end -->"


# --- pure helpers (tested in tests/benchmarks/test_soak_script.py) -----------------------------


def rss_kib(status_text: str) -> int | None:
    """The resident set size in KiB from the text of ``/proc/<pid>/status``."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def growth(start: int, end: int) -> float:
    """Relative growth from ``start`` to ``end`` (0.1 is 10 %)."""
    return (end - start) / start if start else 0.0


def role_of(command: str, *, leads_group: bool, parent_is_web: bool) -> str | None:
    """What a process under run.sh is, from its command line; None for helpers not worth measuring."""
    if "jobs_worker" in command or "procrastinate worker" in command:
        return "job worker"
    if "uvicorn" in command and leads_group:
        return "web supervisor"
    if parent_is_web and "resource_tracker" not in command:
        return "web worker"
    return None


def markdown_section_update(document: str, section: str) -> str:
    """``document`` with the text between the soak markers replaced by ``section`` (appended when missing)."""
    block = f"{SECTION_START}\n{section.strip()}\n{SECTION_END}"
    start, end = document.find(SECTION_START), document.find(SECTION_END)
    if start != -1 and end > start:
        return document[:start] + block + document[end + len(SECTION_END):]
    return document.rstrip("\n") + "\n\n" + block + "\n"


# --- processes and their memory ----------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of ``pid``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return int(fields[1]), int(fields[2])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_under(root: int) -> dict[int, str]:
    """Every process below ``root`` (itself included) worth measuring, with its role."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)], groups[int(entry.name)] = stat
    below, todo = {root}, [root]
    while todo:
        current = todo.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in below:
                below.add(pid)
                todo.append(pid)
    roles: dict[int, str] = {}
    web_supervisors = set()
    for pid in sorted(below):
        command = _command(pid)
        role = role_of(command, leads_group=groups.get(pid) == pid, parent_is_web=False)
        if role == "web supervisor" or (pid == root and "uvicorn" in command):
            web_supervisors.add(pid)
            roles[pid] = "web supervisor"
        elif role:
            roles[pid] = role
    for pid in sorted(below):
        if pid not in roles and parents.get(pid) in web_supervisors:
            role = role_of(_command(pid), leads_group=False, parent_is_web=True)
            if role:
                roles[pid] = role
    if "web worker" not in roles.values():
        # uvicorn --workers 1 serves in its own process.
        roles = {pid: "web server" if role == "web supervisor" else role for pid, role in roles.items()}
    return roles


def memory_sample(root: int | None) -> dict[int, tuple[str, int]]:
    """pid → (role, RSS in KiB) of the processes under ``root``."""
    if root is None:
        return {}
    sample = {}
    for pid, role in processes_under(root).items():
        try:
            rss = rss_kib(Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        if rss:
            sample[pid] = (role, rss)
    return sample


# --- the database and the server ---------------------------------------------------------------


@dataclass
class Database:
    """A throwaway database on the server of ``DATABASE_URL``."""

    url: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self.name = f"{parts.path.lstrip('/') or 'lantern'}_soak"
        self.soak_url = parts._replace(path=f"/{self.name}").geturl()
        self._connect = {"host": parts.hostname or "127.0.0.1", "port": parts.port or 5432,
                         "user": unquote(parts.username or "lantern"), "password": unquote(parts.password or ""),
                         "connect_timeout": 10}

    def _run(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(dbname=database, autocommit=True, **self._connect) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def create(self) -> None:
        self.drop()
        self._run(f'CREATE DATABASE "{self.name}" TEMPLATE template1')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def jobs_waiting(self) -> int:
        return int(self._run("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
                             "AND (scheduled_at IS NULL OR scheduled_at <= now())", self.name)[0][0])


def server_environment(database_url: str, port: int, web_workers: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "LANTERN_ENV": "development", "DEBUG": "0", "HOST": "127.0.0.1", "PORT": str(port),
        "WEB_CONCURRENCY": str(web_workers), "DATABASE_URL": database_url,
        "CACHE_KEY_PREFIX": "lantern-soak", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
        # run.sh empties its metrics directory at start: not the one of a `make run` in the same checkout.
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="lantern-soak-metrics-"),
        "RATE_REPORT_PER_DEVICE": "1000000/h", "RATE_REPORT_PER_IP": "10000000/h",
        "RATE_DEVICE_REGISTER_PER_IP": "1000000/h", "RATE_LIVE_MESSAGES_PER_DEVICE": "100000/m",
    })
    return env


class Server:
    """scripts/run.sh in a session of its own; stopped with SIGTERM as Ctrl-C would, then killed if need be."""

    def __init__(self, env: dict[str, str]) -> None:
        self.base_url = f"http://127.0.0.1:{env['PORT']}"
        self.log = tempfile.NamedTemporaryFile(prefix="lantern-soak-", suffix=".log", delete=False)
        self.process = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_answering(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run.sh exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/categories/", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer within {seconds:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        below = list(processes_under(self.process.pid))
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for pid in below:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Window:
    """What answered within one stretch of time."""

    latencies: list[float] = field(default_factory=list)  # seconds, of 201 answers
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, status: int | str, latency: float) -> None:
        self.statuses[str(status)] += 1
        if status == 201:
            self.latencies.append(latency)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "201")


@dataclass
class Sockets:
    opened: int = 0
    drops: int = 0
    frames: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    live: int = 0


async def socket_client(url: str, token: str, cells: list[str], sockets: Sockets, stop: asyncio.Event) -> None:
    import websockets

    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                                          open_timeout=30, max_queue=None) as ws:
                await ws.send(json.dumps({"action": "subscribe", "cells": cells}))
                sockets.opened += 1
                sockets.live += 1
                try:
                    while not stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(ws.recv(), timeout=1)
                            sockets.frames += 1
                finally:
                    sockets.live -= 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if stop.is_set():
                return
            sockets.drops += 1
            sockets.failures[type(exc).__name__] += 1
            await asyncio.sleep(1)


def area_cells(geometry: dict, bbox: Sequence[float], limit: int = 50) -> list[str]:
    """Resolution-7 H3 cells covering the service area (at most ``limit``): what a city-wide map watches."""
    west, south, east, north = bbox
    cells: list[str] = []
    steps = 12
    for i in range(steps + 1):
        for j in range(steps + 1):
            lat = south + (north - south) * i / steps
            lng = west + (east - west) * j / steps
            cell = h3.latlng_to_cell(lat, lng, 7)
            if cell not in cells:
                cells.append(cell)
    return cells[:limit]


@dataclass
class Result:
    seconds: float = 0.0
    sent: int = 0
    measured: Window = field(default_factory=Window)
    warmup: Window = field(default_factory=Window)
    unfinished: int = 0
    max_send_lag_ms: float = 0.0
    memory_start: dict[int, tuple[str, int]] = field(default_factory=dict)
    memory_end: dict[int, tuple[str, int]] = field(default_factory=dict)
    sockets: Sockets = field(default_factory=Sockets)
    jobs_waiting: int | None = None


async def soak(args: argparse.Namespace, base_url: str, measured_pid: int | None, result: Result) -> None:
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        area = (await client.get("/api/v1/service-area/")).raise_for_status().json()
        categories = [c["code"] for c in (await client.get("/api/v1/categories/")).raise_for_status().json()
                      if c["kind"] == "incident"]
        tokens = []
        for _ in range(args.devices):
            answer = await client.post("/api/v1/devices/", json={"platform": rng.choice(["android", "ios"]),
                                                                 "locale": "en", "time_zone": "Europe/Brussels"})
            tokens.append(answer.raise_for_status().json()["token"])
    points = points_inside(area["geometry"], bbox_shrink(tuple(area["bbox"]), 0.1), 2000, rng)
    bodies, _ = report_bodies(points, categories, rng)
    print(f"[setup] {args.devices} devices, {len(categories)} incident categories, service area "
          f"{area['properties']['name']!r}", flush=True)

    stop_sockets = asyncio.Event()
    ws_url = base_url.replace("http", "ws", 1) + "/ws/alerts/"
    cells = area_cells(area["geometry"], area["bbox"])
    clients = [asyncio.create_task(socket_client(ws_url, tokens[i % len(tokens)], cells, result.sockets,
                                                 stop_sockets)) for i in range(args.sockets)]
    deadline = time.monotonic() + 60
    while result.sockets.live < args.sockets and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    print(f"[setup] {result.sockets.live} of {args.sockets} sockets open, subscribed to {len(cells)} cells",
          flush=True)

    seconds = args.minutes * 60
    warmup = min(args.warmup, seconds / 5)
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=64)
    window = Window()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        start = time.perf_counter() + 0.1
        count = [0]

        async def one(due: float, body: bytes, token: str) -> None:
            try:
                answer = await client.post("/api/v1/reports/", content=body, headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                status: int | str = answer.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latency = time.perf_counter() - due
            (result.warmup if due - start < warmup else result.measured).add(status, latency)
            window.add(status, latency)

        async def progress() -> None:
            nonlocal window
            sampled_start = False
            while True:
                await asyncio.sleep(args.every)
                elapsed = time.perf_counter() - start
                if not sampled_start and elapsed >= warmup:
                    result.memory_start = memory_sample(measured_pid)
                    sampled_start = True
                done, window = window, Window()
                memory = memory_sample(measured_pid)
                rss = sum(kib for _, kib in memory.values()) / 1024
                p50 = f"{percentile(done.latencies, 50) * 1000:.0f}" if done.latencies else "–"
                p99 = f"{percentile(done.latencies, 99) * 1000:.0f}" if done.latencies else "–"
                print(f"[{elapsed:6.0f} s] sent {count[0]}, last {args.every:g} s: "
                      f"{len(done.latencies) / args.every:.1f} 201/s, errors {done.errors}, p50 {p50} ms, "
                      f"p99 {p99} ms; sockets {result.sockets.live} open, {result.sockets.drops} drops; "
                      f"RSS {rss:.0f} MiB over {len(memory)} processes", flush=True)

        reporter = asyncio.create_task(progress())
        tasks: set[asyncio.Task[None]] = set()
        n = 0
        while True:
            due = start + n / args.rate
            if due - start >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.max_send_lag_ms = max(result.max_send_lag_ms, (time.perf_counter() - due) * 1000)
            task = asyncio.create_task(one(due, bodies[n % len(bodies)], tokens[n % len(tokens)]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
            count[0] = n
        if tasks:
            _, pending = await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT_S + 5)
            for task in pending:
                task.cancel()
            result.unfinished = len(pending)
        result.seconds = time.perf_counter() - start
        result.sent = n
        reporter.cancel()
        if not result.memory_start:
            result.memory_start = memory_sample(measured_pid)
        result.memory_end = memory_sample(measured_pid)
    stop_sockets.set()
    await asyncio.gather(*clients, return_exceptions=True)


# --- report ------------------------------------------------------------------------------------


def memory_rows(result: Result) -> list[tuple[str, str, str, str]]:
    rows = []
    for pid, (role, start) in sorted(result.memory_start.items(), key=lambda item: (item[1][0], item[0])):
        if pid in result.memory_end:
            end = result.memory_end[pid][1]
            rows.append((f"{role} (pid {pid})", f"{start / 1024:.0f}", f"{end / 1024:.0f}",
                         f"{growth(start, end):+.1%}"))
        else:
            rows.append((f"{role} (pid {pid})", f"{start / 1024:.0f}", "gone", "–"))
    for pid, (role, end) in sorted(result.memory_end.items()):
        if pid not in result.memory_start:
            rows.append((f"{role} (pid {pid}, new)", "–", f"{end / 1024:.0f}", "–"))
    return rows


def summary_lines(args: argparse.Namespace, result: Result) -> list[str]:
    measured = result.measured
    everything = Counter(measured.statuses) + Counter(result.warmup.statuses)
    errors = measured.errors + result.warmup.errors + result.unfinished
    lines = [
        f"Load: {args.rate:g} reports/s for {result.seconds / 60:.1f} min ({result.sent} sent), "
        f"{args.sockets} sockets, {args.devices} devices; first {min(args.warmup, args.minutes * 12):g} s are warm-up.",
        "Answers: " + ", ".join(f"{status}×{count}" for status, count in everything.most_common())
        + (f", unfinished×{result.unfinished}" if result.unfinished else ""),
        f"Errors: {errors} (aim 0: {'met' if errors == 0 else 'MISSED'})",
    ]
    if measured.latencies:
        p50, p99 = percentile(measured.latencies, 50) * 1000, percentile(measured.latencies, 99) * 1000
        lines.append(f"Latency after warm-up (from the scheduled send): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                     f"max {max(measured.latencies) * 1000:.1f} ms")
    if result.max_send_lag_ms > 50:
        lines.append(f"The load generator sent up to {result.max_send_lag_ms:.0f} ms late.")
    lines.append(f"Sockets: {result.sockets.opened} opened for {args.sockets} wanted, {result.sockets.drops} dropped"
                 + (f" ({dict(result.sockets.failures)})" if result.sockets.failures else "")
                 + f", {result.sockets.frames} frames received")
    rows = memory_rows(result)
    if rows:
        worst = max((growth(result.memory_start[pid][1], result.memory_end[pid][1])
                     for pid in result.memory_start if pid in result.memory_end), default=0.0)
        lines.append(f"Memory: largest growth {worst:+.1%} (aim < {AIM_RSS_GROWTH:.0%}: "
                     f"{'met' if worst < AIM_RSS_GROWTH else 'MISSED'})")
    if result.jobs_waiting is not None:
        lines.append(f"Jobs waiting for the worker at the end: {result.jobs_waiting}")
    return lines


def markdown_section(args: argparse.Namespace, result: Result, background: float) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = ["| process | RSS after warm-up (MiB) | RSS at the end (MiB) | growth |", "|---|---:|---:|---:|"]
    table += [f"| {' | '.join(row)} |" for row in memory_rows(result)]
    return "\n".join([
        f"### Latest soak run: {when}",
        "",
        f"- Machine: {machine_description()}; {background:.0%} busy with other work just before the run.",
        f"- Command: `benchmarks/soak.py --rate {args.rate:g} --minutes {args.minutes:g} --sockets {args.sockets} "
        f"--web-workers {args.web_workers}` (scripts/run.sh: uvicorn and the job worker; PostgreSQL, Redis and "
        "the load generator on the same machine).",
        "",
        *[f"- {line}" for line in summary_lines(args, result)],
        "",
        *table,
    ])


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100, help="reports a second (default 100)")
    parser.add_argument("--minutes", type=float, default=10, help="how long (default 10)")
    parser.add_argument("--sockets", type=int, default=50, help="websockets kept open (default 50)")
    parser.add_argument("--devices", type=int, default=200, help="devices the reports rotate over (default 200)")
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes (default 2)")
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds before memory and latency are measured (default 30, at most a fifth of the run)")
    parser.add_argument("--every", type=float, default=10, help="seconds between progress lines (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's run.sh or uvicorn pid, for memory figures")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="write the figures into FILE (docs/performance.md)")
    args = parser.parse_args(argv)
    for name in ("rate", "minutes", "devices", "web_workers", "every"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.sockets < 0 or args.warmup < 0:
        parser.error("--sockets and --warmup must not be negative")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, _terminate)
    background = machine_busy_now()
    print(f"[setup] machine busy before the run: {background:.0%}, load average {os.getloadavg()[0]:.2f}",
          flush=True)
    database: Database | None = None
    server: Server | None = None
    result = Result()
    status = 0
    try:
        if args.url:
            base_url, measured_pid = args.url.rstrip("/"), args.pid
        else:
            database = Database(os.environ.get("DATABASE_URL", "postgis://lantern@127.0.0.1:5432/lantern"))
            database.create()
            env = server_environment(database.soak_url, free_port(), args.web_workers)
            print(f"[setup] database {database.name}: migrating", flush=True)
            manage(env | {"DATABASE_POOL": "0"}, "migrate", "--no-input", "-v", "0")
            manage_shell(env | {"DATABASE_POOL": "0"}, _AREA_CREATE)
            server = Server(env)
            server.wait_answering()
            base_url, measured_pid = server.base_url, server.process.pid
            print(f"[setup] scripts/run.sh on {base_url} (pid {measured_pid}), log {server.log.name}", flush=True)
        asyncio.run(soak(args, base_url, measured_pid, result))
        if database is not None:
            result.jobs_waiting = database.jobs_waiting()
    except KeyboardInterrupt:
        print("\n[stop] interrupted", file=sys.stderr, flush=True)
        status = 130
    except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError, OSError, psycopg.Error) as exc:
        print(f"[error] {exc}", file=sys.stderr, flush=True)
        status = 1
    finally:
        if server is not None:
            server.stop()
        if database is not None:
            try:
                database.drop()
            except psycopg.Error as exc:
                print(f"[cleanup] could not drop {database.name}: {exc}", file=sys.stderr, flush=True)
    if result.sent:
        print()
        for line in summary_lines(args, result):
            print(line)
        for row in memory_rows(result):
            print(f"  {row[0]:32} {row[1]:>6} MiB → {row[2]:>6} MiB  {row[3]}")
        if args.markdown and status == 0:
            path = args.markdown
            document = path.read_text() if path.exists() else "# Performance\n"
            path.write_text(markdown_section_update(document, markdown_section(args, result, background)))
            print(f"[report] wrote the figures to {path}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
