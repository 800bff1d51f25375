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
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parent.parent

sys.path.insert(0, str(ROOT))

from benchmarks.intake_figures import (  # noqa: E402
    REQUEST_TIMEOUT_S,
    PhaseResult,
    bbox_shrink,
    format_markdown_table,
    format_text_table,
    markdown_section_update,
    ms_text,
    points_inside,
    results_table,
    schedule_offsets,
    verdicts,
)
from benchmarks.intake_server import (  # noqa: E402
    BARE_PATH,
    INTAKE_PATH,
    LEFTOVERS,
    CpuMeter,
    Created,
    Server,
    database_cleanup,
    database_prepare,
    machine_busy_now,
    machine_description,
    server_environment,
)

# Ordinary, harmless texts of typical length: nothing here should look like an emergency or name anyone.
DESCRIPTIONS = (
    "My bicycle was taken from the rack near the library while I was inside for an hour.",
    "Someone broke the side window of a parked car on this street during the night.",
    "A group was shouting and throwing bottles near the tram stop late in the evening.",
    "My phone was taken from my jacket pocket on the crowded bus this afternoon.",
    "The bus shelter glass was smashed again, there are shards all over the pavement.",
)



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
          f"p50 {ms_text(result.quantile_ms(50))} ms, p95 {ms_text(result.quantile_ms(95))} ms, "
          f"p99 {ms_text(result.quantile_ms(99))} ms, 422×{result.rejected}, errors×{result.errors}", flush=True)


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
