"""A synthetic month of a city for the map page and the benchmarks: the demo city's outline and districts,
reporters clustered at its stations, squares and parks. Synthetic data, so a seeded ``random.Random``."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import connection

from backend.demo.city import AREA_CENTER, DISTRICT_SEEDS, demo_outline, district_boundaries, to_lnglat
from backend.demo.patterns import PLACES
from maps.layers import month_next
from reports.credentials import credential_digest, credential_new
from reports.models import Category, Device, District, Report, ServiceArea

LOCAL = ZoneInfo("Europe/Brussels")
EVENING_HOURS = (6, 5, 4, 2, 1, 0.8, 1, 1.5, 1.5, 1, 1, 1, 1, 1, 1, 1.5, 2, 3, 5, 7, 9, 10, 9, 8)


def city_create() -> ServiceArea:
    area = ServiceArea.objects.create(name="Ghent (synthetic)", boundary=demo_outline(),
                                      center=Point(*AREA_CENTER, srid=4326))
    for name, boundary in district_boundaries(area.boundary):
        District.objects.create(service_area=area, name=name, slug=name.lower(), boundary=boundary)
    return area


def month_populate(area: ServiceArea, *, month: date, reporters: int, seed: int = 1) -> None:
    """About ``reporters`` devices each sending one or two reports in ``month``, most of them published."""
    rng = random.Random(seed)
    inside = area.boundary.prepared.contains
    devices = Device.objects.bulk_create(
        [Device(token_hash=credential_digest(credential_new("ltd")), platform="android") for _ in range(reporters)]
    )
    categories = {c.code: c for c in Category.objects.all()}
    insecurity = [code for code in categories if code.startswith("insecurity.")]
    incidents = [code for code, c in categories.items() if not code.startswith("insecurity.") and not c.sensitive]
    days = (month_next(month) - month).days
    rows = []
    for device in devices:
        for _ in range(rng.choice((1, 1, 1, 2))):
            if rng.random() < 0.75:
                place = rng.choice(PLACES)
                sigma = (place.sigma_along_m + place.sigma_across_m) / 1.6
                origin = (place.lng, place.lat)
            else:
                _name, lng, lat = rng.choice(DISTRICT_SEEDS)
                sigma, origin = 1100, (lng, lat)
            for _attempt in range(20):
                point = Point(*to_lnglat(rng.gauss(0, sigma), rng.gauss(0, sigma), origin=origin), srid=4326)
                if inside(point):
                    break
            else:
                continue
            felt_unsafe = rng.random() < 0.6
            hour = rng.choices(range(24), weights=EVENING_HOURS)[0] if felt_unsafe else rng.randrange(7, 23)
            occurred = datetime(month.year, month.month, rng.randrange(1, days + 1), hour, rng.randrange(60),
                                tzinfo=LOCAL)
            code = rng.choice(insecurity if felt_unsafe else incidents)
            night = hour >= 20 or hour < 6
            rows.append(Report(
                device=device, kind="insecurity" if felt_unsafe else "incident", category=categories[code],
                location=point, occurred_at=occurred, source=Report.Source.DEMO,
                perception=(rng.choices(range(1, 6), weights=(1, 2, 4, 5, 3) if night else (3, 4, 4, 2, 1))[0]
                            if felt_unsafe else None),
                status=Report.Status.PUBLISHED if rng.random() < 0.93 else Report.Status.PENDING_REVIEW,
            ))
    Report.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Report._meta.db_table} SET created_at = occurred_at + %s "
            "WHERE occurred_at >= %s AND occurred_at < %s",
            [timedelta(minutes=40), datetime(month.year, month.month, 1, tzinfo=LOCAL),
             datetime(month_next(month).year, month_next(month).month, 1, tzinfo=LOCAL)],
        )


def tile_of(lng: float, lat: float, zoom: int) -> tuple[int, int]:
    side = 2**zoom
    x = int((lng + 180) / 360 * side)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * side)
    return x, y
