"""Read replicas against a real streaming replica: a PostgreSQL cluster of the test's own, a second one made
from it with ``pg_basebackup -R``, and Lantern's server between them (DATABASE_REPLICA_URL).

Which answer came from where is read from the data: with the replica's replay paused, a row changed on the
primary is still the old one on the replica. Nothing here touches the shared cluster on 5432.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
VERSION = "15"
DATABASE = "lantern_replicated"
CODE = "property.vandalism"
INSIDE = (3.7270, 51.0550)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _until(predicate: Callable[[], bool], *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s: {predicate}")
        time.sleep(0.2)


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Node:
    name: str
    port: int

    def sql(self, statement: str, params: tuple[Any, ...] = (), *, database: str = DATABASE,
            user: str = "lantern") -> list[tuple]:
        conninfo = f"host=127.0.0.1 port={self.port} user={user} dbname={database} connect_timeout=5"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def url(self) -> str:
        return f"postgis://lantern@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def data(self) -> Path:
        return Path(f"/var/lib/postgresql/{VERSION}/{self.name}")

    def create(self) -> None:
        _run("pg_createcluster", VERSION, self.name, "-p", str(self.port), "--start-conf=manual", "--",
             "--auth=trust", "--no-sync")

    def start(self) -> None:
        _run("pg_ctlcluster", VERSION, self.name, "start", "-o",
             "-c fsync=off -c synchronous_commit=off -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on")

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", VERSION, self.name], capture_output=True, check=False, timeout=120)


@dataclass
class Replicated:
    primary: Node
    replica: Node
    base_url: str
    env: dict[str, str]
    api_key: str

    def pause(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")
        # Replay stops at the next record it would apply: give it one and wait until it has stopped there, so
        # that the test's own change is certainly not replayed.
        self.primary.sql("UPDATE alerts_servicearea SET name = name")
        _until(lambda: self.replica.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused", seconds=60)

    def resume_and_catch_up(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")
        # The insert position, not the write position: with synchronous_commit off, the last commit may not be
        # written yet, and a catch-up measured against it would end before that commit is replayed.
        target = self.primary.sql("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        _until(lambda: self.replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0],
               seconds=60)

    def shell(self, code: str, **env: str) -> str:
        return _run(str(PYTHON), "manage.py", "shell", "-v", "0", "-c", code, env={**self.env, **env})

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(self.base_url + path, params=params, timeout=10)


def _environment(primary: Node, replica: Node) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO"))}
    return env | {
        "LANTERN_ENV": "development", "DEBUG": "0", "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URL": replica.url(), "DATABASE_POOL": "0", "LOG_LEVEL": "WARNING",
        # The replay is paused for as long as a test needs: only the by-id rule may send reads to the primary.
        "REPLICA_MAX_LAG_SECONDS": "86400",
        "REFERENCE_CACHE_SECONDS": "0", "RATELIMIT_ENABLE": "0", "PYTHONUNBUFFERED": "1",
    }


def _drop_leftovers() -> None:
    """Clusters a killed run left behind: their names end with the id of a process that is gone."""
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 2 or not fields[1].startswith(("lantern_primary_", "lantern_replica_")):
            continue
        creator = fields[1].rsplit("_", 1)[-1]
        if creator.isdigit() and not Path(f"/proc/{creator}").exists():
            Node(fields[1], 0).drop()


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    missing = [tool for tool in ("pg_createcluster", "pg_basebackup", "pg_dropcluster") if not shutil.which(tool)]
    if missing or os.geteuid() != 0 or not Path(f"/usr/lib/postgresql/{VERSION}/bin/postgres").exists():
        pytest.skip("a replica needs PostgreSQL's cluster tools, run as root")
    _drop_leftovers()
    primary = Node(f"lantern_primary_{os.getpid()}", _free_port())
    replica = Node(f"lantern_replica_{os.getpid()}", _free_port())
    server: subprocess.Popen[bytes] | None = None
    log = tmp_path_factory.mktemp("replica") / "server.log"
    try:
        primary.create()
        # The replica streams over TCP on loopback: say so, whatever the distribution's template holds.
        hba = Path(f"/etc/postgresql/{VERSION}/{primary.name}/pg_hba.conf")
        hba.write_text("host replication lantern 127.0.0.1/32 trust\n" + hba.read_text())
        primary.start()
        primary.sql("CREATE ROLE lantern SUPERUSER REPLICATION LOGIN", database="postgres", user="postgres")
        primary.sql(f'CREATE DATABASE "{DATABASE}"', database="postgres")
        primary.sql("CREATE EXTENSION postgis")
        env = _environment(primary, replica)
        _run(str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0", env=env)
        _run(str(PYTHON), "manage.py", "shell", "-v", "0", "-c",
             "from tests import factories; factories.service_area_create()", env=env)
        api_key = _run(str(PYTHON), "manage.py", "create_api_key", "Replica city", env=env).split()[-1]

        replica.create()
        # pg_basebackup fills the cluster's own (emptied) directory, which keeps its owner and mode.
        for entry in replica.data.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        _run("runuser", "-u", "postgres", "--", "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port),
             "-U", "lantern", "-D", str(replica.data), "-R", "-X", "stream", "--no-sync")
        replica.start()
        _until(lambda: replica.sql("SELECT pg_is_in_recovery()")[0][0], seconds=60)

        port = _free_port()
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "uvicorn"), "backend.asgi:application", "--host", "127.0.0.1",
                 "--port", str(port), "--no-access-log"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        made = Replicated(primary, replica, f"http://127.0.0.1:{port}", env, api_key)

        def answers() -> bool:
            try:
                return made.get("/api/v1/categories/").status_code == 200
            except httpx.HTTPError:
                return False

        _until(answers, seconds=90)
        yield made
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            print(log.read_text()[-3000:])
        replica.drop()
        primary.drop()


@pytest.fixture
def replicated_fresh(replicated: Replicated) -> Iterator[Replicated]:
    yield replicated
    replicated.resume_and_catch_up()


def _codes(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {category["code"] for category in answer.json()}


def test_it_serves_the_public_category_list_from_the_replica(replicated_fresh):
    lantern = replicated_fresh
    lantern.pause()
    lantern.primary.sql("UPDATE alerts_category SET is_active = false WHERE code = %s", (CODE,))
    # Still listed: the answer came from the replica, which has not replayed the change.
    assert CODE in _codes(lantern.get("/api/v1/categories/"))
    assert CODE in {service["service_code"] for service in lantern.get("/open311/v2/services.json").json()}
    lantern.resume_and_catch_up()
    assert CODE not in _codes(lantern.get("/api/v1/categories/"))
    lantern.primary.sql("UPDATE alerts_category SET is_active = true WHERE code = %s", (CODE,))


def test_a_request_published_while_the_replica_lags_is_found_by_its_id(replicated_fresh):
    lantern = replicated_fresh
    lantern.pause()
    lng, lat = INSIDE
    answer = httpx.post(lantern.base_url + "/open311/v2/requests.json", timeout=10, data={
        "api_key": lantern.api_key, "service_code": CODE, "lat": lat, "long": lng,
        "description": "The bus shelter glass was smashed again.",
    })
    assert answer.status_code == 201, answer.text
    [[report_id]] = lantern.primary.sql("SELECT id::text FROM alerts_report ORDER BY created_at DESC LIMIT 1")
    # A moderator's approval, on the primary only (the replica's replay is paused): its public form, with a
    # coarse point standing in for the fuzzed one report_decide would draw.
    lantern.primary.sql("UPDATE alerts_report SET status = 'published', public_description = description, "
                        "public_location = COALESCE(public_location, ST_SnapToGrid(location, 0.01)) "
                        "WHERE id = %s", (report_id,))
    assert lantern.replica.sql("SELECT status FROM alerts_report WHERE id = %s", (report_id,)) == []

    found = lantern.get(f"/open311/v2/requests/{report_id}.json")
    assert found.status_code == 200, found.text
    assert found.json()[0]["service_request_id"] == report_id
    # A search may lag (it came from the replica); asking for this one request by id may not.
    assert lantern.get("/open311/v2/requests.json", service_request_id=report_id).json() == []


_SCOPE = f"""
from kernel.replicas import replica_reads
from reports.models import Category
with replica_reads():
    before = Category.objects.get(code={CODE!r}).position
    Category.objects.filter(code="no.such.category").update(position=0)
    after = Category.objects.get(code={CODE!r}).position
