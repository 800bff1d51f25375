"""What the public sees of an alert, and the words of every push, in each recipient's language.

Texts are generated from the category label, the part of the day and the district name only: a
reporter's free text never goes into a push. The in-app alert may add the moderated, redacted text
(``ALERT_SHOW_DETAILS``). Wordings live in ``alerts/data/alert_texts.json``, next to the taxonomy's
labels, so that a translator edits data, not code.
"""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from privacy.timebands import part_of_day

TEXTS_FILE = Path(__file__).resolve().parent / "data" / "alert_texts.json"
FALLBACK_LANGUAGE = "en"
NOTICE_EVENTS = ("published", "rejected", "referral_acknowledged", "updated")


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    return json.loads(TEXTS_FILE.read_text(encoding="utf-8"))


def language_of(locale: str | None) -> str:
    """``fr-BE`` → ``fr``; a language Lantern has no texts for falls back to English."""
    language = (locale or FALLBACK_LANGUAGE).split("-")[0].split("_")[0].lower()
    return language if language in _texts()["alert"] else FALLBACK_LANGUAGE


def zone_of(time_zone: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def alert_texts(
    *, labels: dict[str, str], district: str, occurred_at: datetime, language: str, time_zone: str | None
) -> tuple[str, str]:
    """(title, body) of an alert for one recipient: the part of the day is the recipient's local one."""
    language = language_of(language)
    words = _texts()["alert"][language]
    category = labels.get(language) or labels.get(FALLBACK_LANGUAGE) or ""
    part = words["parts"][part_of_day(occurred_at.astimezone(zone_of(time_zone)))]
    title = (words["title"] if district else words["title_nearby"]).format(category=category, district=district)
    return title, words["body"].format(part=part)


def notice_texts(*, event: str, language: str) -> tuple[str, str]:
    """(title, body) of a personal notice to a reporter; never the report's own text."""
    language = language_of(language)
    notices = _texts()["notice"][language]
    title, body = notices.get(event) or notices["updated"]
    return title, body


def alert_details(alert: Any) -> str:
    """The moderated, redacted text of the alert's first report, for the in-app alert only."""
    if not settings.ALERT_SHOW_DETAILS:
        return ""
    links = sorted(alert.links.all(), key=lambda link: (link.created_at, link.pk))
    for link in links:
        report = link.report
        if report.status == "published" and report.public_description:
            return report.public_description
    return ""


def alert_public(alert: Any) -> dict[str, Any]:
    """An alert in no language in particular: what live feeds carry and every rendering starts from."""
    category = alert.category
    return {
        "id": str(alert.id),
        "category": category.code,
        "group": category.group,
        "labels": category.labels,
        "district": alert.district_name,
        "coordinates": [round(alert.point.x, 7), round(alert.point.y, 7)],
        "cell": alert.cell,
        "occurred_at": alert.occurred_at.isoformat(),
        "expires_at": alert.expires_at.isoformat(),
        "report_count": alert.report_count,
        "details": alert_details(alert),
    }


def alert_feature(public: dict[str, Any], *, language: str, time_zone: str | None) -> dict[str, Any]:
    """A GeoJSON Feature of a public alert for one reader, texts in their language and local time."""
    occurred_at = datetime.fromisoformat(public["occurred_at"])
    title, body = alert_texts(
        labels=public["labels"], district=public["district"], occurred_at=occurred_at, language=language,
        time_zone=time_zone,
    )
    return {
        "type": "Feature",
        "id": public["id"],
        "geometry": {"type": "Point", "coordinates": public["coordinates"]},
        "properties": {
            "category": public["category"],
            "group": public["group"],
            "title": title,
            "text": body,
            "district": public["district"] or None,
            "part_of_day": part_of_day(occurred_at.astimezone(zone_of(time_zone))),
            "occurred_at": public["occurred_at"],
            "expires_at": public["expires_at"],
            "report_count": public["report_count"],
            "cell": public["cell"],
            "details": public["details"] or None,
        },
    }
