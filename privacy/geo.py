"""Geo-indistinguishability: planar Laplace noise for points shown to the public.

A mechanism is ε-geo-indistinguishable when, for any two true points ``x`` and ``x'`` at distance
``d(x, x')``, the probabilities of any reported point differ by a factor of at most ``exp(ε·d)``
(Andrés, Bordenabe, Chatzikokolakis, Palamidessi, CCS 2013). With ``ε = ℓ / r``, points within ``r`` of
each other are indistinguishable at level ``ℓ``: the default ``ℓ = ln 4`` within 200 m means an observer's
odds between any two places 200 m apart change by at most 4×.

The planar Laplace density is ``ε²/(2π) · exp(−ε·ρ)`` around the true point: the angle is uniform and the
radius ``ρ`` follows Gamma(2, 1/ε), whose CDF ``C(ρ) = 1 − (1 + ερ)·exp(−ερ)`` inverts through the
``−1`` branch of Lambert's W: ``ρ = −(W₋₁((p − 1)/e) + 1)/ε``.

Pure maths (and H3 for the snap): no Django, no ``random``. Draws come from the operating system's
CSPRNG (``secrets``); a caller stores what it drew, so that asking twice never averages the noise away.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Protocol

import h3

# Mean Earth radius (IUGG), metres. The offsets involved are at most a few kilometres, where a sphere
# and the WGS 84 ellipsoid differ by far less than the noise itself.
EARTH_RADIUS_M = 6_371_008.8

DEFAULT_LEVEL = math.log(4)
DEFAULT_RADIUS_M = 200.0

_INV_E = math.exp(-1)


class UniformSource(Protocol):
    """Anything with ``random() -> float`` uniform on [0, 1): ``secrets.SystemRandom`` in production."""

    def random(self) -> float: ...


def epsilon_for(level: float = DEFAULT_LEVEL, radius_m: float = DEFAULT_RADIUS_M) -> float:
    """ε (per metre) that gives privacy ``level`` within ``radius_m``: ε = ℓ / r."""
    if level <= 0 or radius_m <= 0:
        raise ValueError("level and radius must be positive")
    return level / radius_m


def _w_minus1_plus_one(p: float, log_one_minus_p: float | None = None) -> float:
    """δ = W₋₁((p − 1)/e) + 1 ≤ 0 for p ∈ [0, 1), solved in δ so that nothing cancels near the branch point.

    From w·eʷ = (p − 1)/e with w = δ − 1: (1 − δ)·e^δ = 1 − p. Newton's method on
    ψ(δ) = (1 − δ)·expm1(δ) − δ + p while |δ| < 1 (exact to rounding even when p is tiny), and on
    g(δ) = log1p(−δ) + δ − log1p(−p) beyond (well conditioned for large |δ|, where p is close to 1).
    """
    if p == 0.0:
        return 0.0
    if p < 0.3:
        q = -math.sqrt(2.0 * p)  # series of W₋₁ around the branch point
        delta = q - q * q / 3.0 + 11.0 / 72.0 * q**3 - 43.0 / 540.0 * q**4
        if p < 1e-8:
            return delta  # the series' next term is below a double's precision here
    else:
        l1 = (math.log1p(-p) if log_one_minus_p is None else log_one_minus_p) - 1.0
        l2 = math.log(-l1)
        delta = l1 - l2 + l2 / l1 + 1.0
    target = math.log1p(-p) if log_one_minus_p is None else log_one_minus_p
    for _ in range(100):
        if delta > -1.0:
            psi = (1.0 - delta) * math.expm1(delta) - delta + p
            slope = -delta * math.exp(delta)
        else:
            psi = math.log1p(-delta) + delta - target
            slope = -delta / (1.0 - delta)
        if slope == 0.0:
            break
        step = psi / slope
        new_delta = min(delta - step, 0.0)
        if new_delta == delta or abs(new_delta - delta) <= 4e-16 * abs(new_delta):
            return new_delta
        # Newton from the series start approaches from one side; halve a step that would overshoot 0.
        delta = new_delta if new_delta < 0.0 else delta / 2.0
    return delta


def lambert_w_minus1(x: float) -> float:
    """The ``−1`` branch of Lambert's W on [−1/e, 0): the w ≤ −1 with w·eʷ = x."""
    if not -_INV_E - 1e-15 <= x < 0:
        raise ValueError("W₋₁ is defined on [−1/e, 0)")
    p = min(max(1.0 + math.e * x, 0.0), math.nextafter(1.0, 0.0))
    # Near 0, 1 + e·x rounds to 1; ln(1 − p) = 1 + ln(−x) keeps every digit there.
    return _w_minus1_plus_one(p, 1.0 + math.log(-x) if x > -0.1 else None) - 1.0


