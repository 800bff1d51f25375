"""Coarse times for public alerts: 15-minute steps and parts of the day. Pure: no Django.

An exact minute says when someone pressed "send", and from there who they might be; a quarter of an hour
and "in the evening" say what nearby citizens need to know.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

STEP_MINUTES = 15

# Parts of the day as people speak of them; the boundaries are local hours.
PARTS_OF_DAY: tuple[tuple[int, str], ...] = ((5, "morning"), (12, "afternoon"), (18, "evening"), (22, "night"))


def time_floor(moment: datetime, minutes: int = STEP_MINUTES) -> datetime:
    """``moment`` rounded down to a multiple of ``minutes`` past the hour (seconds dropped)."""
    if minutes <= 0 or 60 % minutes:
        raise ValueError("minutes must divide an hour")
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


def time_ceil(moment: datetime, minutes: int = STEP_MINUTES) -> datetime:
    floored = time_floor(moment, minutes)
    return floored if floored == moment else floored + timedelta(minutes=minutes)


def part_of_day(local: datetime | time) -> str:
    """``morning`` (5–12 h), ``afternoon`` (12–18 h), ``evening`` (18–22 h) or ``night`` (22–5 h), local time."""
    hour = local.hour
    name = "night"
    for start, part in PARTS_OF_DAY:
        if hour >= start:
            name = part
    return name


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """Whether the local time falls in quiet hours [start, end), which may run past midnight.

    No quiet hours when either bound is missing or both are equal.
    """
    if start is None or end is None or start == end:
        return False
    moment = local.replace(tzinfo=None)
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end
