"""Fixtures of the fault tests: one PostgreSQL cluster for the session (a fresh database per test, copied from
a migrated template), and per test a Redis, a partner's webhook and the service under ``scripts/run.sh``.

Everything is torn down even when a test fails: the service (run.sh and every process under it), Redis, the
test's database, and at the end the cluster (``pg_dropcluster --stop``). A cluster left by a run that was
killed outright is dropped by the next run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.stack import PARTNER, PYTHON, ROOT, TEMPLATE, Cluster, Lantern, postgresql_version

# The test town, its police areas and one police partner serving both: every report the load sends with
# police consent becomes exactly one referral to that partner.
_TOWN = f"""
from tests import factories
from tests.referrals import factories as referral_factories
factories.service_area_create()
town = referral_factories.town_jurisdictions()
referral_factories.partner_create(name={PARTNER!r}, jurisdictions=(town["West police area"], town["East police area"]))
"""


def _manage(database_url: str, *args: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO"))}
    env |= {"LANTERN_ENV": "development", "DEBUG": "0", "DATABASE_URL": database_url, "DATABASE_POOL": "0",
            "LOG_LEVEL": "WARNING"}
    done = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    version = postgresql_version()
    missing = [tool for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "redis-server")
               if shutil.which(tool) is None]
    if version is None or missing:
        pytest.skip(f"fault tests need PostgreSQL with PostGIS and {', '.join(missing) or 'its cluster tools'}")
    if os.geteuid() != 0:
        # pg_createcluster writes under /etc/postgresql and /var/lib/postgresql; setup.sh runs as root too.
        pytest.skip("fault tests create their own PostgreSQL cluster: run them as root")
    Cluster.drop_leftovers(version)
    made = Cluster(version=version)
    try:
        made.create()
        made.query("postgres", f'CREATE DATABASE "{TEMPLATE}"')
        made.query(TEMPLATE, "CREATE EXTENSION IF NOT EXISTS postgis")
        _manage(made.url(TEMPLATE), "migrate", "--no-input", "-v", "0")
        _manage(made.url(TEMPLATE), "shell", "-v", "0", "-c", _TOWN)
        yield made
    finally:
        made.drop()


@pytest.fixture
def lantern(cluster: Cluster, tmp_path: Path) -> Iterator[Lantern]:
    made = Lantern(cluster, tmp_path)
    try:
        yield made
    finally:
        if made.service is not None:
            print(f"--- end of the service's log ---\n{made.service.log_tail()}")
        made.close()
