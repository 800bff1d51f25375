#!/usr/bin/env python
"""How long a live alert takes to reach 1,000 connected sockets of ``/ws/alerts/``.

Run ``.venv/bin/python benchmarks/websocket.py`` from the repository root. It

1. creates a throwaway database ``lantern_bench_ws`` from ``template1``, migrates it and registers
   ``--sockets`` devices (one token each);
2. starts its own ``uvicorn backend.asgi:application`` (``--workers``, default 2) on a free 127.0.0.1 port,
   with the channel layer on Redis database 8 under a prefix of its own;
3. connects ``--sockets`` websocket clients (the ``websockets`` package, without an Origin header, as a
   native app does), each subscribing to H3 cells inside one resolution-7 cell, and waits for every snapshot;
4. sends ``--broadcasts`` ``alert.new`` events to that cell's group through the channel layer (what
   ``alerts.events`` does after commit) and records when each socket receives each one;
5. prints p50/p95/p99/max of the time from ``group_send`` to arrival over all sockets and broadcasts,
   and how many arrived; then stops uvicorn (on errors and Ctrl-C too) and drops the database.

Loopback only, bounded by timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lantern_bench_ws"
ENV = {
    "LANTERN_ENV": "development", "DEBUG": "0", "DATABASE_URL": f"postgis://lantern@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/8", "CACHE_KEY_PREFIX": "lantern-bench-ws", "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "backend.settings", "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_POOL_MAX": "40",
}
CENTRE = (3.7250, 51.0543)

REGISTER = """
import json, os
from reports.services import device_register
tokens = [device_register(platform="android", locale="en")[1] for _ in range(int(os.environ["BENCH_SOCKETS"]))]
print(json.dumps(tokens))
"""


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "lantern", "-d", "postgres", "-c", sql],
                   check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def _client(url: str, token: str, cells: list[str], ready: asyncio.Event, arrivals: dict[str, float],
                  opened: list[int], target: int, done: asyncio.Event) -> None:
    import websockets

    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                                  open_timeout=60, max_queue=None) as ws:
        await ws.send(json.dumps({"action": "subscribe", "cells": cells}))
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 60))
        assert snapshot["event"] == "snapshot", snapshot
        opened.append(1)
        if len(opened) == target:
            ready.set()
        # As little work as possible per frame: the load generator shares the CPUs with the server.
        async for message in ws:
            arrived = time.perf_counter()
            if '"alert.new"' in message:
                start = message.index('"id": "') + 7
                arrivals[f"{message[start:start + 36]}|{id(ws)}"] = arrived


async def run(port: int, tokens: list[str], broadcasts: int) -> dict[str, float]:
    import h3
    from channels.layers import get_channel_layer

    from alerts.events import alert_group

    cell_r7 = h3.latlng_to_cell(CENTRE[1], CENTRE[0], 7)
    children = sorted(h3.cell_to_children(cell_r7, 9))
    url = f"ws://127.0.0.1:{port}/ws/alerts/"
    ready, done = asyncio.Event(), asyncio.Event()
    arrivals: dict[str, float] = {}
    opened: list[int] = []
    clients = []
    started = time.perf_counter()
    for index, token in enumerate(tokens):
        # Every app's map view covers the alert's cell: half watch the whole resolution-7 cell, half two
        # resolution-9 cells of it, so the consumer's own cell filter runs too.
        cells = [cell_r7] if index % 2 else [children[0], children[1 + index % (len(children) - 1)]]
        clients.append(asyncio.create_task(_client(url, token, cells, ready, arrivals, opened, len(tokens), done)))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # a city's apps do not all connect in the same millisecond
    await asyncio.wait_for(ready.wait(), 180)
    connect_s = time.perf_counter() - started
    layer = get_channel_layer()
    sent_at: dict[str, float] = {}
    for _ in range(broadcasts):
        alert_id = str(uuid.uuid4())
        cell = children[0]
        lat, lng = h3.cell_to_latlng(cell)
        public = {"id": alert_id, "category": "violence.robbery", "group": "violence",
                  "labels": {"en": "Robbery"}, "district": "Centre", "coordinates": [lng, lat], "cell": cell,
                  "occurred_at": datetime.now(UTC).isoformat(), "expires_at": datetime.now(UTC).isoformat(),
                  "report_count": 2, "details": ""}
        sent_at[alert_id] = time.perf_counter()
        await layer.group_send(alert_group(cell), {"type": "alert.event", "event": "alert.new", "alert": public})
        await asyncio.sleep(1.0)
    await asyncio.sleep(2.0)
    done.set()
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    latencies = [(arrived - sent_at[key.split("|")[0]]) * 1000 for key, arrived in arrivals.items()]
    expected = len(tokens) * broadcasts
    return {"connect_s": connect_s, "received": len(latencies), "expected": expected,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "max": max(latencies), "mean": statistics.mean(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pubsub", action="store_true", help="use channels_redis' pub/sub channel layer")
    args = parser.parse_args()
    if args.pubsub:
        ENV["CHANNEL_LAYER_PUBSUB"] = "1"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    os.environ.update(ENV)
    env = {**os.environ}
    server = None
    try:
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        _psql(f"CREATE DATABASE {DB_NAME} TEMPLATE template1")
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], check=True, env=env, cwd=ROOT, timeout=300)
        registered = subprocess.run([*manage, "shell", "-c", REGISTER], check=True, cwd=ROOT, timeout=600,
                                    env={**env, "BENCH_SOCKETS": str(args.sockets)}, capture_output=True, text=True)
        tokens = json.loads(registered.stdout.strip().splitlines()[-1])
        port = _free_port()
        uvicorn = Path(sys.executable).with_name("uvicorn")
        server = subprocess.Popen([str(uvicorn), "backend.asgi:application", "--host", "127.0.0.1", "--port",
                                   str(port), "--workers", str(args.workers), "--no-access-log", "--log-level",
                                   "warning"], env=env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        figures = asyncio.run(run(port, tokens, args.broadcasts))
        layer = "pub/sub" if args.pubsub else "core (per-channel)"
        print(f"{args.sockets:,} sockets connected and subscribed in {figures['connect_s']:.1f} s"
              f" (uvicorn --workers {args.workers}, {os.cpu_count()} CPUs, {layer} Redis channel layer)")
        print(f"{args.broadcasts} broadcasts: {figures['received']:,} of {figures['expected']:,} expected deliveries;"
              f" group_send → arrival p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms,"
              f" p99 {figures['p99']:.1f} ms, max {figures['max']:.1f} ms")
        return 0
    finally:
        if server is not None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGKILL)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up
            pass
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
