"""The soak benchmark's own database and server (``benchmarks/soak.py``): a throwaway database beside
``DATABASE_URL``'s, and ``scripts/run.sh`` started against it as ``make run`` would, rate limits out of the way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import psycopg

from benchmarks.process_meters import processes_under

ROOT = Path(__file__).resolve().parent.parent


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
