"""Publishing a month: every cell, each reporter once, noise drawn once, nothing under 5 shown."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import h3
import pytest

from maps.errors import MonthNotClosed
from maps.layers import LAYERS, month_next, month_window
from maps.models import BudgetSpend, Layer, Release, ReleaseCell
from maps.partition import coarser_resolutions, partition_cells
from maps.selectors import layer_contributions
from maps.services import release_publish
from reports.models import Report
from tests.maps import builders
from tests.maps.builders import MONTH, PARK, STATION

pytestmark = pytest.mark.django_db

# With ε = 10 the discrete Laplace is 0 with probability tanh(5) ≈ 0.99991: counts come out exact, so a
# test can see what went in. The cap is raised to match; these tests are about counting, not privacy.
EXACT = Decimal("10")


@pytest.fixture(autouse=True)
def _town(service_area, settings):
    settings.MAPS_MONTHLY_EPSILON_CAP = "20"
    return service_area


def publish(layer: str = Layer.INSECURITY, epsilon: Decimal | None = EXACT) -> Release:
    return release_publish(month=MONTH, layer=layer, epsilon=epsilon, now=builders.after_month())


def noisy(release: Release, where: tuple[float, float], slice_: str) -> int:
    cell = h3.latlng_to_cell(where[1], where[0], release.resolution)
    return ReleaseCell.objects.get(release=release, resolution=release.resolution, cell=cell, slice=slice_).noisy_count


def contributions(layer: str = Layer.INSECURITY):
    window = month_window(MONTH, time_zone="Europe/Brussels", late_days=2)
    return layer_contributions(spec=LAYERS[layer], window=window, time_zone="Europe/Brussels")


def test_every_cell_of_the_partition_is_published_zeros_included(service_area):
    builders.crowd(3)
    release = publish()
    cells = partition_cells(service_area.boundary, 8)
    published = json.loads(bytes(release.geojson))
    assert [feature["properties"]["cell"] for feature in published["features"]] == cells
    assert release.cell_count == len(cells)
    rows = list(csv.DictReader(io.StringIO(bytes(release.csv).decode())))
    assert [row["cell"] for row in rows] == cells
    assert ReleaseCell.objects.filter(release=release, resolution=8).count() == len(cells) * 4


def test_a_reporter_counts_once_per_layer_with_their_latest_report():
    someone = builders.device()
    builders.report(someone, where=STATION, day=3, hour=12)
    builders.report(someone, where=STATION, day=9, hour=23)
    builders.report(someone, where=PARK, day=20, hour=19)  # the latest: the park, in the evening
    assert [(c.slice, round(c.lng, 4)) for c in contributions()] == [("evening", PARK[0])]

    release = publish()
    assert noisy(release, PARK, "evening") == 1
    assert noisy(release, STATION, "day") == 0
    assert noisy(release, STATION, "night") == 0
    assert noisy(release, PARK, "all") == 1


def test_a_reporter_is_in_exactly_one_time_band():
    someone = builders.device()
    for hour in (8, 19, 23, 2):
        builders.report(someone, day=12, hour=hour)
    found = contributions()
    assert len(found) == 1
    # 02:00 on the 12th is the earliest; 23:00 the latest: night.
    assert found[0].slice == "night"


def test_each_layer_bounds_the_reporter_separately():
    someone = builders.device()
    builders.report(someone, kind="insecurity", day=5)
    builders.report(someone, kind="incident", category="violence.robbery", day=6)
    builders.report(someone, kind="incident", category="property.burglary", day=7)
    assert [c.slice for c in contributions(Layer.INSECURITY)] == ["evening"]
    assert [c.slice for c in contributions(Layer.INCIDENTS)] == ["property"]


def test_sensitive_categories_never_reach_the_incidents_layer():
    builders.report(builders.device(), kind="incident", category="violence.domestic")
    builders.report(builders.device(), kind="incident", category="harassment.sexual")
    assert contributions(Layer.INCIDENTS) == []


def test_only_what_a_layer_may_count_is_counted():
    builders.report(builders.device(), status=Report.Status.REJECTED)
    builders.report(builders.device(), status=Report.Status.WITHDRAWN)
    builders.report(None)  # no device: the reporter's contribution could not be bounded
    builders.report(builders.device(), received_after=timedelta(days=30))  # arrived after the month closed
    builders.report(builders.device(), month=month_next(MONTH))
    erased = builders.report(builders.device())
    Report.objects.filter(pk=erased.pk).update(erased_at=builders.after_month())
    assert contributions() == []
    held = builders.report(builders.device(), status=Report.Status.PENDING_REVIEW)
    assert len(contributions()) == 1, "a held feeling of insecurity still says someone felt unsafe"
    builders.report(builders.device(), kind="incident", status=Report.Status.PENDING_REVIEW)
    assert contributions(Layer.INCIDENTS) == [], "an incident counts once moderation published it"
    assert held.pk


def test_a_release_is_computed_once_and_asking_again_changes_nothing():
    builders.crowd(6)
    first = publish(epsilon=Decimal("1"))
    again = publish(epsilon=Decimal("2"))
    assert again.pk == first.pk and again.epsilon == Decimal("1.000")
    assert bytes(again.geojson) == bytes(first.geojson) and bytes(again.csv) == bytes(first.csv)
    assert Release.objects.count() == 1 and BudgetSpend.objects.count() == 1


def test_noisy_counts_under_five_are_shown_as_under_five_and_nothing_else_is():
    for where in (STATION, PARK):
        builders.crowd(2, where=where)
    builders.crowd(9, where=STATION, hour=12)
    release = publish(epsilon=Decimal("1"))
    for row in ReleaseCell.objects.filter(release=release):
        if row.noisy_count < 5:
            assert row.shown == "<5"
        else:
            assert row.shown == str(row.noisy_count)
    features = json.loads(bytes(release.geojson))["features"]
    for feature in features:
        for column in ("day", "evening", "night", "all"):
            value = feature["properties"][column]
            assert value == "<5" or (isinstance(value, int) and value >= 5)


def test_coarser_cells_are_sums_of_the_published_noisy_counts():
    builders.crowd(12)
    release = publish(epsilon=Decimal("1"))
    for resolution in coarser_resolutions(release.resolution):
        for parent in ReleaseCell.objects.filter(release=release, resolution=resolution, slice="night"):
            children = ReleaseCell.objects.filter(release=release, resolution=resolution + 1, slice="night")
            total = sum(c.noisy_count for c in children if h3.cell_to_parent(c.cell, resolution) == parent.cell)
            assert parent.noisy_count == total


def test_a_month_is_refused_until_late_reports_have_stopped_counting():
    with pytest.raises(MonthNotClosed):
        release_publish(month=MONTH, layer=Layer.INSECURITY, now=builders.after_month(days=1))
    assert not Release.objects.exists()


def test_the_mean_perception_is_published_only_where_the_noisy_count_allows(settings):
    settings.MAPS_PERCEPTION_MIN_COUNT = 20
    builders.crowd(40, where=STATION, perception=5)
    builders.crowd(3, where=PARK, perception=1)
    release = publish()
    assert release.epsilon_perception == Decimal("2.5") and release.epsilon_counts == Decimal("7.5")
    by_cell = {f["properties"]["cell"]: f["properties"] for f in json.loads(bytes(release.geojson))["features"]}
    station = by_cell[h3.latlng_to_cell(STATION[1], STATION[0], 8)]
    park = by_cell[h3.latlng_to_cell(PARK[1], PARK[0], 8)]
    assert 4.5 <= station["perception_mean"] <= 5
    assert park["perception_mean"] is None


def test_the_incidents_layer_has_no_perception_and_one_column_per_group():
    builders.report(builders.device(), kind="incident", category="antisocial.noise")
    release = publish(Layer.INCIDENTS)
    header = bytes(release.csv).decode().splitlines()[0]
    assert header == "month,layer,cell,latitude,longitude,property,violence,harassment,antisocial,all"
    assert release.epsilon_perception == 0
