#!/usr/bin/env python
"""How fast the insecurity maps are: computing a month's release over 1,000,000 reports, and serving it.

Run ``.venv/bin/python benchmarks/maps.py``. It creates a throwaway database (``lantern_bench_maps``, from
``template1``, which has PostGIS), migrates it, puts the demo city in it and bulk-loads ``--reports``
synthetic reports of one month with ``COPY``, then:

* times ``maps.services.release_publish`` for each layer (partition, contribution bounding over every
  report, noise, coarser levels, GeoJSON/CSV, storing): the aim is under 60 s per layer-month;
* starts uvicorn on a free 127.0.0.1 port against that database and measures, one request at a time
  with keep-alive, the latency of ``--tiles`` vector tiles (zoom 9 to 15, inside the city) and of
  ``--geojson`` GeoJSON downloads, for an unrestricted authority key and for a key limited to one
  jurisdiction (whose GeoJSON is cut from the stored cells on each request): aims p95 50 ms for a tile,
  200 ms for a GeoJSON release.

It drops the database at the end (also on Ctrl-C), unless ``--keep``; ``--reuse`` then measures the
serving side again on the kept database without loading it anew. Synthetic data, so a seeded
``random.Random``. Figures go to stdout; docs/maps.md quotes a run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "lantern_bench_maps"
MONTH = date(2026, 3, 1)
LOCAL = ZoneInfo("Europe/Brussels")
AIM_RELEASE_S, AIM_TILE_P95_MS, AIM_GEOJSON_P95_MS = 60.0, 50.0, 200.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), linear between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def tile_of(lng: float, lat: float, zoom: int) -> tuple[int, int]:
    side = 2**zoom
    x = int((lng + 180) / 360 * side)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * side)
    return x, y


def server_url(database: str) -> str:
    return f"postgis://lantern@127.0.0.1:5432/{database}"


def admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=lantern dbname=postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def database_create() -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE} TEMPLATE template1")


def database_drop() -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()


# --- data ------------------------------------------------------------------------------------------


def _copy_rows(model: Any, rows: Any, explicit: Sequence[str]) -> int:
    """COPY ``rows`` (tuples in the order of ``explicit``) into the model's table; every other concrete
    field gets its Python default, so the loader keeps working when a model gains a nullable field."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if f.column not in explicit]
    defaults = [_copy_literal(f, f.get_default()) for f in fields]
    columns = [*explicit, *(f.column for f in fields)]
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row((*row, *defaults))
            count += 1
    return count


def _copy_literal(field: Any, value: Any) -> Any:
    """A default in the text form COPY reads: arrays and JSON as their literals, the rest as they are."""
    import json

    from django.contrib.postgres.fields import ArrayField
    from django.db.models import JSONField

    if value is None:
        return None
    if isinstance(field, ArrayField):
        return "{" + ",".join(json.dumps(str(item)) for item in value) + "}"
    if isinstance(field, JSONField):
        return json.dumps(value)
    return value


