"""The pure helpers of benchmarks/intake.py (in intake_figures.py and intake_server.py). Nothing here starts a
server or touches the database."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from benchmarks import intake_server
from benchmarks.intake_figures import (
    SECTION_END,
    SECTION_START,
    bbox_shrink,
    markdown_section_update,
    percentile,
    point_in_geometry,
    points_inside,
    schedule_offsets,
)
from benchmarks.intake_server import Created

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}
SQUARE_WITH_HOLE = {
    "type": "MultiPolygon",
    "coordinates": [[[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]],
}


def test_the_median_of_an_even_count_lies_between_the_middle_values() -> None:
    assert percentile(list(range(1, 101)), 50) == pytest.approx(50.5)


def test_percentiles_interpolate_between_closest_ranks_like_numpy() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert percentile(values, 40) == pytest.approx(29.0)
    assert percentile(values, 95) == pytest.approx(48.0)


def test_the_extreme_percentiles_are_the_minimum_and_maximum_whatever_the_order() -> None:
    values = [7.0, 1.0, 9.0, 3.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 9.0


def test_a_single_value_is_every_percentile() -> None:
    assert percentile([42.0], 99) == 42.0


def test_a_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_the_schedule_sends_rate_times_seconds_requests_evenly_from_zero() -> None:
    offsets = schedule_offsets(50, 2)
    assert len(offsets) == 100
    assert offsets[0] == 0
    assert offsets[-1] < 2
    assert all(b - a == pytest.approx(0.02) for a, b in itertools.pairwise(offsets))


def test_a_fractional_schedule_rounds_up_and_stays_inside_the_window() -> None:
    offsets = schedule_offsets(3, 1.5)
    assert len(offsets) == 5
    assert max(offsets) < 1.5


def test_a_schedule_needs_a_positive_rate_and_duration() -> None:
    with pytest.raises(ValueError):
        schedule_offsets(0, 10)
    with pytest.raises(ValueError):
        schedule_offsets(50, 0)


def test_shrinking_a_bbox_keeps_its_centre() -> None:
    assert bbox_shrink((0.0, 10.0, 4.0, 30.0), 0.5) == pytest.approx((1.0, 15.0, 3.0, 25.0))


def test_points_inside_a_polygon_are_told_from_points_outside_and_in_holes() -> None:
    assert point_in_geometry(2, 2, SQUARE)
    assert not point_in_geometry(12, 2, SQUARE)
    assert point_in_geometry(2, 2, SQUARE_WITH_HOLE)
    assert not point_in_geometry(5, 5, SQUARE_WITH_HOLE)


def test_sampled_points_all_fall_inside_the_area() -> None:
    points = points_inside(SQUARE_WITH_HOLE, (0, 0, 10, 10), 200, random.Random(3))
    assert len(points) == 200
    assert all(point_in_geometry(lng, lat, SQUARE_WITH_HOLE) for lng, lat in points)


def test_the_figures_section_is_replaced_and_the_rest_of_the_page_kept() -> None:
    page = f"# Performance\n\nHow to run.\n\n{SECTION_START}\nold figures\n{SECTION_END}\n\n## Interpretation\n"
    updated = markdown_section_update(page, "new figures")
    assert "old figures" not in updated
    assert f"{SECTION_START}\nnew figures\n{SECTION_END}" in updated
    assert updated.startswith("# Performance\n\nHow to run.")
    assert updated.endswith("## Interpretation\n")


def test_a_page_without_the_section_gets_it_appended() -> None:
    updated = markdown_section_update("# Performance\n", "figures")
    assert updated == f"# Performance\n\n{SECTION_START}\nfigures\n{SECTION_END}\n"


def test_what_a_run_could_not_delete_is_kept_for_the_next_clean_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_server, "LEFTOVERS", tmp_path / "leftovers.json")
    Created(device_ids=["a", "b"], service_area_id=7).leftovers_save()
    Created(device_ids=["b", "c"]).leftovers_save()
    later = Created(device_ids=["d"])
    later.leftovers_load()
    assert later.device_ids == ["d", "a", "b", "c"]
    assert later.service_area_id == 7