print(before, after)
"""


def test_a_read_after_a_write_in_the_same_scope_comes_from_the_primary(replicated_fresh):
    lantern = replicated_fresh
    [[position]] = lantern.primary.sql("SELECT position FROM alerts_category WHERE code = %s", (CODE,))
    lantern.pause()
    lantern.primary.sql("UPDATE alerts_category SET position = position + 500 WHERE code = %s", (CODE,))
    assert lantern.replica.sql("SELECT position FROM alerts_category WHERE code = %s", (CODE,)) == [(position,)]
    assert lantern.shell(_SCOPE).split() == [str(position), str(position + 500)]
    lantern.primary.sql("UPDATE alerts_category SET position = %s WHERE code = %s", (position, CODE))


def test_a_replica_further_behind_than_allowed_serves_nothing(replicated_fresh):
    lantern = replicated_fresh
    [[position]] = lantern.primary.sql("SELECT position FROM alerts_category WHERE code = %s", (CODE,))
    lantern.pause()
    lantern.primary.sql("UPDATE alerts_category SET position = position + 500 WHERE code = %s", (CODE,))
    assert lantern.replica.sql("SELECT position FROM alerts_category WHERE code = %s", (CODE,)) == [(position,)]
    read = f"from kernel.replicas import replica_reads\nfrom reports.models import Category\n" \
           f"with replica_reads():\n    print(Category.objects.get(code={CODE!r}).position)\n"
    assert lantern.shell(read).split() == [str(position)]
    assert lantern.shell(read, REPLICA_MAX_LAG_SECONDS="0").split() == [str(position + 500)]
    lantern.primary.sql("UPDATE alerts_category SET position = %s WHERE code = %s", (position, CODE))
