"""Planar Laplace noise, tested like maths: exact identities, reference values, and the distribution."""

from __future__ import annotations

import math
import secrets

import h3
import pytest
from scipy import special, stats

from privacy import geo


class Fixed:
    """A uniform source that answers given values, to check the mechanism's arithmetic exactly."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def test_the_default_epsilon_is_ln_4_within_200_metres():
    assert geo.epsilon_for() == pytest.approx(math.log(4) / 200)


@pytest.mark.parametrize("x", [-1 / math.e + 1e-3, -0.3, -0.2, -0.1, -1e-2, -1e-5, -1e-12, -1e-100, -1e-300])
def test_w_minus1_matches_scipy_away_from_the_branch_point(x):
    assert geo.lambert_w_minus1(x) == pytest.approx(special.lambertw(x, -1).real, rel=1e-12)


@pytest.mark.parametrize("gap", [1e-15, 1e-12, 1e-9, 1e-6, 1e-3])
def test_w_minus1_solves_w_exp_w_equals_x_even_next_to_the_branch_point(gap):
    x = -1 / math.e + gap
    w = geo.lambert_w_minus1(x)
    assert w <= -1
    assert w * math.exp(w) == pytest.approx(x, rel=1e-14, abs=1e-16)


def test_w_minus1_is_minus_one_at_the_branch_point_and_refuses_outside_its_domain():
    assert geo.lambert_w_minus1(-1 / math.e) == pytest.approx(-1.0, abs=1e-7)
    for x in (0.0, 0.5, -0.5):
        with pytest.raises(ValueError):
            geo.lambert_w_minus1(x)


@pytest.mark.parametrize("p", [1e-300, 1e-30, 1e-9, 1e-4, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999999, 1 - 2**-52])
def test_the_radius_is_the_inverse_cdf_of_gamma_2(p):
    epsilon = geo.epsilon_for()
    radius = geo.laplace_radius(epsilon, p)
    assert geo.laplace_radius_cdf(epsilon, radius) == pytest.approx(p, rel=1e-12)
    if p > 1e-200:  # scipy's gamma.ppf underflows below
        assert radius == pytest.approx(stats.gamma.ppf(p, a=2, scale=1 / epsilon), rel=1e-8)


def test_half_of_the_points_move_less_than_the_median_radius():
    epsilon = geo.epsilon_for()
    # Gamma(2, 1/ε) has median ≈ 1.678/ε: about 242 m with the default ε.
    assert geo.laplace_radius(epsilon, 0.5) == pytest.approx(1.67834699 / epsilon, rel=1e-8)


def test_the_offset_goes_where_the_angle_says_and_as_far_as_the_radius():
    epsilon = geo.epsilon_for()
    # angle 0.25 of a turn: due north.
    point = geo.planar_laplace(3.72, 51.05, epsilon=epsilon, source=Fixed(0.25, 0.5))
    assert point.angle == pytest.approx(math.pi / 2)
    assert point.radius_m == pytest.approx(geo.laplace_radius(epsilon, 0.5))
    assert point.lng == pytest.approx(3.72, abs=1e-12)
    north_m = math.radians(point.lat - 51.05) * geo.EARTH_RADIUS_M
    assert north_m == pytest.approx(point.radius_m, rel=1e-9)


def test_an_eastward_offset_is_measured_along_the_parallel():
    lng, lat = geo.offset_apply(3.72, 51.05, 1000.0, 0.0)
    assert lat == 51.05
    east_m = math.radians(lng - 3.72) * geo.EARTH_RADIUS_M * math.cos(math.radians(51.05))
    assert east_m == pytest.approx(1000.0, rel=1e-12)


def test_the_box_around_a_point_holds_its_whole_disc():
    west, south, east, north = geo.bbox_around(3.72, 51.05, 2000)
    for turn in range(36):
        angle = turn * math.pi / 18
        lng, lat = geo.offset_apply(3.72, 51.05, 2000 * math.cos(angle), 2000 * math.sin(angle))
        assert west <= lng <= east and south <= lat <= north


def test_the_noise_radius_follows_gamma_2_over_epsilon_ks_test():
    epsilon = geo.epsilon_for()
    source = secrets.SystemRandom()
    radii = [geo.planar_laplace(3.72, 51.05, epsilon=epsilon, source=source).radius_m for _ in range(20_000)]
    result = stats.kstest(radii, stats.gamma(a=2, scale=1 / epsilon).cdf)
    # A correct sampler fails this one time in ten thousand; a wrong scale or shape fails it always.
    assert result.pvalue > 1e-4, result
    assert sum(radii) / len(radii) == pytest.approx(2 / epsilon, rel=0.05)


def test_the_ks_test_would_catch_a_wrong_shape():
    epsilon = geo.epsilon_for()
    source = secrets.SystemRandom()
    # Exponential radii (Gamma(1, 1/ε)): what a naive "Laplace on the radius" would draw.
    radii = [-math.log(1 - source.random()) / epsilon for _ in range(5_000)]
    assert stats.kstest(radii, stats.gamma(a=2, scale=1 / epsilon).cdf).pvalue < 1e-6


def test_angles_are_uniform_ks_test():
    epsilon = geo.epsilon_for()
    source = secrets.SystemRandom()
    angles = [geo.planar_laplace(3.72, 51.05, epsilon=epsilon, source=source).angle for _ in range(10_000)]
    assert stats.kstest(angles, stats.uniform(loc=0, scale=2 * math.pi).cdf).pvalue > 1e-4


def test_the_mechanism_uses_the_operating_systems_generator_by_default(monkeypatch):
    calls = []

    class Spy(secrets.SystemRandom):
        def random(self) -> float:
            calls.append(1)
            return super().random()

    monkeypatch.setattr(geo.secrets, "SystemRandom", Spy)
    geo.planar_laplace(3.72, 51.05, epsilon=geo.epsilon_for())
    assert len(calls) == 2


def test_privacy_code_never_imports_random_or_django():
    import pathlib

    for module in ("geo.py", "timebands.py"):
        text = (pathlib.Path(geo.__file__).parent / module).read_text()
        assert "import random" not in text and "from random" not in text
        assert "django" not in text


def test_a_public_point_is_the_centre_of_the_h3_cell_its_noisy_point_falls_in():
    epsilon = geo.epsilon_for(math.log(4), 250)
    noisy = geo.planar_laplace(3.72, 51.05, epsilon=epsilon, source=Fixed(0.25, 0.5))
    lng, lat = geo.public_point(3.72, 51.05, epsilon=epsilon, resolution=9, source=Fixed(0.25, 0.5))
    cell = h3.latlng_to_cell(noisy.lat, noisy.lng, 9)
    assert (lat, lng) == h3.cell_to_latlng(cell)
    assert h3.latlng_to_cell(lat, lng, 9) == cell
