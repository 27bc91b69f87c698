"""Tests for gancore.targets: every registered target samples correctly and mixtures match their definition."""
import math

import numpy as np
import pytest

from gancore.targets import TARGETS, Target, TargetParams, make_target

USER_POINTS = ((0.0, 0.0), (1.0, 1.0), (2.0, -1.0), (-1.5, 0.5))
N = 20_000


def build(key: str) -> Target:
    """The registered target with default params (the 'points' target gets USER_POINTS)."""
    return make_target(key, TargetParams(points=USER_POINTS))


PLANE = [k for k in TARGETS if build(k).dim == 2]      # the 1D targets are tested in test_line.py
MIXTURES = [k for k in PLANE if build(k).is_mixture]


def test_registry_has_exactly_the_agreed_keys():
    assert set(PLANE) == {"ring8", "grid25", "swissroll", "moons", "circles", "spirals", "checkerboard",
                          "gaussian", "line", "blobs2", "blobs3", "points"}
    assert set(TARGETS) - set(PLANE) == {"gauss1d", "bimodal1d", "uniform1d", "lognormal1d"}


def test_mixtures_are_the_gaussian_targets():
    assert set(MIXTURES) == {"ring8", "grid25", "gaussian", "blobs2", "blobs3"}


@pytest.mark.parametrize("key", PLANE)
def test_sample_is_finite_float32_n_by_2_and_c_contiguous(key):
    x = build(key).sample(1000, np.random.default_rng(0))
    assert x.shape == (1000, 2) and x.dtype == np.float32 and x.flags.c_contiguous
    assert np.isfinite(x).all()


@pytest.mark.parametrize("key", TARGETS)
def test_same_seed_same_samples_different_seed_different_samples(key):
    target = build(key)
    a = target.sample(500, np.random.default_rng(7))
    b = target.sample(500, np.random.default_rng(7))
    c = target.sample(500, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("key", TARGETS)
def test_sampling_uses_only_the_given_rng(key):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    build(key).sample(100, np.random.default_rng(0))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("key", PLANE)
def test_more_than_99_percent_of_samples_fall_inside_the_fixed_extent(key):
    target = build(key)
    xmin, xmax, ymin, ymax = target.extent
    assert xmin < xmax and ymin < ymax
    x = target.sample(N, np.random.default_rng(1))
    inside = (x[:, 0] >= xmin) & (x[:, 0] <= xmax) & (x[:, 1] >= ymin) & (x[:, 1] <= ymax)
    assert inside.mean() > 0.99


@pytest.mark.parametrize("key", TARGETS)
def test_extent_depends_only_on_target_and_params(key):
    assert build(key).extent == build(key).extent


@pytest.mark.parametrize("key", [k for k in PLANE if k != "grid25"])
def test_non_grid_shapes_live_roughly_in_minus_2_5_to_2_5(key):
    x = build(key).sample(N, np.random.default_rng(2))
    assert np.abs(x).max() < 3.5
    assert np.abs(x).max() > 1.0


@pytest.mark.parametrize("key", [k for k in MIXTURES if k != "blobs2"])
def test_each_mode_has_its_centre_std_and_equal_weight(key):
    # These mixtures' modes are >= 10 std apart, so the nearest centre identifies a sample's mode.
    target = build(key)
    c, std = target.centers, target.std
    x = target.sample(N, np.random.default_rng(3)).astype(np.float64)
    nearest = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
    counts = np.bincount(nearest, minlength=len(c))
    assert np.all(np.abs(counts / N - 1 / len(c)) < 0.25 / len(c))
    for k in range(len(c)):
        mode = x[nearest == k]
        np.testing.assert_allclose(mode.mean(axis=0), c[k], atol=0.2 * std)
        np.testing.assert_allclose(mode.std(axis=0), std, rtol=0.1)


@pytest.mark.parametrize("key", MIXTURES)
def test_mixture_mean_and_covariance_match_the_definition(key):
    # Equal-weight mixture: mean = mean of centres, covariance = covariance of centres + std^2 I.
    target = build(key)
    c, std = target.centers, target.std
    x = target.sample(N, np.random.default_rng(4)).astype(np.float64)
    cov = np.cov(c.T, bias=True) + std ** 2 * np.eye(2)
    spread = math.sqrt(np.trace(cov))
    np.testing.assert_allclose(x.mean(axis=0), c.mean(axis=0), atol=0.05 * spread)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.05 * spread ** 2)


@pytest.mark.parametrize("key", MIXTURES)
def test_mixture_density_integrates_to_one_over_the_extent(key):
    target = build(key)
    xmin, xmax, ymin, ymax = target.extent
    h = target.std                   # a midpoint sum with step std is exact to ~1e-8 for Gaussians
    nx, ny = math.ceil((xmax - xmin) / h), math.ceil((ymax - ymin) / h)
    hx, hy = (xmax - xmin) / nx, (ymax - ymin) / ny
    xs = xmin + hx * (np.arange(nx) + 0.5)
    ys = ymin + hy * (np.arange(ny) + 0.5)
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
    assert abs(target.density(grid).sum() * hx * hy - 1.0) < 2e-3


