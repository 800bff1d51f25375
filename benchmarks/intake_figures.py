"""The figures of benchmarks/intake.py: pure helpers (percentiles, schedules, points in the area), the results
of a phase and the verdicts against the product's aims. Nothing here starts a server or touches a database."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

AIM_THROUGHPUT_RATIO = 0.5
AIM_P95_MS = 100.0

REQUEST_TIMEOUT_S = 30.0
SECTION_START = "<!-- intake-benchmark:start -->"
SECTION_END = "<!-- intake-benchmark:end -->"

BBox = tuple[float, float, float, float]


# --- pure helpers (tested in tests/benchmarks/test_intake_script.py) ---------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def schedule_offsets(rate: float, seconds: float) -> list[float]:
    """Send times, in seconds from the start, of an open-loop load of ``rate`` requests a second.

    Evenly spaced, first at 0, all strictly before ``seconds``: ``rate × seconds`` of them.
    """
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    count = math.ceil(rate * seconds - 1e-9)
    return [i / rate for i in range(count)]


def bbox_shrink(bbox: BBox, fraction: float) -> BBox:
    """``bbox`` (west, south, east, north) with ``fraction`` of its width and height taken off, centred."""
    if not 0 <= fraction < 1:
        raise ValueError("fraction must be in [0, 1)")
    west, south, east, north = bbox
    dx, dy = (east - west) * fraction / 2, (north - south) * fraction / 2
    return west + dx, south + dy, east - dx, north - dy


def _ring_contains(ring: Sequence[Sequence[float]], x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise([tuple(p[:2]) for p in ring]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def point_in_geometry(lng: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Whether a point lies inside a GeoJSON Polygon or MultiPolygon (holes respected, even-odd rule)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")
    for rings in polygons:
        outer, *holes = rings
        if _ring_contains(outer, lng, lat) and not any(_ring_contains(hole, lng, lat) for hole in holes):
            return True
    return False


def points_inside(
    geometry: dict[str, Any], bbox: BBox, count: int, rng: random.Random, *, max_tries: int = 100_000
) -> list[tuple[float, float]]:
    """``count`` random points of ``bbox`` that fall inside ``geometry`` (rejection sampling, bounded)."""
    west, south, east, north = bbox
    points: list[tuple[float, float]] = []
    for _ in range(max_tries):
        lng, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
        if point_in_geometry(lng, lat, geometry):
            points.append((lng, lat))
            if len(points) == count:
                return points
    raise RuntimeError(f"found only {len(points)} of {count} points inside the service area")


def markdown_section_update(document: str, section: str) -> str:
    """``document`` with the text between the benchmark markers replaced by ``section`` (appended,
    markers included, when the markers are missing)."""
    block = f"{SECTION_START}\n{section.strip()}\n{SECTION_END}"
    start, end = document.find(SECTION_START), document.find(SECTION_END)
    if start != -1 and end > start:
        return document[:start] + block + document[end + len(SECTION_END):]
    return document.rstrip("\n") + ("\n\n" if document.strip() else "") + block + "\n"


# --- results -----------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    endpoint: str
    phase: str
    load: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of 2xx answers, in seconds
    rejected: int = 0  # 422: the server found the point outside the service area
    statuses: Counter[str] = field(default_factory=Counter)  # anything else: status code or exception name
    # CPU seconds over metered wall seconds (summed over rounds); machine as busy/total jiffies.
    metered_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    machine_ticks: tuple[int, int] = (0, 0)
    max_send_lag_ms: float | None = None
    warmup_requests: int = 0
    warmup_slowest_ms: float = 0.0  # a cold start (first queries, lazily built caches) shows here

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(self.statuses.values())

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def quantile_ms(self, q: float) -> float | None:
        return percentile(self.latencies, q) * 1000 if self.latencies else None

    @property
    def client_cpu(self) -> float:
        """The load generator's CPU, as a share of one core."""
        return self.client_cpu_s / self.metered_s if self.metered_s else 0.0

    @property
    def server_cpu(self) -> float:
        """All uvicorn processes' CPU together, as a share of one core."""
        return self.server_cpu_s / self.metered_s if self.metered_s else 0.0

    @property
    def machine_busy(self) -> float:
        """The whole machine, as a share of all its cores."""
        busy, total = self.machine_ticks
        return busy / total if total else 0.0


def ms_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def results_table(results: Sequence[PhaseResult]) -> list[list[str]]:
    rows = [["endpoint", "phase", "load", "2xx", "422", "errors", "2xx/s", "p50 ms", "p95 ms", "p99 ms",
             "client CPU", "server CPU", "machine busy"]]
    for r in results:
        rows.append([
            r.endpoint, r.phase, r.load, str(r.ok), str(r.rejected), str(r.errors), f"{r.throughput:.1f}",
            ms_text(r.quantile_ms(50)), ms_text(r.quantile_ms(95)), ms_text(r.quantile_ms(99)),
            f"{r.client_cpu:.0%}", f"{r.server_cpu:.0%}", f"{r.machine_busy:.0%}",
        ])
    return rows


def _find(results: Sequence[PhaseResult], endpoint: str, phase: str) -> PhaseResult | None:
    return next((r for r in results if r.endpoint == endpoint and r.phase == phase), None)


def verdicts(results: Sequence[PhaseResult]) -> list[str]:
    lines = []
    intake, bare = _find(results, "intake", "saturation"), _find(results, "bare", "saturation")
    if intake and bare and bare.throughput:
        ratio = intake.throughput / bare.throughput
        met = "met" if ratio >= AIM_THROUGHPUT_RATIO else "MISSED"
        lines.append(f"Throughput intake/bare: {ratio:.3f} (aim ≥ {AIM_THROUGHPUT_RATIO:.2f}: {met})")
    fixed = _find(results, "intake", "fixed rate")
    if fixed:
        p95 = fixed.quantile_ms(95)
        met = "met" if p95 is not None and p95 < AIM_P95_MS and not fixed.errors else "MISSED"
        lines.append(f"Intake p95 at {fixed.load}: {ms_text(p95)} ms, {fixed.errors} errors "
                     f"(aim < {AIM_P95_MS:.0f} ms, no errors: {met})")
    for r in results:
        if r.statuses:
            lines.append(f"{r.endpoint} {r.phase} errors: "
                         + ", ".join(f"{k}×{v}" for k, v in r.statuses.most_common()))
        if r.warmup_requests:
            lines.append(f"{r.endpoint} {r.phase} warm-up: {r.warmup_requests} requests, the slowest "
                         f"answered in {r.warmup_slowest_ms:.0f} ms")
        if r.max_send_lag_ms is not None and r.max_send_lag_ms > 20:
            lines.append(f"{r.endpoint} {r.phase}: the load generator sent up to "
                         f"{r.max_send_lag_ms:.0f} ms late")
    return lines


def format_text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(w) if i > 2 else cell.ljust(w) for i, (cell, w) in
                               enumerate(zip(row, widths, strict=True))) for row in rows)


def format_markdown_table(rows: Sequence[Sequence[str]]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < 3 else "---:" for i in
                                                             range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)
