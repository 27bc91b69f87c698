"""Tests for gancore.metrics against hand-computed answers and independent computations."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gancore.metrics import (grid_histogram, js_divergence, js_from_histograms, kl_divergence,
                             kl_from_histograms, mode_occupancy, mode_stats, sliced_w1)
from gancore.targets import make_target

LN2 = math.log(2)


# --- grid_histogram -------------------------------------------------------------------------

def test_grid_histogram_places_each_sample_in_its_cell_edges_included():
    # extent [0, 2]^2 with 2x2 cells; entry ix * 2 + iy, then the outside bin
    samples = np.array([[0.5, 0.5],    # cell (0, 0)
                        [0.0, 0.0],    # lower corner: cell (0, 0)
                        [1.5, 0.5],    # cell (1, 0)
                        [2.0, 2.0],    # upper corner: last cell (1, 1), not dropped
                        [1.0, 1.0],    # interior boundary belongs to the upper cell: (1, 1)
                        [3.0, 0.0],    # outside
                        [np.nan, 1.0]])  # not a point: outside, still counted once
    hist = grid_histogram(samples, (0.0, 2.0, 0.0, 2.0), bins=2)
    np.testing.assert_array_equal(hist * 7, [2, 0, 1, 2, 2])


def test_grid_histogram_counts_every_sample_once_and_matches_histogram2d():
    rng = np.random.default_rng(0)
    n, bins, extent = 5000, 10, (-1.0, 1.0, -0.5, 2.0)
    x = rng.normal(size=(n, 2)) * 1.5
    x[:50] = [1.0, 2.0]                  # exactly on the upper corner
    x[50:100, 0] = -1.0                  # exactly on the lower x edge
    hist = grid_histogram(x, extent, bins)
    counts = np.rint(hist * n).astype(int)
    assert hist.shape == (bins * bins + 1,) and counts.sum() == n
    assert math.isclose(hist.sum(), 1.0, rel_tol=1e-12)
    # numpy's histogram2d also closes the last bin on the right, so the inside cells must agree exactly
    expected, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=bins, range=[extent[:2], extent[2:]])
    np.testing.assert_array_equal(counts[:-1].reshape(bins, bins), expected)
    assert counts[-1] == n - expected.sum() > 0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)),
              elements=st.floats(allow_nan=True, allow_infinity=True)),
       st.integers(1, 8))
def test_grid_histogram_always_accounts_for_every_sample(samples, bins):
    hist = grid_histogram(samples, (-1.0, 1.0, -1.0, 1.0), bins)
    assert hist.shape == (bins * bins + 1,)
    assert np.rint(hist * len(samples)).sum() == len(samples)


def test_grid_histogram_rejects_empty_input():
    with pytest.raises(ValueError, match="empty"):
        grid_histogram(np.zeros((0, 2)), (0.0, 1.0, 0.0, 1.0), 4)


# --- JS and KL on histograms ----------------------------------------------------------------

def test_js_of_disjoint_histograms_is_ln2():
    assert js_from_histograms(np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.3, 0.7])) == pytest.approx(LN2, abs=1e-12)


def test_js_of_identical_histograms_is_zero():
    p = np.array([0.1, 0.2, 0.0, 0.7])
    assert js_from_histograms(p, p) == 0.0


def test_js_hand_computed_example():
    # p = [1/2, 1/2, 0], q = [0, 1/2, 1/2] -> m = [1/4, 1/2, 1/4]
    # KL(p||m) = 1/2 ln(2) + 1/2 ln(1) = ln(2)/2, and KL(q||m) = ln(2)/2 by symmetry
    # JS = 1/2 KL(p||m) + 1/2 KL(q||m) = ln(2)/2
    assert js_from_histograms(np.array([0.5, 0.5, 0]), np.array([0, 0.5, 0.5])) == pytest.approx(LN2 / 2, abs=1e-12)


def test_js_second_hand_computed_example_and_symmetry():
    # p = [1, 0], q = [1/2, 1/2] -> m = [3/4, 1/4]
    # KL(p||m) = ln(4/3); KL(q||m) = 1/2 ln(2/3) + 1/2 ln(2) = 1/2 ln(4/3); JS = 3/4 ln(4/3)
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    assert js_from_histograms(p, q) == pytest.approx(0.75 * math.log(4 / 3), abs=1e-12)
    assert js_from_histograms(q, p) == pytest.approx(0.75 * math.log(4 / 3), abs=1e-12)


def test_kl_hand_computed_examples():
    # KL([1/2, 1/2] || [1/4, 3/4]) = 1/2 ln(2) + 1/2 ln(2/3) = 1/2 ln(4/3)
    kl = kl_from_histograms(np.array([0.5, 0.5]), np.array([0.25, 0.75]))
    assert kl == pytest.approx(0.5 * math.log(4 / 3), abs=1e-12)
    # zeros in p contribute nothing: KL([1, 0] || [1/2, 1/2]) = ln 2
    assert kl_from_histograms(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(LN2, abs=1e-12)
    p = np.array([0.2, 0.3, 0.5])
    assert kl_from_histograms(p, p) == 0.0


def test_kl_replaces_zero_cells_of_q_by_eps():
    # KL([1/2, 1/2] || [1, 0]) is infinite; with q[1] -> eps it is 1/2 ln(1/2) + 1/2 ln(1/2 / eps)
    p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    expected = 0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 1e-6)
    assert kl_from_histograms(p, q, eps=1e-6) == pytest.approx(expected, abs=1e-12)
    assert kl_from_histograms(p, q) == pytest.approx(0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 1e-10), abs=1e-12)


@pytest.mark.parametrize("metric", [js_from_histograms, kl_from_histograms])
def test_histogram_metrics_reject_mismatched_or_unnormalised_input(metric):
    with pytest.raises(ValueError, match="shape"):
        metric(np.array([0.5, 0.5]), np.array([1.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="sum to 1"):
        metric(np.array([3.0, 1.0]), np.array([0.5, 0.5]))


# --- JS and KL on samples -------------------------------------------------------------------

def test_js_and_kl_of_two_samples_of_the_same_distribution_are_small():
    target = make_target("ring8")
    rng = np.random.default_rng(1)
    a, b = target.sample(20_000, rng), target.sample(20_000, rng)
    assert js_divergence(a, b, target.extent) < 0.005
    assert kl_divergence(a, b, target.extent) < 0.01


def test_js_of_disjoint_samples_is_ln2_and_kl_is_large():
    rng = np.random.default_rng(2)
    a = rng.uniform(-2, -1, size=(1000, 2))
    b = rng.uniform(1, 2, size=(1000, 2))
    extent = (-2.5, 2.5, -2.5, 2.5)
    assert js_divergence(a, b, extent) == pytest.approx(LN2, abs=1e-12)
    # every cell a fills is empty for b, so KL = sum p ln(p / eps) = ln(1 / eps) - H(p)
    p = grid_histogram(a, extent, 50)
    entropy = -np.sum(p[p > 0] * np.log(p[p > 0]))
    assert kl_divergence(a, b, extent) == pytest.approx(math.log(1 / 1e-10) - entropy, abs=1e-9)


def test_js_counts_samples_outside_the_window():
    # All real samples lie outside the window and all fake ones inside: the outside bin keeps them apart.
    extent = (-1.0, 1.0, -1.0, 1.0)
    real, fake = np.full((100, 2), 5.0), np.zeros((100, 2))
    assert js_divergence(real, fake, extent) == pytest.approx(LN2, abs=1e-12)
    assert js_divergence(real, real + 1.0, extent) == 0.0


# --- mode_stats -----------------------------------------------------------------------------

RING = make_target("ring8")


def test_samples_exactly_at_5_of_8_centres_capture_5_modes_all_high_quality():
    samples = np.repeat(RING.centers[[0, 2, 3, 5, 7]], 4, axis=0)
    assert mode_stats(samples, RING.centers, RING.std) == (5, 1.0)


def test_samples_far_from_every_mode_capture_nothing():
    assert mode_stats(np.full((10, 2), 100.0), RING.centers, RING.std) == (0, 0.0)


def test_high_quality_means_within_3_std():
    centre, std = RING.centers[0], RING.std          # centre (2, 0): step outwards along x
    assert mode_stats(centre + [[2.9 * std, 0.0]], RING.centers, std) == (1, 1.0)
    assert mode_stats(centre + [[3.1 * std, 0.0]], RING.centers, std) == (0, 0.0)
    mixed = np.array([centre, centre, RING.centers[1], [0.0, 0.0]])
    assert mode_stats(mixed, RING.centers, std) == (2, 0.75)


def test_samples_of_the_target_capture_every_mode():
    modes, quality = mode_stats(RING.sample(5000, np.random.default_rng(3)), RING.centers, RING.std)
    assert modes == 8 and quality > 0.98          # 1 - P(chi_2 > 3) = 1 - exp(-4.5) = 0.989


# --- mode_occupancy -------------------------------------------------------------------------

def test_occupancy_counts_the_share_of_samples_nearest_each_mode():
    # 3 samples on mode 0, 1 near mode 2, none elsewhere; far samples count for their nearest mode too
    samples = np.array([RING.centers[0], RING.centers[0] + [0.01, 0.0], [50.0, 0.0], RING.centers[2] * 0.9])
    expected = np.zeros(8)
    expected[0], expected[2] = 0.75, 0.25         # (50, 0) is nearest to centre 0 at (2, 0)
    np.testing.assert_array_equal(mode_occupancy(samples, RING.centers), expected)


def test_a_collapsed_generator_puts_everything_on_one_mode_and_the_target_spreads_evenly():
    collapsed = RING.centers[5] + 0.01 * np.random.default_rng(0).standard_normal((400, 2))
    np.testing.assert_array_equal(mode_occupancy(collapsed, RING.centers), np.eye(8)[5])
    even = mode_occupancy(RING.sample(8000, np.random.default_rng(1)), RING.centers)
    assert even.sum() == pytest.approx(1.0) and np.abs(even - 1 / 8).max() < 0.015   # 4 binomial sd


def test_occupancy_counts_no_mode_for_a_point_that_is_not_one():
    occupancy = mode_occupancy(np.array([RING.centers[1], [np.nan, 0.0]]), RING.centers)
    assert occupancy[1] == 0.5 and occupancy.sum() == 0.5


# --- sliced_w1 ------------------------------------------------------------------------------

def w1_by_cdf(u: np.ndarray, v: np.ndarray) -> float:
    """Independent 1D W1: the integral of |F_u - F_v| over the merged sample points."""
    z = np.sort(np.concatenate([u, v]))
    fu = np.searchsorted(np.sort(u), z[:-1], side="right") / len(u)
    fv = np.searchsorted(np.sort(v), z[:-1], side="right") / len(v)
    return float(np.sum(np.abs(fu - fv) * np.diff(z)))


@pytest.mark.parametrize("shift", [(0.7, 0.0), (0.3, -0.4), (-1.0, 2.0)])
def test_sliced_w1_of_a_translation_is_mean_abs_cosine_times_length(shift):
    # Every projection moves by <t, d>, so W1 along d is |t| |cos(angle between t and d)|.
    a = np.random.default_rng(4).normal(size=(300, 2))
    t, k = np.array(shift), 64
    phi = math.atan2(t[1], t[0])
    expected = math.hypot(*t) * sum(abs(math.cos(math.pi * i / k - phi)) for i in range(k)) / k
    assert sliced_w1(a, a + t, n_directions=k) == pytest.approx(expected, rel=1e-9)
    assert sliced_w1(a, a + t, n_directions=k) == pytest.approx(math.hypot(*t) * 2 / math.pi, rel=0.01)


def test_sliced_w1_is_zero_for_identical_samples_and_exactly_symmetric():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(200, 2)), rng.uniform(size=(77, 2))
    assert sliced_w1(a, a) == 0.0
    assert sliced_w1(a, b) == sliced_w1(b, a)
    assert sliced_w1(a, b) == sliced_w1(a, b)     # deterministic directions


def test_sliced_w1_unequal_sizes_hand_computed():
    # One direction (the x axis): a = {0, 1}, b = {0, 1/2, 1}. Quantile functions differ by 1/2 on
    # (1/3, 1/2] and on (1/2, 2/3], so W1 = 1/2 * 1/6 + 1/2 * 1/6 = 1/6.
    a = np.array([[0.0, 0.0], [1.0, 0.0]])
    b = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]])
    assert sliced_w1(a, b, n_directions=1) == pytest.approx(1 / 6, abs=1e-15)


@pytest.mark.parametrize("n, m", [(50, 50), (37, 53), (1, 20)])
def test_sliced_w1_matches_an_independent_cdf_computation(n, m):
    rng = np.random.default_rng(n * m)
    a, b = rng.normal(size=(n, 2)), rng.normal(1.0, 2.0, size=(m, 2))
    k = 8
    angles = np.pi * np.arange(k) / k
    expected = np.mean([w1_by_cdf(a @ d, b @ d) for d in np.stack([np.cos(angles), np.sin(angles)], axis=1)])
    assert sliced_w1(a, b, n_directions=k) == pytest.approx(expected, rel=1e-12)