def test_gaussian_density_has_the_known_values():
    target = make_target("gaussian")
    s = target.std
    np.testing.assert_allclose(target.density(np.array([[0.0, 0.0], [s, 0.0], [0.0, -2 * s]])),
                               np.array([1.0, math.exp(-0.5), math.exp(-2.0)]) / (2 * math.pi * s * s),
                               rtol=1e-12)


@pytest.mark.parametrize("key", [k for k in PLANE if k not in MIXTURES])
def test_non_mixtures_have_no_centres_std_or_density(key):
    target = build(key)
    assert target.centers is None and target.std is None
    assert target.density(np.zeros((3, 2))) is None


def test_centres_are_read_only():
    with pytest.raises(ValueError):
        make_target("ring8").centers[0, 0] = 5.0


def test_unknown_key_error_lists_the_valid_keys():
    with pytest.raises(ValueError) as info:
        make_target("nope")
    assert "nope" in str(info.value)
    assert all(key in str(info.value) for key in TARGETS)


@pytest.mark.parametrize("points", [(), ((0.0, 0.0),), ((0.0, 0.0), (1.0, 1.0))])
def test_points_target_needs_at_least_3_points(points):
    with pytest.raises(ValueError, match="at least 3 points"):
        make_target("points", TargetParams(points=points))


def test_points_target_samples_jitter_around_the_given_points_uniformly():
    target = make_target("points", TargetParams(points=USER_POINTS, data_noise=0.05))
    x = target.sample(N, np.random.default_rng(5)).astype(np.float64)
    pts = np.array(USER_POINTS)
    d2 = ((x[:, None, :] - pts[None]) ** 2).sum(axis=2)
    assert np.sqrt(d2.min(axis=1)).max() < 6 * 0.05
    counts = np.bincount(d2.argmin(axis=1), minlength=len(pts))
    assert np.all(np.abs(counts / N - 0.25) < 0.02)
    xmin, xmax, ymin, ymax = target.extent
    assert xmin <= -1.5 - 0.5 and xmax >= 2.0 + 0.5 and ymin <= -1.0 - 0.5 and ymax >= 1.0 + 0.5


def test_ring8_has_8_evenly_spaced_centres_at_radius_2():
    target = make_target("ring8")
    c = target.centers
    assert c.shape == (8, 2) and target.std == 0.02
    np.testing.assert_allclose(np.hypot(c[:, 0], c[:, 1]), 2.0, rtol=1e-12)
    angles = np.sort(np.mod(np.arctan2(c[:, 1], c[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 8, rtol=1e-12)
    assert target.extent == (-2.5, 2.5, -2.5, 2.5)


def test_ring8_follows_its_params():
    target = make_target("ring8", TargetParams(ring_radius=3.0, ring_std=0.2))
    np.testing.assert_allclose(np.hypot(*target.centers.T), 3.0, rtol=1e-12)
    assert target.std == 0.2 and target.extent == (-3.8, 3.8, -3.8, 3.8)   # 3 + max(0.5, 4 * 0.2)


def test_grid25_has_25_centres_spaced_2_centred_on_the_origin():
    target = make_target("grid25")
    c = target.centers
    assert c.shape == (25, 2) and target.std == 0.05
    np.testing.assert_array_equal(np.unique(c[:, 0]), [-4.0, -2.0, 0.0, 2.0, 4.0])
    np.testing.assert_array_equal(np.unique(c[:, 1]), [-4.0, -2.0, 0.0, 2.0, 4.0])
    assert len({tuple(p) for p in c}) == 25
    d = np.sqrt(((c[:, None] - c[None]) ** 2).sum(axis=2)) + np.diag(np.full(25, np.inf))
    np.testing.assert_allclose(d.min(axis=1), 2.0)


def test_checkerboard_is_uniform_on_the_8_dark_squares():
    x = make_target("checkerboard").sample(N, np.random.default_rng(6)).astype(np.float64)
    cell = np.floor((x + 2.5) / 1.25).astype(int)
    assert cell.min() >= 0 and cell.max() <= 3
    assert np.all((cell[:, 0] + cell[:, 1]) % 2 == 0)
    counts = np.bincount(cell[:, 0] * 4 + cell[:, 1], minlength=16).reshape(4, 4)
    dark = (np.arange(4)[:, None] + np.arange(4)[None, :]) % 2 == 0
    assert np.all(np.abs(counts[dark] / N - 1 / 8) < 0.02)


def test_circles_put_half_the_points_on_each_radius():
    x = make_target("circles", TargetParams(data_noise=0.0)).sample(N, np.random.default_rng(7))
    r = np.hypot(x[:, 0], x[:, 1])
    on_outer, on_inner = np.isclose(r, 2.5, atol=1e-5), np.isclose(r, 1.25, atol=1e-5)
    assert np.all(on_outer | on_inner)
    assert abs(on_outer.mean() - 0.5) < 0.02


def test_line_points_lie_on_the_ganlab_segment():
    x = make_target("line", TargetParams(data_noise=0.0)).sample(1000, np.random.default_rng(8))
    start, end = np.array([1.5, 0.5]), np.array([-2.25, 2.0])   # GAN Lab's (0.8, 0.6)-(0.05, 0.9) mapped to [-2.5, 2.5]
    along = (x - start) @ (end - start) / np.dot(end - start, end - start)
    np.testing.assert_allclose(start + along[:, None] * (end - start), x, atol=1e-5)
    assert along.min() >= 0 and along.max() <= 1
