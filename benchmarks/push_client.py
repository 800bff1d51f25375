#!/usr/bin/env python
"""CPU per push of firebase-admin's two ways to send, against the fake FCM: which one should Lantern use?

Run ``.venv/bin/python benchmarks/push_client.py`` from the repository root. For each client it starts the
fake FCM (``tests/alerts/fake_fcm.py``) as a separate process on 127.0.0.1, sends ``--warmup`` messages (the
OAuth token, the connections), then ``--messages`` more in batches of 500, and prints the wall time and the
CPU time per message of this process (the client) and of the fake:

* ``send_each``: what ``alerts.push.PushTransport`` does (one thread and one ``requests`` call per message,
  the connection pool sized to the batch);
* ``send_each_async``: firebase-admin's httpx client on one long-lived event loop, at most ``--concurrency``
  requests in flight (a semaphore, one message per call), over HTTP/1.1 with a pool of that size;
* ``send_each_async h2c``: the same over HTTP/2 without TLS ("prior knowledge"), as FCM is spoken to over
  HTTP/2 in production: one connection multiplexes the requests. The fake answers HTTP/2 with the ``h2``
  package, which costs it about four times as much CPU as HTTP/1.1 does.

No database, no Django; loopback only; the fake is stopped on errors and Ctrl-C too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cpu(pid: int | None = None) -> float:
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _messages(count: int) -> list[Any]:
    from alerts.push import PushMessage

    return [PushMessage(token=f"bench-token-{index}", title="Robbery · East", collapse_key="alert-bench",
                        body="Reported in the evening. Stay alert, and please do not go to the scene.",
                        data={"kind": "alert", "alert_id": "bench", "cell": "89194db1363ffff"})
            for index in range(count)]


def _sync_sender(transport: Any) -> Any:
    return transport.send


def _async_sender(transport: Any, concurrency: int, h2c: bool) -> Any:
    """firebase-admin's ``send_each_async`` with its httpx client rebuilt around a pool of ``concurrency``
    connections (HTTP/2 prior knowledge for http:// when ``h2c``), on one event loop in a daemon thread."""
    import threading

    import httpx
    from firebase_admin import _http_client, _retry, messaging

    from alerts.push import _classify
    from kernel.delivery import DELIVERED, TEMPORARY, DeliveryResult

    service = messaging._get_messaging_service(transport.app)
    wrapper = service._async_client
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    plain = _retry.HttpxRetryTransport(retry=wrapper._retry_config, http2=True, http1=not h2c, limits=limits)
    wrapper._async_client = httpx.AsyncClient(
        http2=True, timeout=wrapper.timeout, headers=wrapper._headers, mounts={"http://": plain},
        auth=_http_client.GoogleAuthCredentialFlow(service._credential),
    )
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def send_all(batch: list[Any]) -> list[Any]:
        bound = asyncio.Semaphore(concurrency)

        async def one(message: Any) -> Any:
            async with bound:
                try:
                    response = await messaging.send_each_async([transport._message(message)], app=transport.app)
                except Exception as exc:
                    return DeliveryResult(TEMPORARY, type(exc).__name__)
            item = response.responses[0]
            return DeliveryResult(DELIVERED) if item.success else _classify(item.exception)

        transport._token_ensure()
        return list(await asyncio.gather(*(one(message) for message in batch)))

    return lambda batch: asyncio.run_coroutine_threadsafe(send_all(batch), loop).result()


def measure(client: str, count: int, warmup: int, concurrency: int, workdir: Path) -> dict[str, Any]:
    from firebase_admin import messaging

    from alerts.push import PushTransport, push_transport_reset
    from tests.alerts.fake_fcm import FakeFcm, fake_fcm_wait, google_auth_stays_local

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = subprocess.Popen([sys.executable, "-m", "tests.alerts.fake_fcm", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        fake_fcm_wait(port)
        credentials = FakeFcm(port=port).service_account(workdir / f"{client.replace(' ', '-')}.json", "bench")
        messaging._MessagingService.FCM_URL = f"http://127.0.0.1:{port}/v1/projects/{{0}}/messages:send"
        google_auth_stays_local()
        push_transport_reset()
        transport = PushTransport(credentials_file=str(credentials), project_id="bench", timeout=10, batch_size=500,
                                  client="pooled" if client == "pooled" else "send_each", connections=concurrency)
        if client in ("pooled", "send_each"):
            send = _sync_sender(transport)
        else:
            send = _async_sender(transport, concurrency, h2c=client.endswith("h2c"))
        send(_messages(warmup))
        messages = _messages(count)
        cpu, fake_cpu, started = _cpu(), _cpu(fake.pid), time.perf_counter()
        outcomes: dict[str, int] = {}
        for start in range(0, count, 500):
            for result in send(messages[start:start + 500]):
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        wall = time.perf_counter() - started
        return {"client": client, "wall_s": wall, "cpu_ms": (_cpu() - cpu) / count * 1000,
                "fake_cpu_ms": (_cpu(fake.pid) - fake_cpu) / count * 1000, "outcomes": outcomes}
    finally:
        os.killpg(fake.pid, 15)
        fake.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=100,
                        help="requests in flight for the pooled and async clients (their connections)")
    clients = ["pooled", "send_each", "send_each_async", "send_each_async h2c"]
    parser.add_argument("--clients", nargs="+", default=clients, choices=clients)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("LANTERN_ENV", "development")
    with tempfile.TemporaryDirectory(prefix="lantern-bench-push-") as workdir:
        for client in args.clients:
            row = measure(client, args.messages, args.warmup, args.concurrency, Path(workdir))
            print(f"{row['client']:<20} {args.messages:,} messages in {row['wall_s']:.1f} s;"
                  f" CPU per message: client {row['cpu_ms']:.2f} ms, fake FCM {row['fake_cpu_ms']:.2f} ms;"
                  f" {row['outcomes']}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