def city_load(*, reports: int, devices: int, seed: int) -> dict[str, Any]:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from backend.demo.city import AREA_CENTER, DISTRICT_SEEDS, demo_outline, district_boundaries, to_lnglat
    from backend.demo.patterns import PLACES
    from referrals.models import Jurisdiction
    from reports.credentials import credential_digest
    from reports.models import Category, Device, District, Report, ServiceArea
    from reports.taxonomy import taxonomy_sync

    taxonomy_sync()
    area = ServiceArea.objects.create(name="Bench city", boundary=demo_outline(), center=Point(*AREA_CENTER, srid=4326))
    for name, boundary in district_boundaries(area.boundary):
        District.objects.create(service_area=area, name=name, slug=name.lower(), boundary=boundary)
    north = District.objects.get(name="Wondelgem").boundary
    Jurisdiction.objects.create(name="Bench north", kind=Jurisdiction.Kind.POLICE_AREA, boundary=north)

    rng = random.Random(seed)
    now = datetime.now(tz=LOCAL)
    device_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(devices)]
    started = time.monotonic()
    _copy_rows(Device, ((d, credential_digest(str(d)), "android", now) for d in device_ids),
               ["id", "token_hash", "platform", "created_at"])
    categories = list(Category.objects.filter(sensitive=False))
    insecurity = [c.pk for c in categories if c.group == "insecurity"]
    incidents = [c.pk for c in categories if c.group != "insecurity"]
    inside = area.boundary.prepared.contains
    west, south, east, north_edge = area.boundary.extent
    weights = [1.0 / (1 + i) ** 0.8 for i in range(devices)]  # a few reporters report a lot
    cumulative = list(_accumulate(weights))
    end_day = (date(MONTH.year, MONTH.month + 1, 1) - MONTH).days

    def report_rows() -> Any:
        for _ in range(reports):
            if rng.random() < 0.6:
                place = rng.choice(PLACES)
                sigma, origin = (place.sigma_along_m + place.sigma_across_m) / 1.5, (place.lng, place.lat)
            else:
                _n, lng0, lat0 = rng.choice(DISTRICT_SEEDS)
                sigma, origin = 1200.0, (lng0, lat0)
            lng, lat = to_lnglat(rng.gauss(0, sigma), rng.gauss(0, sigma), origin=origin)
            if not (west <= lng <= east and south <= lat <= north_edge) or not inside(Point(lng, lat)):
                lng, lat = origin
            felt_unsafe = rng.random() < 0.45
            occurred = datetime(MONTH.year, MONTH.month, rng.randrange(1, end_day + 1), rng.randrange(24),
                                rng.randrange(60), tzinfo=LOCAL)
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                rng.choices(device_ids, cum_weights=cumulative)[0],
                "insecurity" if felt_unsafe else "incident",
                rng.choice(insecurity if felt_unsafe else incidents),
                f"SRID=4326;POINT({lng:.6f} {lat:.6f})",
                occurred,
                occurred + timedelta(minutes=30),
                occurred + timedelta(minutes=30),
                rng.randint(1, 5) if felt_unsafe else None,
                "published",
                "demo",
            )

    loaded = _copy_rows(
        Report, report_rows(),
        ["id", "device_id", "kind", "category_id", "location", "occurred_at", "created_at", "updated_at",
         "perception", "status", "source"],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Report._meta.db_table}")
        cursor.execute(f"ANALYZE {Device._meta.db_table}")
    return {"reports": loaded, "devices": devices, "seconds": time.monotonic() - started,
            "bbox": (west, south, east, north_edge)}


def _accumulate(values: Sequence[float]) -> Any:
    total = 0.0
    for value in values:
        total += value
        yield total


# --- measurements ------------------------------------------------------------------------------------


def releases_time() -> dict[str, float]:
    from django.db import transaction

    from maps.models import Layer
    from maps.services import release_publish

    timings = {}
    after = datetime(MONTH.year, MONTH.month + 1, 10, tzinfo=LOCAL)
    for layer in Layer.values:
        started = time.monotonic()
        with transaction.atomic():  # so the time includes rendering the tiles ahead, run on commit
            release = release_publish(month=MONTH, layer=layer, published_by="benchmarks/maps.py", now=after)
        timings[layer] = time.monotonic() - started
        print(f"  release {layer:<10} {timings[layer]:6.1f} s  ({release.cell_count} cells, "
              f"{len(bytes(release.geojson)) / 1024:.0f} KiB GeoJSON, tiles rendered ahead)")
    return timings


