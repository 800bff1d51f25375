from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.services import service_area_activate


def _multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    shape = GEOSGeometry(json.dumps(geometry), srid=4326)
    if isinstance(shape, Polygon):
        return MultiPolygon(shape, srid=4326)
    if isinstance(shape, MultiPolygon):
        return shape
    raise CommandError(f"expected a Polygon or MultiPolygon, found a {shape.geom_type}")


class Command(BaseCommand):
    help = (
        "Load the service area (and its districts) from a GeoJSON file: a Polygon/MultiPolygon, a Feature, "
        "or a FeatureCollection whose features carry properties.role = 'service_area' or 'district' and "
        "properties.name. Defaults to SERVICE_AREA_FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)
        parser.add_argument("--name", help="Name of the service area (default: from the file, or the file name)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"] or settings.SERVICE_AREA_FILE
        if not path:
            raise CommandError("give a GeoJSON file, or set SERVICE_AREA_FILE")
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        name = options["name"]
        districts: list[tuple[str, MultiPolygon]] | None = None
        try:
            if document.get("type") == "FeatureCollection":
                features = document.get("features") or []
                areas = [f for f in features if (f.get("properties") or {}).get("role") == "service_area"]
                if len(areas) != 1:
                    raise CommandError("a FeatureCollection needs exactly one feature with role 'service_area'")
                boundary = _multipolygon(areas[0]["geometry"])
                name = name or (areas[0].get("properties") or {}).get("name")
                districts = [
                    (str(f["properties"].get("name") or f"District {i + 1}"), _multipolygon(f["geometry"]))
                    for i, f in enumerate(f for f in features if (f.get("properties") or {}).get("role") == "district")
                ]
            elif document.get("type") == "Feature":
                boundary = _multipolygon(document["geometry"])
                name = name or (document.get("properties") or {}).get("name")
            else:
                boundary = _multipolygon(document)
            area = service_area_activate(name=name or Path(path).stem, boundary=boundary, districts=districts)
        except (GEOSException, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path} is not a usable service area: {exc}") from exc
        polygon_count, district_count = area.boundary.num_geom, area.districts.count()
        polygons = ngettext("%(count)d polygon", "%(count)d polygons", polygon_count) % {"count": polygon_count}
        districts_loaded = ngettext("%(count)d district", "%(count)d districts", district_count) % {
            "count": district_count
        }
        self.stdout.write(
            _("Service area %(name)r is active: %(polygons)s, %(districts)s, centre %(lng).5f, %(lat).5f")
            % {"name": area.name, "polygons": polygons, "districts": districts_loaded,
               "lng": area.center.x, "lat": area.center.y}
        )
