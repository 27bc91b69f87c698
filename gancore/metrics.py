"""Pure functions that measure how far a set of generated samples (2D, or 1D on a line) is from the real ones."""
from __future__ import annotations

import math

import numpy as np

Extent = tuple[float, float, float, float]   # (xmin, xmax, ymin, ymax)


def _points(samples: np.ndarray, name: str = "samples", dim: int = 2) -> np.ndarray:
    xy = np.asarray(samples, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}), got {xy.shape}")
    if len(xy) == 0:
        raise ValueError(f"{name} is empty")
    return xy


def _cell_index(v: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """Cell of each coordinate along one axis, -1 outside [lo, hi]; hi itself belongs to the last cell."""
    inside = (v >= lo) & (v <= hi)                     # False for NaN too, so NaN lands in the outside bin
    v = np.where(inside, v, lo)                        # outside values (inf, NaN, 1e308) never enter the arithmetic
    index = np.minimum(np.floor((v - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    return np.where(inside, index, -1)


def grid_histogram(samples: np.ndarray, extent: Extent, bins: int) -> np.ndarray:
    """Fraction of samples per cell of a bins x bins grid over extent, plus a last bin for samples outside it.

    Entry ix * bins + iy is the cell ix along x and iy along y, so hist[:-1].reshape(bins, bins) is
    indexed [ix, iy]. Every sample is counted exactly once and the result sums to 1.
    """
    xy = _points(samples)
    xmin, xmax, ymin, ymax = extent
    if bins < 1 or not (xmax > xmin and ymax > ymin):
        raise ValueError(f"need bins >= 1 and a non-empty extent, got bins={bins}, extent={extent}")
    ix = _cell_index(xy[:, 0], xmin, xmax, bins)
    iy = _cell_index(xy[:, 1], ymin, ymax, bins)
    flat = np.where((ix >= 0) & (iy >= 0), ix * bins + iy, bins * bins)
    return np.bincount(flat, minlength=bins * bins + 1) / len(xy)


def _distributions(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"histograms differ in shape: {p.shape} vs {q.shape}")
    for name, h in (("p", p), ("q", q)):
        if (h < 0).any() or not math.isclose(h.sum(), 1.0, abs_tol=1e-9):
            raise ValueError(f"{name} must be non-negative and sum to 1 (got sum {h.sum()})")
    return p, q


def _kl_where_p_positive(p: np.ndarray, q: np.ndarray) -> float:
    """sum p log(p/q) over the cells where p > 0 (0 log 0 = 0); q must be > 0 on those cells."""
    on = p > 0
    return float(np.sum(p[on] * np.log(p[on] / q[on])))


def js_from_histograms(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in nats, between 0 (identical) and ln 2 (disjoint supports)."""
    p, q = _distributions(p, q)
    m = 0.5 * (p + q)                                  # m > 0 wherever p > 0 or q > 0: no smoothing needed
    js = 0.5 * _kl_where_p_positive(p, m) + 0.5 * _kl_where_p_positive(q, m)
    return min(max(js, 0.0), math.log(2))              # clip round-off only; the exact value lies in [0, ln 2]


def kl_from_histograms(p: np.ndarray, q: np.ndarray, eps: float = 1e-10) -> float:
    """KL(p || q) in nats.

    Where q is 0 but p is not, KL is infinite; those cells of q are replaced by eps (q is not
    renormalised) so the result is a large finite penalty. Where q > 0 wherever p > 0 it is exact.
    """
    p, q = _distributions(p, q)
    return _kl_where_p_positive(p, np.where(q > 0, q, eps))


def js_divergence(real: np.ndarray, fake: np.ndarray, extent: Extent, bins: int = 50) -> float:
    """Jensen-Shannon divergence in nats between the two samples' grid histograms over extent."""
    return js_from_histograms(grid_histogram(real, extent, bins), grid_histogram(fake, extent, bins))


def kl_divergence(real: np.ndarray, fake: np.ndarray, extent: Extent, bins: int = 50) -> float:
    """KL(real || fake) in nats between the two samples' grid histograms over extent (see kl_from_histograms)."""
    return kl_from_histograms(grid_histogram(real, extent, bins), grid_histogram(fake, extent, bins))


def _nearest_mode(samples: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each sample's nearest centre (n,), squared distance to it (n,)); ties go to the lower index.
    Centres (m, 2) take samples (n, 2); centres (m, 1) on a line take samples (n, 1)."""
    dim = np.shape(centers)[1] if np.ndim(centers) == 2 else 2     # the centres' own dimension
    xy = _points(samples, dim=dim)
    c = _points(centers, "centers", dim)
    d2 = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)       # (n, m) squared distances
    nearest = d2.argmin(axis=1)
    return nearest, d2[np.arange(len(xy)), nearest]


def mode_stats(samples: np.ndarray, centers: np.ndarray, std: float) -> tuple[int, float]:
    """(modes captured, fraction of high-quality samples), as defined by VEEGAN (Srivastava et al. 2017).

    A sample is high quality if it lies within 3 std of its nearest mode centre; a mode is captured
    if it is the nearest mode of at least one high-quality sample.
    """
    nearest, d2 = _nearest_mode(samples, centers)
    high_quality = d2 <= (3 * std) ** 2
    return int(np.unique(nearest[high_quality]).size), float(high_quality.mean())


def mode_occupancy(samples: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Fraction of the samples whose nearest mode centre is each centre: (m,), summing to 1.

    Every sample counts, however far it is (mode_stats says how many are close): a G that covers
    every mode evenly gives 1/m each; a collapsed one puts everything on one mode, and a G that
    hops between modes moves its mass from one entry to another over time. A sample that is not
    a point (NaN) is nearest to no centre and counted nowhere, so the sum is then below 1.
    """
    nearest, d2 = _nearest_mode(samples, centers)
    counted = np.isfinite(d2)
    return np.bincount(nearest[counted], minlength=len(centers)) / len(d2)


def _w1_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact 1D W1 between the empirical distributions in each column of sorted a (n, K) and sorted b (m, K).

    W1 is the integral over u in (0, 1] of |F_a^-1(u) - F_b^-1(u)|. Both quantile functions are
    steps that change only at multiples of 1/n or 1/m, so on the merged grid of those levels the
    integral is an exact weighted sum. Levels are kept as integers in units of 1/(n m): no round-off.
    """
    n, m = len(a), len(b)
    levels = np.union1d(np.arange(1, n + 1) * m, np.arange(1, m + 1) * n)   # interval ends, in 1/(n m)
    widths = np.diff(levels, prepend=0) / (n * m)
    ia, ib = (levels - 1) // m, (levels - 1) // n     # which order statistic holds on each interval
    return widths @ np.abs(a[ia] - b[ib])


def sliced_w1(a: np.ndarray, b: np.ndarray, n_directions: int = 64) -> float:
    """Sliced Wasserstein-1 distance: mean exact 1D W1 of the projections on evenly spaced angles in [0, pi).

    Deterministic: the directions are fixed, not random.
    """
    a, b = _points(a, "a"), _points(b, "b")
    if n_directions < 1:
        raise ValueError(f"n_directions must be >= 1, got {n_directions}")
    angles = np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(angles), np.sin(angles)])         # (2, K)
    per_direction = _w1_sorted(np.sort(a @ directions, axis=0), np.sort(b @ directions, axis=0))
    return float(per_direction.mean())


# ---- on the line (1D targets) ----------------------------------------------------------------

def _values(samples: np.ndarray, name: str = "samples") -> np.ndarray:
    """Samples on a line as (n,) float64, from (n,) or (n, 1)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1), got {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")
    return x


def histogram_1d(samples: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """Fraction of samples per bin of [lo, hi] (hi in the last bin), plus a last bin for those outside: (bins + 1,)."""
    x = _values(samples)
    if bins < 1 or not hi > lo:
        raise ValueError(f"need bins >= 1 and lo < hi, got bins={bins}, lo={lo}, hi={hi}")
    index = _cell_index(x, lo, hi, bins)
    return np.bincount(np.where(index >= 0, index, bins), minlength=bins + 1) / len(x)


def js_divergence_1d(real: np.ndarray, fake: np.ndarray, lo: float, hi: float, bins: int = 50) -> float:
    """Jensen-Shannon divergence in nats between the two samples' histograms on [lo, hi]."""
    return js_from_histograms(histogram_1d(real, lo, hi, bins), histogram_1d(fake, lo, hi, bins))


def kl_divergence_1d(real: np.ndarray, fake: np.ndarray, lo: float, hi: float, bins: int = 50) -> float:
    """KL(real || fake) in nats between the two samples' histograms on [lo, hi] (see kl_from_histograms)."""
    return kl_from_histograms(histogram_1d(real, lo, hi, bins), histogram_1d(fake, lo, hi, bins))


def w1_1d(a: np.ndarray, b: np.ndarray) -> float:
    """The exact Wasserstein-1 distance between two samples on the line (their empirical distributions)."""
    a, b = _values(a, "a"), _values(b, "b")
    return float(_w1_sorted(np.sort(a)[:, None], np.sort(b)[:, None])[0])
