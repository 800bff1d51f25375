"""Live alerts for the demo: two citizens each report the same theft near the same square, a while ago.

The history the other loaders make is weeks old, so nothing in it is alerted; a first look at the app
should find something on the map. These reports take the real path: screened by the rules engine, then
``alert_consider``, which alerts a ``two_devices`` category only when a second device corroborates it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_consider
from backend.demo.city import Say, to_lnglat
from backend.demo.texts import TEXTS
from reports.models import Category, Device, District, Report
from workflows.submit import reports_screen_in_bulk

# (category, where, minutes ago of each report, metres between the two reports). Over an hour ago, so each
# alert is not an ongoing incident and is shown at once (ongoing ones wait ALERT_ONGOING_DELAY_MINUTES).
LIVE_INCIDENTS: tuple[tuple[str, tuple[float, float], tuple[int, int], float], ...] = (
    ("property.bicycle_theft", (3.7215, 51.0545), (100, 80), 60),  # Korenmarkt
    ("property.pickpocketing", (3.7265, 51.0570), (150, 135), 40),  # Vrijdagmarkt
)


def live_alerts_load(*, say: Say) -> None:
    """Leave one live alert per ``LIVE_INCIDENTS`` entry, unless some alert is live already (a second
    ``make run`` within the alerts' lifetime adds nothing)."""
    now = timezone.now()
    if Alert.objects.filter(ended_at__isnull=True, expires_at__gt=now).exists():
        return
    devices = list(
        Device.objects.filter(reports__source=Report.Source.DEMO).distinct().order_by("created_at", "id")[:2]
    )
    if len(devices) < 2:
        return  # --reports 0: no demo citizens to report anything
    made = 0
    for code, (lng, lat), minutes_ago, apart_m in LIVE_INCIDENTS:
        category = Category.objects.get(code=code)
        reports = [
            _report(device=device, category=category, point=Point(*to_lnglat(apart_m * index, 0, origin=(lng, lat))),
                    occurred_at=now - timedelta(minutes=minutes))
            for index, (device, minutes) in enumerate(zip(devices, minutes_ago, strict=True))
        ]
        reports_screen_in_bulk(reports=reports)
        alerts = {alert_consider(report=report) for report in reports} - {None}
        made += len(alerts)
    say(f"Live alerts: created {made}")


def _report(*, device: Device, category: Category, point: Point, occurred_at: datetime) -> Report:
    point.srid = 4326
    texts = TEXTS.get(category.code, {}).get(device.language) or TEXTS.get(category.code, {}).get("en", ("",))
    return Report.objects.create(
        device=device,
        source=Report.Source.DEMO,
        kind=Report.Kind.INCIDENT,
        category=category,
        description=texts[0],
        language=device.language,
        location=point,
        accuracy_m=10,
        district=District.objects.filter(boundary__contains=point).first(),
        occurred_at=occurred_at,
        # Public alerts only: a referral would go to the demo partners' addresses, where nothing answers.
        consent_police=False,
        consent_victim_support=False,
        consent_public_alert=True,
        status=Report.Status.RECEIVED,
    )
