#!/usr/bin/env python
"""A re-identification simulation: can an attacker who holds every public output of Lantern (alerts,
Open311 requests, the monthly map releases and the transparency report) find where a reporter really
was, to within 50 m?

Run ``.venv/bin/python benchmarks/reidentification.py``. No database: a synthetic city (a disk of 5.5 km
around Ghent's centre, reporters clustered at six hot spots and spread over the rest), one insecurity
report per reporter and month, and for the reports whose author allowed it, public records. The releases
come from the real mechanism (``privacy.dp``: discrete Laplace counts on the fixed H3 partition, the
insecurity layer's count share of ε, ``<5`` on noisy counts). A published report has **one public
location** (``privacy.geo``: planar Laplace noise of ε = ln 4 / 250 m by default, drawn once, snapped to the centre of
its H3 resolution-9 cell), which its alert and its Open311 request both carry. Districts are modelled by
H3 resolution-7 cells (about 5 km², like a city district): the alert and Open311 name the district, and
the transparency report counts per district and month (noised; it says nothing finer than a district).

The attacker is strong: they link the alert and the Open311 request of their target (same category,
district and hour), know its time band, and hold every release. For each target they guess one point,
and succeed if it is within 50 m of the true location. Guesses compared:

* every output together: the Bayesian best guess, i.e. the most likely point of the target's district
  given the public location (planar Laplace likelihood) and the release of that month and band as a
  prior on where reporters are;
* the public location as published (alert = Open311);
* the same Bayesian guess with the *true* counts as the prior (what no differential privacy would give);
* **before the one public form** (for comparison): Open311 published the centre of the report's *true*
  resolution-9 cell while the alert had its own noisy point; the attacker takes the Open311 point, or the
  Bayesian guess inside that cell given the alert;
* the centre of the busiest cell of the release (the release alone);
* what "rounding points" publishes instead: the true point rounded to 3 decimals of a degree.

Synthetic data and attacker's choices use a seeded ``random.Random`` (this is not privacy code); the
release noise comes from OpenDP and the alert noise from ``secrets`` as in production, so figures move
a little between runs. Prints a Markdown table with 95 % Wilson intervals.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

import h3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privacy import dp

CENTRE = (3.7215, 51.0545)
RADIUS_M = 5500
RESOLUTION = 8
ALERT_RESOLUTION = 9
GEO_EPSILON = math.log(4) / 250  # per metre; --noise-radius and --noise-odds change it
SUCCESS_M = 50
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LNG = M_PER_DEG_LAT * math.cos(math.radians(CENTRE[1]))
HOTSPOTS = ((-750, -2060, 250), (700, -1470, 120), (60, -1890, 220), (560, 280, 110), (0, 0, 150), (2110, 190, 180))
BANDS = ("day", "evening", "night")
BAND_WEIGHTS = (0.35, 0.35, 0.30)
GRID_M = 25
SEARCH_M = 800
DISTRICT_RESOLUTION = 7


def to_lnglat(x: float, y: float) -> tuple[float, float]:
    return CENTRE[0] + x / M_PER_DEG_LNG, CENTRE[1] + y / M_PER_DEG_LAT


def to_xy(lng: float, lat: float) -> tuple[float, float]:
    return (lng - CENTRE[0]) * M_PER_DEG_LNG, (lat - CENTRE[1]) * M_PER_DEG_LAT


def cell_of(x: float, y: float, resolution: int = RESOLUTION) -> str:
    lng, lat = to_lnglat(x, y)
    return h3.latlng_to_cell(lat, lng, resolution)


def _planar_laplace(lng: float, lat: float, rng: random.Random) -> tuple[float, float]:
    try:  # the production sampler, when privacy/geo.py is there
        from privacy.geo import planar_laplace

        point = planar_laplace(lng, lat, epsilon=GEO_EPSILON)
        return point.lng, point.lat
    except ImportError:
        # Radius ~ Gamma(2, 1/ε): the sum of two exponential draws; the angle is uniform.
        radius = (rng.expovariate(1) + rng.expovariate(1)) / GEO_EPSILON
        angle = rng.uniform(0, 2 * math.pi)
        x, y = to_xy(lng, lat)
        return to_lnglat(x + radius * math.cos(angle), y + radius * math.sin(angle))


@dataclass(frozen=True)
class Report:
    x: float
    y: float
    band: str
    public: tuple[float, float] | None  # (x, y) of the one public location (alert and Open311)
    old_alert: tuple[float, float] | None  # before: the alert's own draw, next to Open311's true cell centre


def district_of(x: float, y: float) -> str:
    return h3.cell_to_parent(cell_of(x, y), DISTRICT_RESOLUTION)


def _public_point(x: float, y: float, rng: random.Random) -> tuple[float, float]:
    noisy_lng, noisy_lat = _planar_laplace(*to_lnglat(x, y), rng)
    snapped = h3.cell_to_latlng(h3.latlng_to_cell(noisy_lat, noisy_lng, ALERT_RESOLUTION))
    return to_xy(snapped[1], snapped[0])


def month_simulate(rng: random.Random, reporters: int, alert_share: float) -> list[Report]:
    reports = []
    for _ in range(reporters):
        if rng.random() < 0.6:
            hx, hy, sigma = rng.choice(HOTSPOTS)
            x, y = rng.gauss(hx, sigma), rng.gauss(hy, sigma)
        else:
            r, a = RADIUS_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            x, y = r * math.cos(a), r * math.sin(a)
        if math.hypot(x, y) > RADIUS_M:
            continue
        band = rng.choices(BANDS, weights=BAND_WEIGHTS)[0]
        public = old_alert = None
        if rng.random() < alert_share:
            public, old_alert = _public_point(x, y, rng), _public_point(x, y, rng)
        reports.append(Report(x, y, band, public, old_alert))
    return reports


def partition() -> list[str]:
    centre = cell_of(0, 0)
    k = math.ceil((RADIUS_M + 1000) / (2 * h3.average_hexagon_edge_length(RESOLUTION, "m")))
    return sorted(
        c for c in h3.grid_disk(centre, k) if math.hypot(*to_xy(*h3.cell_to_latlng(c)[::-1])) <= RADIUS_M + 600
    )


def release(reports: list[Report], cells: list[str], epsilon: Decimal) -> tuple[dict, dict]:
    """(shown, true) counts per (cell, band), through the production mechanism."""
    true = Counter((cell_of(r.x, r.y), r.band) for r in reports)
    keys = [(cell, band) for cell in cells for band in BANDS]
    noisy = dp.counts_release([true[key] for key in keys], epsilon=epsilon)
    shown = {key: dp.count_shown(n) for key, n in zip(keys, noisy, strict=True)}
    return shown, {key: true[key] for key in keys}


class Grid:
    """A 25 m grid over the city, each point knowing its resolution-8 cell, its district and its
    resolution-9 cell."""

    def __init__(self) -> None:
        side = int((RADIUS_M + SEARCH_M) / GRID_M)
        self.cells: dict[tuple[int, int], str] = {}
        self.districts: dict[tuple[int, int], str] = {}
        self.fine: dict[tuple[int, int], str] = {}
        for i in range(-side, side + 1):
            for j in range(-side, side + 1):
                self.fine[(i, j)] = cell_of(i * GRID_M, j * GRID_M, ALERT_RESOLUTION)
                self.cells[(i, j)] = h3.cell_to_parent(self.fine[(i, j)], RESOLUTION)
                self.districts[(i, j)] = h3.cell_to_parent(self.fine[(i, j)], DISTRICT_RESOLUTION)

    def around(self, x: float, y: float) -> list[tuple[int, int]]:
        ci, cj, reach = round(x / GRID_M), round(y / GRID_M), SEARCH_M // GRID_M
        return [(i, j) for i in range(ci - reach, ci + reach + 1) for j in range(cj - reach, cj + reach + 1)
                if (i, j) in self.cells and (i - ci) ** 2 + (j - cj) ** 2 <= reach**2]


def best_guess(
    grid: Grid, alert: tuple[float, float], weight: Callable[[str], float], *, district: str | None = None,
    inside: str | None = None,
) -> tuple[float, float]:
    """The most probable true point: prior weight of its cell × planar Laplace likelihood of the alert,
    among the points of ``district`` (named by the alert and Open311) and, when Open311 gave it away,
    of the resolution-9 cell ``inside``."""
    best, best_score = alert, -math.inf
    for i, j in grid.around(*alert):
        if district is not None and grid.districts[(i, j)] != district:
            continue
        if inside is not None and grid.fine[(i, j)] != inside:
            continue
        prior = weight(grid.cells[(i, j)])
        if prior <= 0:
            continue
        score = math.log(prior) - GEO_EPSILON * math.hypot(i * GRID_M - alert[0], j * GRID_M - alert[1])
        if score > best_score:
            best, best_score = (i * GRID_M, j * GRID_M), score
    return best


def _band_weight(cell: str, *, shown: dict, band: str) -> float:
    return shown_weight(shown.get((cell, band), "0"))


def shown_weight(value: str) -> float:
    # What an attacker reads into "<5": somewhere between none and four, so two and a half.
    return 2.5 if value.startswith("<") else float(value)


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if total == 0:
        return math.nan, math.nan
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reporters", type=int, default=3000, help="reporters per month")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--alert-share", type=float, default=0.55)
    parser.add_argument("--epsilon", default="0.75", help="ε of the counts (the insecurity layer's share)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise-radius", type=float, default=250.0,
                        help="ALERT_NOISE_RADIUS_M of the public location (metres)")
    parser.add_argument("--noise-odds", type=float, default=4.0, help="ALERT_NOISE_ODDS of the public location")
    args = parser.parse_args()
    global GEO_EPSILON  # one knob, read by the sampler and by the attacker's likelihood alike
    GEO_EPSILON = math.log(args.noise_odds) / args.noise_radius

    rng = random.Random(args.seed)
    cells = partition()
    grid = Grid()
    hits: dict[str, int] = defaultdict(int)
    distances: dict[str, list[float]] = defaultdict(list)
    targets = 0
    for _month in range(args.months):
        reports = month_simulate(rng, args.reporters, args.alert_share)
        shown, true = release(reports, cells, Decimal(args.epsilon))
        busiest = {band: max(cells, key=lambda c, b=band: shown_weight(shown[(c, b)])) for band in BANDS}
        for report in reports:
            if report.public is None:
                continue
            targets += 1
            rounded = to_xy(*(round(v, 3) for v in to_lnglat(report.x, report.y)))
            busy_lat, busy_lng = h3.cell_to_latlng(busiest[report.band])
            district = district_of(report.x, report.y)
            true_cell = cell_of(report.x, report.y, ALERT_RESOLUTION)
            old_open311 = to_xy(*h3.cell_to_latlng(true_cell)[::-1])
            prior_dp = partial(_band_weight, shown=shown, band=report.band)
            guesses = {
                "**every output together** (public location + district + DP releases, Bayesian)": best_guess(
                    grid, report.public, prior_dp, district=district),
                "public location as published (alert = Open311)": report.public,
                "every output, exact counts as prior (no DP, for comparison)": best_guess(
                    grid, report.public, lambda c, b=report.band, t=true: t.get((c, b), 0) + 0.5, district=district),
                "before: Open311's true res-9 cell centre": old_open311,
                "before: alert + Open311 cell + DP releases (Bayesian)": best_guess(
                    grid, report.old_alert, prior_dp, inside=true_cell),
                "DP releases alone (busiest cell)": to_xy(busy_lng, busy_lat),
                "rounding points to 0.001° (others' practice)": rounded,
            }
            for name, (gx, gy) in guesses.items():
                distance = math.hypot(gx - report.x, gy - report.y)
                distances[name].append(distance)
                hits[name] += distance <= SUCCESS_M

    print(f"{targets} targets over {args.months} synthetic months of {args.reporters} reporters; "
          f"counts ε={args.epsilon}, one public location ε=ln{args.noise_odds:g}/{args.noise_radius:g} m "
          f"snapped to H3 res {ALERT_RESOLUTION}; "
          f"districts H3 res {DISTRICT_RESOLUTION}; success ≤ {SUCCESS_M} m\n")
    print("| attacker's guess | located within 50 m | 95 % interval | median error |")
    print("| --- | --- | --- | --- |")
    for name in distances:
        low, high = wilson(hits[name], targets)
        median = sorted(distances[name])[len(distances[name]) // 2]
        print(f"| {name} | {100 * hits[name] / targets:.1f} % ({hits[name]}/{targets}) | "
              f"{100 * low:.1f}–{100 * high:.1f} % | {median:.0f} m |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