def laplace_radius(epsilon: float, p: float) -> float:
    """The radius (metres) at quantile ``p`` ∈ [0, 1) of Gamma(2, 1/ε): the inverse CDF of the noise radius."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    if not 0.0 <= p < 1.0:
        raise ValueError("p must be in [0, 1)")
    return -_w_minus1_plus_one(p) / epsilon


def laplace_radius_cdf(epsilon: float, radius_m: float) -> float:
    """P(noise radius ≤ ``radius_m``) = 1 − (1 + ερ)·e^(−ερ)."""
    if radius_m <= 0:
        return 0.0
    u = epsilon * radius_m
    if u < 0.1:
        # Σ_{k≥2} (−1)^k (k − 1) u^k / k!: the closed form cancels to nothing for small u.
        total, term = 0.0, u
        for k in range(2, 20):
            term *= u / k
            total += (-1) ** k * (k - 1) * term
        return total
    return -math.expm1(-u) - u * math.exp(-u)


def offset_apply(lng: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m`` metres east and ``north_m`` metres north of (lng, lat), on a local tangent plane."""
    lat_rad = math.radians(lat)
    new_lat = lat + math.degrees(north_m / EARTH_RADIUS_M)
    # Near the poles a metre east is many degrees; Lantern's cities are nowhere near them, but stay finite.
    cos_lat = max(math.cos(lat_rad), 1e-9)
    new_lng = lng + math.degrees(east_m / (EARTH_RADIUS_M * cos_lat))
    new_lng = (new_lng + 180.0) % 360.0 - 180.0
    return new_lng, max(-90.0, min(90.0, new_lat))


def bbox_around(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a box that contains every point within ``radius_m`` of (lng, lat)."""
    # 0.5 % of slack: the box is an index filter, the exact distance test follows, so erring wide is free.
    padded = radius_m * 1.005
    dlat = math.degrees(padded / EARTH_RADIUS_M)
    dlng = math.degrees(padded / (EARTH_RADIUS_M * max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-9)))
    return lng - dlng, max(-90.0, lat - dlat), lng + dlng, min(90.0, lat + dlat)


@dataclass(frozen=True)
class NoisyPoint:
    lng: float
    lat: float
    radius_m: float
    angle: float


def planar_laplace(
    lng: float, lat: float, *, epsilon: float, source: UniformSource | None = None
) -> NoisyPoint:
    """(lng, lat) moved by planar Laplace noise of parameter ``epsilon`` (per metre).

    ``source`` defaults to ``secrets.SystemRandom()``: the OS's CSPRNG, because a predictable generator
    would let anyone who learns its state subtract the noise.
    """
    source = source or secrets.SystemRandom()
    angle = source.random() * 2.0 * math.pi
    radius = laplace_radius(epsilon, source.random())
    new_lng, new_lat = offset_apply(lng, lat, radius * math.cos(angle), radius * math.sin(angle))
    return NoisyPoint(lng=new_lng, lat=new_lat, radius_m=radius, angle=angle)


def public_point(
    lng: float, lat: float, *, epsilon: float, resolution: int, source: UniformSource | None = None
) -> tuple[float, float]:
    """The one public place of a report: planar Laplace noise, then the centre of the H3 cell the noisy
    point falls in (snapping adds no information, and makes every published point one of few).

    Draw it once and store it: every output that shows the report shows this point, so an attacker who
    links two of them learns nothing the first did not say."""
    noisy = planar_laplace(lng, lat, epsilon=epsilon, source=source)
    cell_lat, cell_lng = h3.cell_to_latlng(h3.latlng_to_cell(noisy.lat, noisy.lng, resolution))
    return cell_lng, cell_lat
