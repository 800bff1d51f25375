"""The demo's devices and reports: drawn with a fixed seed, screened like real ones, and mapped."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from backend.demo.city import DISTRICT_SEEDS, Say, to_lnglat
from backend.demo.patterns import (
    INSECURE_HOURS,
    INSECURITY_SHARE,
    LOCALES,
    PLACES,
    PLATFORMS,
    RESIDENTIAL,
    RESIDENTIAL_FACTORS,
    RESIDENTIAL_INCIDENTS,
    RESIDENTIAL_SIGMA_M,
    RESIDENTIAL_WEIGHTS,
    WEEKS,
    Place,
)
from backend.demo.texts import GROUP_TEXTS, HELD_TEXTS, TEXTS
from maps.services import releases_publish_closed
from reports.credentials import credential_digest, credential_new
from reports.models import Category, Device, District, Report, ServiceArea
from workflows.submit import reports_screen_in_bulk

DAYS = 90
BATCH = 1000
LOCAL_TZ = ZoneInfo("Europe/Brussels")


def reports_load(*, say: Say, area: ServiceArea, reports: int, devices: int) -> None:
    if Report.objects.filter(source=Report.Source.DEMO).exists():
        return
    rng = random.Random(42)
    device_rows = Device.objects.bulk_create(
        [
            Device(
                token_hash=credential_digest(credential_new("ltd")),
                platform=weighted(rng, PLATFORMS),
                locale=weighted(rng, LOCALES),
                time_zone="Europe/Brussels",
                # Nobody installed these apps: no push token, so no push is ever attempted.
                push_enabled=False,
                last_seen_at=timezone.now() - timedelta(hours=rng.uniform(1, 24 * DAYS)),
            )
            for _ in range(devices)
        ]
    )
    say(f"Devices: created {len(device_rows)}")
    categories = {category.code: category for category in Category.objects.filter(is_active=True)}
    generator = ReportGenerator(rng=rng, area=area, categories=categories, devices=device_rows)
    done = 0
    while done < reports:
        batch = [generator.report() for _ in range(min(BATCH, reports - done))]
        created_at = [generator.received_at(report.occurred_at) for report in batch]
        Report.objects.bulk_create(batch)
        backdate(batch, created_at)
        done += len(batch)
        say(f"Reports: {done}/{reports}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Report._meta.db_table} AS r SET district_id = d.id
            FROM {District._meta.db_table} AS d
            WHERE r.source = %s AND d.service_area_id = %s AND ST_Contains(d.boundary, r.location)
            """,  # noqa: S608 - table names come from the models, values are parameters
            [Report.Source.DEMO, area.pk],
        )


def moderation_load(*, say: Say) -> None:
    """Screen the demo reports like real ones, so the moderation queue and statistics have content."""
    pending = list(
        Report.objects.filter(source=Report.Source.DEMO, case__isnull=True).select_related("category")
    )
    if not pending:
        return
    rng = random.Random(7)
    # A few reports of the kinds moderation exists for, so the queue shows what it is for: each text goes to
    # up to three reports of a category it fits.
    taken: set[Any] = set()
    for codes, text in HELD_TEXTS:
        fitting = [r for r in pending if r.category.code in codes and not r.category.sensitive and r.pk not in taken]
        for report in rng.sample(fitting, k=min(len(fitting), 3)):
            report.description = text
            taken.add(report.pk)
    Report.objects.bulk_update(pending, ["description"], batch_size=BATCH)
    for start in range(0, len(pending), BATCH):
        reports_screen_in_bulk(reports=pending[start:start + BATCH])
        say(f"Moderation: screened {min(start + BATCH, len(pending))}/{len(pending)}")


def map_releases_load(*, say: Say) -> None:
    """Publish the insecurity maps of the demo's whole months, so the analysts' map has content.
    A month is published once; later runs leave it alone."""
    oldest = (timezone.now() - timedelta(days=DAYS)).astimezone(LOCAL_TZ).date()
    first = oldest if oldest.day == 1 else (oldest.replace(day=28) + timedelta(days=4)).replace(day=1)
    for release in releases_publish_closed(first=first, published_by="seed_demo"):
        say(f"Map release: published {release.layer} {release.month:%Y-%m} (ε={release.epsilon})")


def weighted(rng: random.Random, choices: Sequence[tuple[str, float]] | dict[str, float]) -> str:
    items = list(choices.items()) if isinstance(choices, dict) else list(choices)
    return rng.choices([value for value, _ in items], weights=[weight for _, weight in items])[0]


