"""A whole Lantern of its own for the fault tests: a PostgreSQL cluster and a Redis that the tests may break,
the real server and worker under ``scripts/run.sh``, and citizens sending reports at a steady pace.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): the cluster is made with
``pg_createcluster`` on a free port and dropped afterwards, Redis is a ``redis-server`` on a free port that
saves nothing.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from tests.referrals.receivers import Receiver

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
CLUSTER_PREFIX = "lantern_faults_"
TEMPLATE = "lantern_faults_template"
PARTNER = "Town police"
_numbers = itertools.count(1)
PG_CTL_SECONDS = 180
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
# An outage is over when the service answers again within this long, without anyone restarting it.
RECOVERY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgresql_version() -> str | None:
    """The newest PostgreSQL server installed with PostGIS (Debian's layout), or None."""
    found = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin/postgres"):
        version = bin_dir.parent.parent.name
        if list(Path(f"/usr/share/postgresql/{version}/extension").glob("postgis.control")):
            found.append(version)
    return max(found, key=float) if found else None


def wait_until(predicate: Callable[[], bool], *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Cluster:
    """A PostgreSQL cluster of its own (``pg_createcluster``), trusted on loopback, with a ``lantern``
    superuser. Its name carries the creating process's id, so a run killed outright is cleaned up by the next."""

    version: str
    name: str = field(default_factory=lambda: f"{CLUSTER_PREFIX}{os.getpid()}")
    port: int = field(default_factory=free_port)

    @staticmethod
    def drop_leftovers(version: str) -> None:
        """Drop clusters an earlier, killed run left behind (their creator is gone)."""
        listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout
        for line in listing.splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0] == version and fields[1].startswith(CLUSTER_PREFIX):
                creator = fields[1].removeprefix(CLUSTER_PREFIX)
                if creator.isdigit() and not _pid_alive(int(creator)):
                    subprocess.run(["pg_dropcluster", "--stop", version, fields[1]], capture_output=True, check=False)

    def create(self) -> None:
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port), "--start-conf=manual",
             "--", "--auth=trust", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )
        self.start()
        with psycopg.connect(self.conninfo("postgres", user="postgres"), autocommit=True) as connection:
            connection.execute("CREATE ROLE lantern SUPERUSER LOGIN")

    def _control(self, action: str, *options: str) -> None:
        # pg_ctl gives up after 60 s by default; a CI box or a shared laptop under load can take longer.
        subprocess.run(["pg_ctlcluster", self.version, self.name, action, *options, "--", "-t", str(PG_CTL_SECONDS)],
                       check=True, capture_output=True, timeout=PG_CTL_SECONDS + 30)

    def start(self) -> None:
        # Durability is not what these tests are about: no fsync keeps the box's disks out of the timings.
        self._control("start", "-o", SERVER_OPTIONS)

    def stop(self) -> None:
        self._control("stop", "-m", "fast")

    def restart_fast(self) -> None:
        """What an operator's ``pg_ctlcluster … restart -m fast`` does: every connection is terminated."""
        self._control("restart", "-m", "fast", "-o", SERVER_OPTIONS)

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, check=False,
                       timeout=120)

    def conninfo(self, database: str, *, user: str = "lantern") -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={database} connect_timeout=5"

    def url(self, database: str) -> str:
        return f"postgis://lantern@127.0.0.1:{self.port}/{database}"

    def query(self, database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def database_copy(self, template: str, name: str) -> None:
        self.query("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def database_drop(self, name: str) -> None:
        self.query("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Redis --------------------------------------------------------------------------------------


class RedisServer:
    """``redis-server`` on a free port, saving nothing; it can be killed and started again on that port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not wait_until(self._answers, seconds=10, every=0.1):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def key_count(self) -> int:
        with redis.Redis(port=self.port, socket_timeout=5) as client:
            return int(client.dbsize())

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


# --- the service under scripts/run.sh -----------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rfind(")") + 2:].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Service:
    """``scripts/run.sh`` (the server and the job worker, supervised) against the given stores."""

    def __init__(self, *, database_url: str, redis_url: str, log: Path, extra: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO"))},
            "LANTERN_ENV": "development", "DEBUG": "0", "HOST": "127.0.0.1", "PORT": str(self.port),
            "WEB_CONCURRENCY": "1", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "lantern-faults", "LOG_LEVEL": "WARNING", "PROCRASTINATE_LOG_LEVEL": "ERROR",
            "PRIVATE_MEDIA_ROOT": str(log.parent / "private"),
            # Its own metrics directory: run.sh empties it at start, which must not touch a `make run` nearby.
            "PROMETHEUS_MULTIPROC_DIR": str(log.parent / "prometheus"),
            "RATE_DEVICE_REGISTER_PER_IP": "100000/h", "RATE_REPORT_PER_DEVICE": "100000/h",
            "RATE_REPORT_PER_IP": "100000/h",
            # Partners are retried within seconds, and a dead worker's delivery is taken again soon.
            "REFERRAL_RETRY_BASE_SECONDS": "1", "REFERRAL_RETRY_MAX_SECONDS": "2",
            "REFERRAL_WEBHOOK_TIMEOUT_SECONDS": "3", "REFERRAL_DELIVERY_LEASE_SECONDS": "5",
            "DATABASE_POOL_TIMEOUT": "2", "STOP_TIMEOUT": "15",
            "PYTHONUNBUFFERED": "1",
        } | (extra or {})
        self.process: subprocess.Popen[bytes] | None = None
        self._known: set[int] = set()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        if not wait_until(self.answers, seconds=90):
            raise RuntimeError(f"the service did not start:\n{self.log_tail()}")

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/api/v1/categories/", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def health(self) -> int | None:
        """The status of ``/api/v1/health/``, or None when nothing answers."""
        try:
            return httpx.get(f"{self.base_url}/api/v1/health/", timeout=10).status_code
        except httpx.HTTPError:
            return None

    def processes(self) -> list[int]:
        if self.process is None:
            return []
        found = descendants(self.process.pid)
        self._known.update(found)
        return found

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.processes()
                if any(name in command_line(pid) for name in ("jobs_worker", "procrastinate worker"))]

    def web_pids(self) -> list[int]:
        return [pid for pid in self.processes() if "uvicorn" in command_line(pid)]

    def supervisor_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to run.sh, as Ctrl-C would; whatever is still alive afterwards is killed."""
        if self.process is None:
            return
        self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid in self._known | set(descendants(self.process.pid)):
            if command_line(pid) and _pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Lantern:
    """One test's installation: its database on the session's cluster, its Redis, its partner, its service."""

    def __init__(self, cluster: Cluster, tmp_path: Path) -> None:
        self.cluster = cluster
        self.database = f"lantern_faults_t{next(_numbers)}"
        self.redis = RedisServer()
        self.receivers: list[Receiver] = []
        self.partner_port = 0
        self.service: Service | None = None
        self.tmp_path = tmp_path

    def start(self, *, partner_up: bool = True, partner_behaviours: tuple[str, ...] = ("ok",),
              hang_seconds: float = 30.0) -> Service:
        self.cluster.database_copy(TEMPLATE, self.database)
        self.redis.start()
        first = Receiver(behaviours=partner_behaviours, hang_seconds=hang_seconds)
        self.partner_port = first.server.server_address[1]
        self.receivers.append(first)
        self.query("UPDATE referrals_partner SET endpoint = %s WHERE name = %s", (first.url, PARTNER))
        if not partner_up:
            self.partner_down()
        self.service = Service(database_url=self.cluster.url(self.database), redis_url=self.redis.url,
                               log=self.tmp_path / "service.log")
        self.service.start()
        return self.service

    def partner_down(self) -> None:
        """The partner's server goes away: connecting to it is refused."""
        self.receivers[-1].close()

    def partner_up(self) -> Receiver:
        """The partner is back, at the same address."""
        self.receivers.append(Receiver(port=self.partner_port))
        return self.receivers[-1]

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return self.cluster.query(self.database, sql, params)

    def close(self) -> None:
        if self.service is not None:
            self.service.stop()
        self.redis.kill()
        for receiver in self.receivers:
            try:
                receiver.close()
            except OSError:
                pass
        try:
            self.cluster.database_drop(self.database)
        except Exception as exc:  # the cluster may be down after a failed test; it is dropped at the end anyway
            print(f"could not drop {self.database}: {exc}")


# --- citizens sending reports -------------------------------------------------------------------

INSIDE = (3.7250, 51.0543)
RETRYABLE = {"refused", "timeout", "error", 502, 503, 504}


@dataclass
class Sent:
    marker: str
    key: str
    attempts: int = 0


@dataclass
class ReportLoad:
    """A steady flow of reports, each with its own Idempotency-Key; a failed send is retried with the same
    key, as the apps do, until it is answered. Each description carries a marker, so that the database can
    be asked whether any report was stored twice."""

    base_url: str
    rate: float = 8.0
    devices: int = 4
    accepted: dict[str, str] = field(default_factory=dict)  # marker → report id
    refused: dict[str, int] = field(default_factory=dict)  # marker → final 4xx status
    statuses: Counter[str] = field(default_factory=Counter)  # every answer, retries included
    pending: list[Sent] = field(default_factory=list)
    # How each 5xx answer looked: "503 application/problem+json Retry-After: 5".
    server_errors: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._drain_until = 0.0
        self._counter = itertools.count(1)
        self._client = httpx.Client(base_url=self.base_url, timeout=10)
        self.tokens = [self._register() for _ in range(self.devices)]
        self._thread = threading.Thread(target=self._run, name="report-load", daemon=True)

    def _register(self) -> str:
        response = self._client.post("/api/v1/devices/", json={"platform": "android", "locale": "en",
                                                               "time_zone": "Europe/Brussels"})
        response.raise_for_status()
        return str(response.json()["token"])

    def start(self) -> ReportLoad:
        self._thread.start()
        return self

    def stop(self, *, drain_seconds: float = 45) -> None:
        """No new reports; the ones still failing are retried for up to ``drain_seconds``."""
        self._drain_until = time.monotonic() + drain_seconds
        self._stop.set()
        self._thread.join(timeout=drain_seconds + 15)
        self._client.close()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set() or (self.pending and time.monotonic() < self._drain_until):
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at + 1 / self.rate, time.monotonic() - 1)
            if self.pending:
                item = self.pending.pop(0)
            elif not self._stop.is_set():
                number = next(self._counter)
                item = Sent(marker=f"load-{number:05d}", key=str(uuid.uuid4()))
            else:
                continue
            self._send(item)

    def _send(self, item: Sent) -> None:
        item.attempts += 1
        # The same device on every retry: an Idempotency-Key belongs to its caller.
        token = self.tokens[int(item.marker.removeprefix("load-")) % len(self.tokens)]
        body = {
            "kind": "incident", "category": "property.bicycle_theft",
            "description": f"My bicycle was taken from the rack near the library, ticket {item.marker}.",
            "location": {"type": "Point", "coordinates": list(INSIDE)}, "accuracy_m": 12,
            "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3 * 3600)),
            "consent": {"share_with_police": True, "victim_support": False, "public_alert": False},
        }
        try:
            response = self._client.post("/api/v1/reports/", json=body, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": item.key})
            status: int | str = response.status_code
            if response.status_code >= 500:
                self.server_errors[f"{response.status_code} {response.headers.get('content-type')} "
                                   f"Retry-After: {response.headers.get('retry-after')}"] += 1
        except httpx.ConnectError:
            status = "refused"
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.HTTPError:
            status = "error"
        self.statuses[str(status)] += 1
        if status == 201:
            self.accepted[item.marker] = response.json()["id"]
        elif status in RETRYABLE or status == 500:
            self.pending.append(item)
        else:
            self.refused[item.marker] = int(status)

    def sent_count(self) -> int:
        return len(self.accepted) + len(self.refused) + len(self.pending)


def first_answer_after(service: Service, *, seconds: float = RECOVERY_SECONDS + 30) -> float:
    """Seconds until the service answers a request again (it is asked every half second)."""
    began = time.monotonic()
    wait_until(service.answers, seconds=seconds)
    return time.monotonic() - began
