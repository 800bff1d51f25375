"""What each layer counts, how it is sliced, and the calendar a release is cut from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from maps.models import Layer
from reports.models import Category, Report

ALL = "all"

# Local hours [start, end) of each time band. Night wraps around midnight.
BANDS: tuple[tuple[str, int, int], ...] = (("day", 6, 18), ("evening", 18, 22), ("night", 22, 6))
INCIDENT_GROUPS: tuple[str, ...] = tuple(
    group for group in Category.Group.values if group != Category.Group.INSECURITY
)

SLICE_LABELS: dict[str, Promise] = {
    ALL: _("All"),
    "day": _("Day (06–18 h)"),
    "evening": _("Evening (18–22 h)"),
    "night": _("Night (22–06 h)"),
    "property": _("Property crime"),
    "violence": _("Violence"),
    "harassment": _("Harassment"),
    "antisocial": _("Antisocial behaviour"),
}
LAYER_LABELS: dict[str, Promise] = {
    Layer.INSECURITY: _("Feeling unsafe"),
    Layer.INCIDENTS: _("Incidents"),
}
LAYER_UNITS: dict[str, Promise] = {
    Layer.INSECURITY: _("distinct reporters who felt unsafe"),
    Layer.INCIDENTS: _("distinct reporters of an incident"),
}


@dataclass(frozen=True)
class LayerSpec:
    layer: str
    kind: str
    slices: tuple[str, ...]
    # Statuses whose reports count. Rejected reports were judged abusive or false; withdrawn ones were
    # taken back by their reporter. A feeling of insecurity held for its wording still says that
    # someone felt unsafe there, so it counts; an incident is a factual claim, so only published ones.
    statuses: tuple[str, ...]
    perception: bool


LAYERS: dict[str, LayerSpec] = {
    Layer.INSECURITY: LayerSpec(
        layer=Layer.INSECURITY, kind=Report.Kind.INSECURITY, slices=tuple(name for name, _s, _e in BANDS),
        statuses=(Report.Status.RECEIVED, Report.Status.PENDING_REVIEW, Report.Status.PUBLISHED), perception=True,
    ),
    Layer.INCIDENTS: LayerSpec(
        layer=Layer.INCIDENTS, kind=Report.Kind.INCIDENT, slices=INCIDENT_GROUPS,
        statuses=(Report.Status.PUBLISHED,), perception=False,
    ),
}


def band_of_hour(hour: int) -> str:
    for name, start, end in BANDS:
        if (start <= hour < end) if start < end else (hour >= start or hour < end):
            return name
    raise ValueError(f"no band for hour {hour}")


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_parse(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; ValueError otherwise."""
    match = _MONTH.match(text or "")
    if match is None:
        raise ValueError("expected a month as YYYY-MM")
    year = int(match.group(1))
    if not 2000 <= year <= 2999:
        raise ValueError("expected a month as YYYY-MM")
    return date(year, int(match.group(2)), 1)


def month_next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_previous(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class MonthWindow:
    """A calendar month in local time, and the moment after which late reports no longer count."""

    start: datetime
    end: datetime
    received_before: datetime


def month_window(month: date, *, time_zone: str, late_days: int) -> MonthWindow:
    zone = ZoneInfo(time_zone)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = month_next(month)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return MonthWindow(start=start, end=end, received_before=end + timedelta(days=late_days))
