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
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import h3
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.command_line import positive_required, sigterm_interrupts  # noqa: E402
from benchmarks.intake import report_bodies  # noqa: E402
from benchmarks.intake_figures import bbox_shrink, percentile, points_inside  # noqa: E402
from benchmarks.intake_server import _AREA_CREATE, free_port, manage, manage_shell  # noqa: E402
from benchmarks.process_meters import machine_busy_now, memory_sample  # noqa: E402
from benchmarks.soak_figures import (  # noqa: E402
    Result,
    Sockets,
    Window,
    markdown_section,
    markdown_section_update,
    memory_rows,
    summary_lines,
)
from benchmarks.soak_server import Database, Server, server_environment  # noqa: E402

REQUEST_TIMEOUT_S = 30.0


# --- the load ----------------------------------------------------------------------------------


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
    positive_required(parser, args, ("rate", "minutes", "devices", "web_workers", "every"))
    if args.sockets < 0 or args.warmup < 0:
        parser.error("--sockets and --warmup must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    sigterm_interrupts()
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