def keys_create() -> tuple[str, str]:
    from api.services import api_key_create

    _key, everywhere = api_key_create(name="Bench authority")
    _key, north = api_key_create(name="Bench north authority", jurisdiction_names=["Bench north"])
    return everywhere, north


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="lantern-bench-maps-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.asgi:application", "--host", "127.0.0.1", "--port",
             str(self.port), "--lifespan", "off", "--no-access-log"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(Path(self.log.name).read_text()[-3000:])
            try:
                if httpx.get(f"{self.base}/api/v1/health/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not start:\n" + Path(self.log.name).read_text()[-3000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def latencies(base: str, key: str, paths: Sequence[str], *, warmup: int = 10) -> tuple[list[float], int]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    times, errors = [], 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Api-Key {key}"}, timeout=30) as client:
        for path in paths[:warmup]:
            client.get(path)
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            response.read()
            times.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    return times, errors


def tile_paths(layer: str, bbox: tuple[float, float, float, float], count: int, rng: random.Random) -> list[str]:
    west, south, east, north = bbox
    paths = []
    for _ in range(count):
        zoom = rng.randint(9, 15)
        x, y = tile_of(rng.uniform(west, east), rng.uniform(south, north), zoom)
        paths.append(f"/api/v1/maps/tiles/{layer}/{MONTH:%Y-%m}/{zoom}/{x}/{y}.mvt")
    return paths


def summary(name: str, times: Sequence[float], errors: int, aim: float | None = None) -> str:
    p50, p95, p99 = (percentile(times, q) for q in (50, 95, 99))
    verdict = "" if aim is None else ("  meets the aim" if p95 <= aim else f"  MISSES the aim of {aim:.0f} ms")
    return (f"  {name:<36} n={len(times):<4} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  "
            f"errors {errors}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=250_000)
    parser.add_argument("--tiles", type=int, default=400)
    parser.add_argument("--geojson", type=int, default=100)
    parser.add_argument("--resolution", type=int, default=8, choices=(7, 8, 9))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="Measure the serving side on a database an earlier --keep run left")
    args = parser.parse_args()

    env = {
        "LANTERN_ENV": "test", "DATABASE_URL": server_url(DATABASE), "DATABASE_POOL": "1",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        "CACHE_KEY_PREFIX": "lantern-bench-maps", "RATELIMIT_ENABLE": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "MAPS_H3_RESOLUTION": str(args.resolution),
    }
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not args.reuse:
        database_create()
    server: Server | None = None
    try:
        django_setup({**env, "DATABASE_POOL": "0"})
        from django.core.management import call_command
        from django.db import connections

        if args.reuse:
            from api.models import ApiKey
            from maps.models import Release
            from maps.selectors import release_tiles_warm
            from reports.models import Report, ServiceArea

            ApiKey.objects.filter(name__startswith="Bench").delete()
            loaded = {"bbox": ServiceArea.objects.get(name="Bench city").boundary.extent}
            print(f"Reusing {DATABASE}: {Report.objects.count():,} reports")
            for release in Release.objects.all():
                release_tiles_warm(release)
            timings = {}
        else:
            call_command("migrate", verbosity=0)
            print(f"Loading {args.reports:,} reports by {args.devices:,} devices into {DATABASE} …")
            loaded = city_load(reports=args.reports, devices=args.devices, seed=args.seed)
            print(f"  loaded {loaded['reports']:,} reports in {loaded['seconds']:.1f} s")
            print(f"Computing the {MONTH:%Y-%m} releases at H3 resolution {args.resolution}:")
            timings = releases_time()
        everywhere, north = keys_create()
        connections.close_all()

        server = Server({**os.environ, **env})
        server.wait()
        rng = random.Random(args.seed)
        print(f"Serving from uvicorn at {server.base} (1 worker), one request at a time; "
              f"load average before: {os.getloadavg()[0]:.1f} (other processes share these cores):")
        tiles = tile_paths("insecurity", loaded["bbox"], args.tiles, rng)
        tile_times, tile_errors = latencies(server.base, everywhere, tiles)
        print(summary("tile (insecurity, z9–15)", tile_times, tile_errors, AIM_TILE_P95_MS))
        north_times, north_errors = latencies(server.base, north, tiles[: args.tiles // 2])
        print(summary("tile, key limited to a jurisdiction", north_times, north_errors, AIM_TILE_P95_MS))
        geojson = [f"/api/v1/maps/releases/{MONTH:%Y-%m}/insecurity.geojson"] * args.geojson
        geo_times, geo_errors = latencies(server.base, everywhere, geojson)
        print(summary("GeoJSON release (stored bytes)", geo_times, geo_errors, AIM_GEOJSON_P95_MS))
        cut_times, cut_errors = latencies(server.base, north, geojson)
        print(summary("GeoJSON, key limited (cut per call)", cut_times, cut_errors, AIM_GEOJSON_P95_MS))
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
        if timings:
            worst = max(timings.values())
            print(f"Release: slowest layer {worst:.1f} s "
                  f"({'meets' if worst <= AIM_RELEASE_S else 'MISSES'} the aim of {AIM_RELEASE_S:.0f} s)")
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not have loaded; the drop below still runs
            pass
        if not args.keep:
            database_drop()
            print(f"Dropped {DATABASE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