class ReportGenerator:
    """Draws one plausible report at a time: where, what, when, by whom and with which consents."""

    def __init__(
        self, *, rng: random.Random, area: ServiceArea, categories: dict[str, Category], devices: list[Device]
    ) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.inside: Callable[[Point], bool] = area.boundary.prepared.contains
        self.categories = categories
        self.devices = devices
        today = self.now.astimezone(LOCAL_TZ).date()
        self.days = [today - timedelta(days=offset) for offset in range(DAYS)]
        # Some citizens report a lot, most once or twice.
        self.device_weights = list(accumulate(rng.paretovariate(1.3) for _ in devices))
        self.day_weights = {
            week: list(accumulate(week[day.weekday()] for day in self.days)) for week in WEEKS
        }
        self.residential = tuple(
            Place(
                name,
                lng,
                lat,
                RESIDENTIAL_SIGMA_M,
                RESIDENTIAL_SIGMA_M,
                0,
                1.0,
                1.0,
                RESIDENTIAL_INCIDENTS,
                RESIDENTIAL_FACTORS,
                RESIDENTIAL,
            )
            for name, lng, lat in DISTRICT_SEEDS
        )

    def report(self) -> Report:
        rng = self.rng
        insecurity = rng.random() < INSECURITY_SHARE
        place = self._place(insecurity)
        location = self._location(place)
        occurred_at = self._when(INSECURE_HOURS if insecurity else place.hours, place.week)
        device = (
            rng.choices(self.devices, cum_weights=self.device_weights)[0] if rng.random() > 0.03 else None
        )
        language = device.language if device else "nl"
        if insecurity:
            code = weighted(rng, place.factors)
            others = [c for c in place.factors if c not in (code, "insecurity.general")]
            # "General" is a feeling, not a factor; the factors are the concrete reasons.
            factors = ({code} - {"insecurity.general"}) | set(
                rng.sample(others, k=rng.choice((0, 0, 1, 1, 2)))
            )
            night = not 6 <= occurred_at.astimezone(LOCAL_TZ).hour < 20
            perception = rng.choices(range(1, 6), weights=(1, 2, 4, 5, 3) if night else (3, 4, 4, 2, 1))[0]
        else:
            code = weighted(rng, place.incidents)
            factors, perception = set(), None
        category = self.categories[code]
        group = category.group
        against_person = group in (Category.Group.VIOLENCE, Category.Group.HARASSMENT)
        return Report(
            device=device,
            source=Report.Source.DEMO,
            kind=Report.Kind.INSECURITY if insecurity else Report.Kind.INCIDENT,
            category=category,
            description=self._text(category, language),
            language=language,
            location=location,
            accuracy_m=rng.choice((5, 8, 10, 12, 15, 20, 25, 35, 50, 65)),
            occurred_at=occurred_at,
            consent_police=rng.random() < (0.25 if insecurity else 0.8 if against_person else 0.6),
            consent_victim_support=rng.random() < (0.05 if insecurity else 0.45 if against_person else 0.1),
            consent_public_alert=not category.sensitive and rng.random() < 0.55,
            perception=perception,
            factors=sorted(factors),
            status=Report.Status.RECEIVED,
        )

    def received_at(self, occurred_at: datetime) -> datetime:
        """Most reports arrive within the hour, some days later; never in the future."""
        delay = timedelta(minutes=min(self.rng.lognormvariate(3.3, 1.3), 3 * 24 * 60))
        return min(occurred_at + delay, self.now)

    def _place(self, insecurity: bool) -> Place:
        roll = self.rng.random()
        for place in PLACES:
            roll -= place.insecurity_share if insecurity else place.incident_share
            if roll < 0:
                return place
        # What the hotspots leave goes to the neighbourhoods; the dense ones near the centre report more.
        return self.rng.choices(self.residential, weights=RESIDENTIAL_WEIGHTS)[0]

    def _location(self, place: Place) -> Point:
        angle = math.radians(place.angle_deg)
        for _ in range(50):
            along, across = self.rng.gauss(0, place.sigma_along_m), self.rng.gauss(0, place.sigma_across_m)
            east = along * math.cos(angle) - across * math.sin(angle)
            north = along * math.sin(angle) + across * math.cos(angle)
            point = Point(*to_lnglat(east, north, origin=(place.lng, place.lat)), srid=4326)
            if self.inside(point):
                return point
        return Point(place.lng, place.lat, srid=4326)

    def _when(self, hours: Sequence[float], week: Sequence[float]) -> datetime:
        for _ in range(50):
            day: date = self.rng.choices(self.days, cum_weights=self.day_weights[week])[0]
            hour = self.rng.choices(range(24), weights=hours)[0]
            # A night out belongs to the evening it started: 2 a.m. on Friday is Thursday's party.
            if hour < 6:
                day += timedelta(days=1)
            moment = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), tzinfo=LOCAL_TZ)
            moment = moment.astimezone(UTC)
            if moment < self.now - timedelta(minutes=10):
                return moment
        return self.now - timedelta(hours=1)

    def _text(self, category: Category, language: str) -> str:
        if category.sensitive or self.rng.random() < 0.4:
            return ""
        texts = TEXTS.get(category.code, {}).get(language) or GROUP_TEXTS.get(category.group, {}).get(
            language
        )
        return self.rng.choice(texts) if texts else ""


def backdate(reports: list[Report], created_at: list[datetime]) -> None:
    """``created_at`` is ``auto_now_add``, so bulk_create stamps now; demo reports arrived over 90 days."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Report._meta.db_table} AS r SET created_at = v.at, updated_at = v.at
            FROM unnest(%s::uuid[], %s::timestamptz[]) AS v(id, at) WHERE r.id = v.id
            """,  # noqa: S608 - the table name comes from the model, values are parameters
            [[report.id for report in reports], created_at],
        )
