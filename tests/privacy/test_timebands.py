from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from privacy.timebands import in_quiet_hours, part_of_day, time_ceil, time_floor


def test_times_are_floored_to_the_quarter_hour():
    assert time_floor(datetime(2026, 11, 21, 18, 44, 59, 999, tzinfo=UTC)) == datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    assert time_floor(datetime(2026, 11, 21, 18, 45, tzinfo=UTC)) == datetime(2026, 11, 21, 18, 45, tzinfo=UTC)
    assert time_ceil(datetime(2026, 11, 21, 18, 31, tzinfo=UTC)) == datetime(2026, 11, 21, 18, 45, tzinfo=UTC)


def test_a_step_must_divide_the_hour():
    with pytest.raises(ValueError):
        time_floor(datetime(2026, 1, 1, tzinfo=UTC), 7)


@pytest.mark.parametrize(
    ("hour", "part"),
    [(0, "night"), (4, "night"), (5, "morning"), (11, "morning"), (12, "afternoon"), (17, "afternoon"),
     (18, "evening"), (21, "evening"), (22, "night"), (23, "night")],
)
def test_parts_of_the_day(hour, part):
    assert part_of_day(time(hour, 30)) == part


@pytest.mark.parametrize(
    ("now", "start", "end", "quiet"),
    [
        (time(23, 0), time(22, 0), time(7, 0), True),
        (time(6, 59), time(22, 0), time(7, 0), True),
        (time(7, 0), time(22, 0), time(7, 0), False),
        (time(12, 0), time(22, 0), time(7, 0), False),
        (time(13, 0), time(12, 0), time(14, 0), True),
        (time(14, 0), time(12, 0), time(14, 0), False),
        (time(3, 0), None, time(7, 0), False),
        (time(3, 0), time(7, 0), time(7, 0), False),
    ],
)
def test_quiet_hours_may_run_past_midnight(now, start, end, quiet):
    assert in_quiet_hours(now, start, end) is quiet
