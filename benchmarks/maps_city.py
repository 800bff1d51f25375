"""The synthetic city of the maps benchmark (``benchmarks/maps.py``): the demo service area and districts, and a
month of reports from seeded devices, clustered around the demo's places, written with ``COPY``. Django is
imported inside the functions: the benchmark sets it up on its own database first.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MONTH = date(2026, 3, 1)
LOCAL = ZoneInfo("Europe/Brussels")


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
