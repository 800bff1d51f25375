"""The maps API: who may read it, what it answers, and that every read is logged."""

from __future__ import annotations

import csv
import io
import json

import h3
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from rest_framework.test import APIClient

from api.services import api_key_create
from maps.models import Layer, MapAccess
from maps.services import release_publish
from referrals.models import Jurisdiction
from tests import factories
from tests.maps import builders
from tests.maps.builders import MONTH, MONTH_TEXT, PARK, STATION
from tests.maps.mvt import decode

pytestmark = pytest.mark.django_db

BASE = "/api/v1/maps"
GEOJSON = f"{BASE}/releases/{MONTH_TEXT}/insecurity.geojson"
CSV = f"{BASE}/releases/{MONTH_TEXT}/insecurity.csv"


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def releases(service_area):
    builders.crowd(14, where=STATION)
    builders.crowd(3, where=PARK)
    builders.report(builders.device(), kind="incident", category="violence.robbery")
    return [
        release_publish(month=MONTH, layer=layer, now=builders.after_month()) for layer in Layer.values
    ]


@pytest.fixture
def authority(db):
    _key, secret = api_key_create(name="City of Test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def west_authority(db, service_area):
    middle = (factories.TOWN_WEST + factories.TOWN_EAST) / 2
    Jurisdiction.objects.create(
        name="West police", kind=Jurisdiction.Kind.POLICE_AREA,
        boundary=MultiPolygon(Polygon.from_bbox((factories.TOWN_WEST, factories.TOWN_SOUTH, middle - 0.005,
                                                 factories.TOWN_NORTH)), srid=4326),
    )
    _key, secret = api_key_create(name="West police key", jurisdiction_names=["West police"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def test_an_authority_lists_the_releases(authority, releases):
    response = authority.get(f"{BASE}/releases/")
    assert response.status_code == 200
    assert [(r["month"], r["layer"], r["epsilon"]) for r in response.json()] == [
        (MONTH_TEXT, "incidents", 1.0), (MONTH_TEXT, "insecurity", 1.0)
    ]
    first = response.json()[1]
    assert set(first) >= {"month", "layer", "epsilon", "published_at"}
    assert first["links"]["geojson"] == GEOJSON
    assert first["links"]["tiles"] == f"{BASE}/tiles/insecurity/{MONTH_TEXT}/{{z}}/{{x}}/{{y}}.mvt"


def test_the_geojson_is_the_stored_release_byte_for_byte_every_time(authority, analyst, releases):
    first = authority.get(GEOJSON)
    second = analyst.client.get(GEOJSON)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/geo+json"
    assert first.content == second.content == bytes(releases[0].geojson)
    assert "immutable" in first["Cache-Control"]
    document = json.loads(first.content)
    station = h3.latlng_to_cell(STATION[1], STATION[0], 8)
    feature = next(f for f in document["features"] if f["properties"]["cell"] == station)
    assert feature["geometry"]["type"] == "Polygon"
    assert isinstance(feature["properties"]["evening"], int) and feature["properties"]["evening"] >= 5
    assert document["lantern"]["epsilon"] == "1.000"


def test_an_unchanged_release_answers_304_to_its_etag(authority, releases):
    first = authority.get(GEOJSON)
    again = authority.get(GEOJSON, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("form", ["{tag}", "W/{tag}", '"other", {tag}', "*"])
def test_it_answers_304_to_a_tiles_etag_however_the_client_sends_it(authority, releases, form):
    x, y = tile_of(*STATION, 13)
    url = f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/{x}/{y}.mvt"
    first = authority.get(url)
    again = authority.get(url, HTTP_IF_NONE_MATCH=form.format(tag=first["ETag"]))
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_it_answers_the_tile_to_another_etag(authority, releases):
    x, y = tile_of(*STATION, 13)
    response = authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/{x}/{y}.mvt", HTTP_IF_NONE_MATCH='"stale"')
    assert response.status_code == 200 and response.content


def test_it_answers_304_to_a_weak_etag_of_a_release(authority, releases):
    first = authority.get(GEOJSON)
    assert authority.get(GEOJSON, HTTP_IF_NONE_MATCH=f"W/{first['ETag']}").status_code == 304


def test_the_csv_has_one_row_per_cell_with_under_five_or_a_number(authority, releases):
    response = authority.get(CSV)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content == bytes(releases[0].csv)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == releases[0].cell_count
    for row in rows:
        for column in ("day", "evening", "night", "all"):
            assert row[column] == "<5" or int(row[column]) >= 5


def test_a_tile_is_a_vector_tile_of_published_values(authority, releases):
    x, y = tile_of(*STATION, 13)
    response = authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = decode(response.content)["insecurity"]
    assert features
    station = h3.latlng_to_cell(STATION[1], STATION[0], 8)
    by_cell = {f["cell"]: f for f in features}
    assert by_cell[station]["evening"] >= 5
    for feature in features:
        for column in ("day", "evening", "night", "all"):
            assert feature[column] == "<5" or feature[column] >= 5
    again = authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/{x}/{y}.mvt")
    assert again.content == response.content


def test_outer_zoom_tiles_show_coarser_cells(authority, releases):
    x, y = tile_of(*STATION, 9)
    features = decode(authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/9/{x}/{y}.mvt").content)["insecurity"]
    assert {h3.get_resolution(f["cell"]) for f in features} == {6}


def test_a_tile_away_from_the_area_is_empty(authority, releases):
    response = authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/12/0/0.mvt")
    assert response.status_code == 200 and response.content == b""


def test_a_key_limited_to_a_jurisdiction_sees_only_whole_cells_that_overlap_it(west_authority, authority, releases):
    everything = json.loads(authority.get(GEOJSON).content)["features"]
    west = json.loads(west_authority.get(GEOJSON).content)["features"]
    jurisdiction = Jurisdiction.objects.get(name="West police").boundary
    assert 0 < len(west) < len(everything)
    kept = {f["properties"]["cell"] for f in west}
    for feature in everything:
        polygon = Polygon(feature["geometry"]["coordinates"][0], srid=4326)
        assert (feature["properties"]["cell"] in kept) == polygon.intersects(jurisdiction)
    assert all(f in everything for f in west), "the same cells, with the same values: never a new polygon"
    rows = list(csv.DictReader(io.StringIO(west_authority.get(CSV).content.decode())))
    assert {row["cell"] for row in rows} == kept
    park = h3.latlng_to_cell(PARK[1], PARK[0], 8)
    x, y = tile_of(*PARK, 13)
    tile = decode(west_authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/{x}/{y}.mvt").content)
    assert park not in {f["cell"] for f in tile.get("insecurity", [])}


def test_a_key_limited_to_the_whole_area_gets_the_same_bytes(releases, service_area):
    Jurisdiction.objects.create(name="Everywhere", kind=Jurisdiction.Kind.MUNICIPALITY, boundary=service_area.boundary)
    _key, secret = api_key_create(name="Whole town", jurisdiction_names=["Everywhere"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get(GEOJSON).content == bytes(releases[0].geojson)
    assert client.get(CSV).content == bytes(releases[0].csv)


def test_every_access_is_logged_with_who_what_and_the_answer(authority, analyst, releases):
    authority.get(GEOJSON)
    analyst.client.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/1/1.mvt")
    authority.get(f"{BASE}/releases/2031-01/insecurity.csv")
    log = list(MapAccess.objects.order_by("at", "pk").values("principal", "endpoint", "params", "status"))
    assert log == [
        {"principal": "api-key:City of Test", "endpoint": "geojson",
         "params": {"month": MONTH_TEXT, "layer": "insecurity"}, "status": 200},
        {"principal": "user:analyst-persona", "endpoint": "tile",
         "params": {"layer": "insecurity", "month": MONTH_TEXT, "z": "13", "x": "1", "y": "1"}, "status": 200},
        {"principal": "api-key:City of Test", "endpoint": "csv",
         "params": {"month": "2031-01", "layer": "insecurity"}, "status": 404},
    ]
    assert MapAccess.objects.filter(api_key__name="City of Test").count() == 2


@pytest.mark.parametrize(("path", "status", "problem"), [
    ("/releases/2026-13/insecurity.geojson", 400, "validation-error"),
    ("/releases/March/insecurity.csv", 400, "validation-error"),
    ("/releases/2026-03/burglaries.geojson", 404, "not-found"),
    ("/releases/2026-04/insecurity.geojson", 404, "not-found"),
    ("/tiles/insecurity/2026-03/23/0/0.mvt", 400, "validation-error"),
    ("/tiles/insecurity/2026-03/2/4/0.mvt", 400, "validation-error"),
    ("/tiles/insecurity/2026-03/2/0/-1.mvt", 400, "validation-error"),
    ("/tiles/insecurity/2026-03/z/0/0.mvt", 400, "validation-error"),
    ("/tiles/nothing/2026-03/2/0/0.mvt", 404, "not-found"),
    ("/releases/2026-03/insecurity.xlsx", 404, "not-found"),
])
def test_a_bad_month_layer_or_tile_answers_a_problem(authority, releases, path, status, problem):
    response = authority.get(BASE + path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:lantern:problem:{problem}"


def test_nobody_else_reads_the_maps(anonymous, citizen, moderator, releases):
    assert anonymous.get(GEOJSON).status_code == 401
    assert citizen.client.get(GEOJSON).status_code == 403
    assert moderator.client.get(GEOJSON).status_code == 403
    refused = moderator.client.get(f"{BASE}/releases/")
    assert refused["Content-Type"] == "application/problem+json"


def test_a_revoked_key_is_refused(releases):
    from django.utils import timezone

    api_key, secret = api_key_create(name="Old key")
    api_key.revoked_at = timezone.now()
    api_key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get(GEOJSON).status_code == 401


def test_reads_are_rate_limited_per_caller_with_retry_after(authority, analyst, releases, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "maps_principal": "3/m"}
    assert [authority.get(GEOJSON).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = authority.get(GEOJSON)
    assert limited["Content-Type"] == "application/problem+json" and int(limited["Retry-After"]) >= 1
    assert analyst.client.get(GEOJSON).status_code == 200, "another caller has its own allowance"
    assert MapAccess.objects.filter(status=429).count() == 2


def test_a_map_library_accept_header_still_gets_a_tile(authority, releases):
    response = authority.get(f"{BASE}/tiles/insecurity/{MONTH_TEXT}/13/1/1.mvt",
                             HTTP_ACCEPT="application/x-protobuf,application/vnd.mapbox-vector-tile")
    assert response.status_code == 200


def test_tiles_are_rendered_ahead_when_a_month_is_published(service_area, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from maps.selectors import MapViewer, _cache_key, _tile_make

    builders.crowd(6, where=STATION)
    with django_capture_on_commit_callbacks(execute=True):
        release = release_publish(month=MONTH, layer=Layer.INSECURITY, now=builders.after_month())
    x, y = tile_of(*STATION, 14)
    stored = cache.get(_cache_key(release, MapViewer(), "tile", 14, x, y))
    assert stored is not None and stored == _tile_make(release=release, z=14, x=x, y=y, viewer=MapViewer())
