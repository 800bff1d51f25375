"""GeoJSON and CSV bytes of a release. Deterministic: the same cells give the same bytes, byte for byte.

Only shown values leave here: a noisy count at or above the threshold as a number, ``<5`` otherwise.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import h3

from maps.layers import ALL
from maps.partition import cell_ring


@dataclass(frozen=True)
class CellValues:
    cell: str
    shown: dict[str, str]  # slice → shown value
    perception: float | None = None


@dataclass(frozen=True)
class ReleaseHeader:
    month: str
    layer: str
    epsilon: str
    resolution: int
    threshold: int
    time_zone: str
    published_at: str
    slices: tuple[str, ...]
    unit: str
    perception: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.slices, ALL)


def _value(shown: str) -> int | str:
    return int(shown) if shown.isdigit() else shown


def _properties(header: ReleaseHeader, cell: CellValues) -> dict[str, Any]:
    properties: dict[str, Any] = {"cell": cell.cell}
    for column in header.columns:
        properties[column] = _value(cell.shown[column])
    if header.perception:
        properties["perception_mean"] = cell.perception
    return properties


def geojson_bytes(header: ReleaseHeader, cells: Sequence[CellValues]) -> bytes:
    """A FeatureCollection, one hexagon per cell (sorted by cell id), release metadata as a foreign member."""
    collection = {
        "type": "FeatureCollection",
        "lantern": {
            "month": header.month,
            "layer": header.layer,
            "unit": header.unit,
            "epsilon": header.epsilon,
            "h3_resolution": header.resolution,
            "threshold": header.threshold,
            "suppressed": f"<{header.threshold}",
            "time_zone": header.time_zone,
            "slices": list(header.columns),
            "published_at": header.published_at,
            **header.extra,
        },
        "features": [
            {
                "type": "Feature",
                "id": cell.cell,
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(cell.cell)]},
                "properties": _properties(header, cell),
            }
            for cell in sorted(cells, key=lambda c: c.cell)
        ],
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()


def csv_bytes(header: ReleaseHeader, cells: Sequence[CellValues]) -> bytes:
    """One row per cell: id, centre, the shown value of each slice and of ``all`` (and the mean perception)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = ["month", "layer", "cell", "latitude", "longitude", *header.columns]
    if header.perception:
        columns.append("perception_mean")
    writer.writerow(columns)
    for cell in sorted(cells, key=lambda c: c.cell):
        lat, lng = h3.cell_to_latlng(cell.cell)
        row: list[Any] = [header.month, header.layer, cell.cell, f"{lat:.6f}", f"{lng:.6f}"]
        row += [cell.shown[column] for column in header.columns]
        if header.perception:
            row.append("" if cell.perception is None else f"{cell.perception:.1f}")
        writer.writerow(row)
    return buffer.getvalue().encode()


def content_hash(geojson: bytes, csv_data: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(geojson)
    digest.update(csv_data)
    return digest.hexdigest()
