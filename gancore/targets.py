"""The registry of target distributions a generator can be asked to learn: shapes in the plane and densities on a line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from gancore.points import MIN_POINTS

Extent = tuple[float, float, float, float]              # (xmin, xmax, ymin, ymax); a 1D target repeats (xmin, xmax)
Sampler = Callable[[int, np.random.Generator], np.ndarray]
Density = Callable[[np.ndarray], np.ndarray]            # points (n, dim) -> pdf (n,)
Curve = Callable[[np.ndarray], np.ndarray]              # t in [0, 1], shape (n,) -> points (n, 2)

SCALE = 2.5               # non-grid shapes are scaled to about [-SCALE, SCALE] so one set of nets and lrs suits all
MIN_MARGIN = 0.5          # smallest gap between the data and the edge of its window
BASE_WINDOW: Extent = (-SCALE, SCALE, -SCALE, SCALE)   # every window contains this, so views are alike across targets
GAUSSIAN_STD = 0.5        # 'gaussian': std of the single mode
# The 1D targets have fixed shapes (no settings): the paper's Gaussian, two modes, a flat box and a skewed tail.
GAUSS1D_MEAN, GAUSS1D_STD = 1.0, 0.5       # 'gauss1d': N(1, 0.5²), off to one side of where G starts (near 0)
BIMODAL1D_MODES, BIMODAL1D_STD = (-1.5, 1.5), 0.3
UNIFORM1D_RANGE = (-1.0, 2.0)
LOGNORMAL1D_MU, LOGNORMAL1D_SIGMA = 0.0, 0.5   # exp(N(0, 0.5²)): mode e^-0.25 ≈ 0.78, mean e^0.125 ≈ 1.13, right-skewed
LOGNORMAL1D_TOP_Z = 3.09                   # the window covers the lognormal up to its 99.9th percentile (+ margin)


@dataclass(frozen=True)
class TargetParams:
    ring_radius: float = 2.0     # ring8: radius of the circle of modes
    ring_std: float = 0.02       # ring8: std of each mode (Metz et al. 2017 unrolled GAN values: r=2, std 0.02)
    grid_spacing: float = 2.0    # grid25: distance between neighbouring modes (VEEGAN: spacing 2, std 0.05)
    grid_std: float = 0.05       # grid25: std of each mode
    data_noise: float = 0.05     # std of Gaussian noise added to the non-mixture shapes (moons, swiss roll, ...)
    points: tuple[tuple[float, float], ...] = ()   # the 'points' target: a user's own points


# eq=False: the generated __eq__/__hash__ would compare numpy arrays, which is ambiguous; identity is enough.
@dataclass(frozen=True, eq=False)
class Target:
    key: str
    label: str                         # human label shown in the UI
    extent: Extent                     # fixed plot/metric window that covers the data with margin
    centers: np.ndarray | None         # (m, 2) float64 read-only mode centres, mixtures only
    std: float | None                  # per-mode std, mixtures only
    _sampler: Sampler = field(repr=False)
    dim: int = 2                       # 2: points in the plane; 1: numbers on a line, sampled as (n, 1)
    _pdf: Density | None = field(default=None, repr=False)   # closed-form density of a non-mixture (the 1D shapes)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw n points, (n, dim) float32; the same rng state gives the same points."""
        return np.ascontiguousarray(self._sampler(n, rng), dtype=np.float32).reshape(n, self.dim)

    def density(self, xy: np.ndarray) -> np.ndarray | None:
        """Analytic pdf at points (n, dim) -> (n,) (a 1D target also takes (n,)); None for shapes
        without a closed form."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, self.dim)
        if self._pdf is not None:
            return self._pdf(xy)
        if self.centers is None:
            return None
        var = self.std ** 2
        d2 = ((xy[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2)   # (n, m)
        # equal-weight mixture of isotropic Gaussians: mean over modes of N(x; c, var I)
        return np.exp(-d2 / (2 * var)).mean(axis=1) / (2 * np.pi * var) ** (self.dim / 2)

    @property
    def is_mixture(self) -> bool:
        return self.centers is not None


def _extent(points: np.ndarray, spread: float) -> Extent:
    """Bounding box of points widened by the larger of MIN_MARGIN and 4 spreads, never smaller than BASE_WINDOW."""
    margin = max(MIN_MARGIN, 4 * spread)
    lo = np.minimum(points.min(axis=0) - margin, [BASE_WINDOW[0], BASE_WINDOW[2]])
    hi = np.maximum(points.max(axis=0) + margin, [BASE_WINDOW[1], BASE_WINDOW[3]])
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def _line_extent(lo: float, hi: float, spread: float) -> Extent:
    """A 1D window: [lo, hi] widened as _extent widens a box, never narrower than BASE_WINDOW's x range.
    Its (ymin, ymax) repeat (xmin, xmax), so code written for the plane still gets a proper window."""
    margin = max(MIN_MARGIN, 4 * spread)
    x0, x1 = min(lo - margin, BASE_WINDOW[0]), max(hi + margin, BASE_WINDOW[1])
    return (float(x0), float(x1), float(x0), float(x1))


def _readonly(a: np.ndarray, dim: int = 2) -> np.ndarray:
    a = np.array(a, dtype=np.float64).reshape(-1, dim)
    a.flags.writeable = False
    return a


def _jittered_choice(points: np.ndarray, std: float) -> Sampler:
    """Sampler: pick one of the points uniformly, then add isotropic Gaussian noise of the given std."""
    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        k = rng.integers(len(points), size=n)
        return points[k] + std * rng.standard_normal((n, points.shape[1]))
    return sample


def _mixture_target(key: str, label: str, centers: np.ndarray, std: float) -> Target:
    """An equal-weight mixture of isotropic Gaussians, one per centre: centres (m, 2) in the plane, (m, 1) on a line."""
    if not std > 0:
        raise ValueError(f"target {key!r}: the mode std must be > 0, got {std}")
    dim = np.shape(centers)[1]
    centers = _readonly(centers, dim)
    extent = _extent(centers, std) if dim == 2 else _line_extent(centers.min(), centers.max(), std)
    return Target(key, label, extent, centers, float(std), _jittered_choice(centers, std), dim)


def _curve_target(key: str, label: str, curve: Curve, noise: float) -> Target:
    """Points uniform in the curve's parameter t in [0, 1], plus isotropic Gaussian noise."""
    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        return curve(rng.random(n)) + noise * rng.standard_normal((n, 2))
    # The window comes from the noise-free curve on a fine t grid, not from random samples, so it is fixed.
    outline = curve(np.linspace(0.0, 1.0, 4001))
    return Target(key, label, _extent(outline, noise), None, None, sample)


def _halves(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split t in [0, 1] into (is in the second half, position within its half in [0, 1])."""
    second = t >= 0.5
    return second, 2 * t - second


def _from_ganlab(xy: np.ndarray) -> np.ndarray:
    """Map GAN Lab's unit-square coordinates onto [-SCALE, SCALE]^2."""
    return 2 * SCALE * (np.asarray(xy, dtype=np.float64) - 0.5)


# --- the shapes -----------------------------------------------------------------------------

def _ring8(p: TargetParams) -> Target:
    angles = 2 * np.pi * np.arange(8) / 8
    centers = p.ring_radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    label = f"8 Gaussians on a ring (Metz et al. 2017: r={p.ring_radius:g}, σ={p.ring_std:g})"
    return _mixture_target("ring8", label, centers, p.ring_std)


def _grid25(p: TargetParams) -> Target:
    coords = p.grid_spacing * np.arange(-2, 3)
    centers = np.stack(np.meshgrid(coords, coords, indexing="ij"), axis=-1).reshape(-1, 2)
    label = f"5×5 grid of Gaussians (VEEGAN: spacing {p.grid_spacing:g}, σ={p.grid_std:g})"
    return _mixture_target("grid25", label, centers, p.grid_std)


def _gaussian(p: TargetParams) -> Target:
    return _mixture_target("gaussian", f"A single Gaussian (σ={GAUSSIAN_STD:g})", np.zeros((1, 2)), GAUSSIAN_STD)


def _blobs2(p: TargetParams) -> Target:
    # GAN Lab's "two Gaussian hills" centres; its hills differ in shape, here both are isotropic with
    # the first hill's std (0.1 in the unit square) so the target stays an equal-weight mixture.
    centers = _from_ganlab([[0.3, 0.7], [0.7, 0.4]])
    return _mixture_target("blobs2", "Two Gaussian blobs (GAN Lab)", centers, 2 * SCALE * 0.1)


def _blobs3(p: TargetParams) -> Target:
    # GAN Lab's "disjoint" distribution: three well-separated small blobs (std 0.025 in the unit square).
    centers = _from_ganlab([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])
    return _mixture_target("blobs3", "Three disjoint blobs (GAN Lab)", centers, 2 * SCALE * 0.025)


def _line_curve(t: np.ndarray) -> np.ndarray:
    # GAN Lab's "simple line": from (0.8, 0.6) to (0.05, 0.9) in its unit square
    return _from_ganlab(np.stack([0.8 - 0.75 * t, 0.6 + 0.3 * t], axis=1))


def _swissroll_curve(t: np.ndarray) -> np.ndarray:
    # sklearn's make_swiss_roll angle range 1.5π..4.5π; radius grows with the angle up to SCALE
    angle = 1.5 * np.pi * (1 + 2 * t)
    radius = SCALE * angle / (4.5 * np.pi)
    return radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _moons_curve(t: np.ndarray) -> np.ndarray:
    # sklearn's make_moons: upper arc (cos, sin) and lower arc (1 - cos, 0.5 - sin), x in [-1, 2], y in [-0.5, 1];
    # centred on the origin and stretched so x spans [-SCALE, SCALE]
    lower, s = _halves(t)
    angle = np.pi * s
    x = np.where(lower, 1 - np.cos(angle), np.cos(angle))
    y = np.where(lower, 0.5 - np.sin(angle), np.sin(angle))
    return SCALE / 1.5 * np.stack([x - 0.5, y - 0.25], axis=1)


def _circles_curve(t: np.ndarray) -> np.ndarray:
    inner, s = _halves(t)
    radius = np.where(inner, SCALE / 2, SCALE)
    angle = 2 * np.pi * s
    return radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _spirals_curve(t: np.ndarray) -> np.ndarray:
    # Archimedean spiral of 1.5 turns; sqrt makes points roughly uniform along the arc (length grows as angle²).
    # The second spiral is the first turned by 180 degrees.
    second, s = _halves(t)
    angle = 3 * np.pi * np.sqrt(s)
    radius = SCALE * angle / (3 * np.pi)
    sign = np.where(second, -1.0, 1.0)
    return (sign * radius)[:, None] * np.stack([-np.cos(angle), np.sin(angle)], axis=1)


def _line(p: TargetParams) -> Target:
    return _curve_target("line", "A simple line (GAN Lab)", _line_curve, p.data_noise)


def _swissroll(p: TargetParams) -> Target:
    return _curve_target("swissroll", "Swiss roll", _swissroll_curve, p.data_noise)


def _moons(p: TargetParams) -> Target:
    return _curve_target("moons", "Two interleaving moons", _moons_curve, p.data_noise)


def _circles(p: TargetParams) -> Target:
    return _curve_target("circles", "Two concentric circles", _circles_curve, p.data_noise)


def _spirals(p: TargetParams) -> Target:
    return _curve_target("spirals", "Two interleaved spirals", _spirals_curve, p.data_noise)


def _checkerboard(p: TargetParams) -> Target:
    # 4x4 board of side 2*SCALE; the dark squares are those whose row + column is even (8 of them).
    cell = 2 * SCALE / 4
    corners = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0]) * cell - SCALE

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        k = rng.integers(len(corners), size=n)
        return corners[k] + cell * rng.random((n, 2))

    board = np.array([[-SCALE, -SCALE], [SCALE, SCALE]])
    return Target("checkerboard", "Checkerboard (uniform on the 8 dark squares of 4×4)",
                  _extent(board, 0.0), None, None, sample)


def _points(p: TargetParams) -> Target:
    if len(p.points) < MIN_POINTS:
        raise ValueError(f"the 'points' target needs at least {MIN_POINTS} points, got {len(p.points)}")
    pts = np.array(p.points, dtype=np.float64)
    if pts.shape != (len(p.points), 2) or not np.isfinite(pts).all():
        raise ValueError("the 'points' target needs finite (x, y) pairs")
    pts.flags.writeable = False
    label = f"Your {len(pts)} points (jitter σ={p.data_noise:g})"
    return Target("points", label, _extent(pts, p.data_noise), None, None, _jittered_choice(pts, p.data_noise))


# --- the line (dim 1): Goodfellow et al. (2014), Figure 1 ------------------------------------

def _gauss1d(p: TargetParams) -> Target:
    label = f"A Gaussian on the line, N({GAUSS1D_MEAN:g}, {GAUSS1D_STD:g}²) (Goodfellow et al. 2014, Fig. 1)"
    return _mixture_target("gauss1d", label, [[GAUSS1D_MEAN]], GAUSS1D_STD)


def _bimodal1d(p: TargetParams) -> Target:
    a, b = BIMODAL1D_MODES
    label = f"Two Gaussians on the line, at {a:g} and {b:g} (σ={BIMODAL1D_STD:g}, equal weights)"
    return _mixture_target("bimodal1d", label, [[a], [b]], BIMODAL1D_STD)


def _uniform1d(p: TargetParams) -> Target:
    a, b = UNIFORM1D_RANGE

    def pdf(x: np.ndarray) -> np.ndarray:
        return np.where((x[:, 0] >= a) & (x[:, 0] <= b), 1.0 / (b - a), 0.0)

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        return a + (b - a) * rng.random(n)

    return Target("uniform1d", f"Uniform on the line, on [{a:g}, {b:g}]", _line_extent(a, b, 0.0),
                  None, None, sample, 1, pdf)


def _lognormal1d(p: TargetParams) -> Target:
    mu, s = LOGNORMAL1D_MU, LOGNORMAL1D_SIGMA

    def pdf(x: np.ndarray) -> np.ndarray:
        x = x[:, 0]
        positive = x > 0
        safe = np.where(positive, x, 1.0)                 # log only where x > 0: no warnings, no NaN
        value = np.exp(-(np.log(safe) - mu) ** 2 / (2 * s * s)) / (safe * s * np.sqrt(2 * np.pi))
        return np.where(positive, value, 0.0)

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        return np.exp(mu + s * rng.standard_normal(n))

    top = float(np.exp(mu + LOGNORMAL1D_TOP_Z * s))
    return Target("lognormal1d", f"Lognormal on the line, exp(N({mu:g}, {s:g}²)): skewed right",
                  _line_extent(0.0, top, 0.0), None, None, sample, 1, pdf)


TARGETS: dict[str, Callable[[TargetParams], Target]] = {
    "ring8": _ring8,
    "grid25": _grid25,
    "swissroll": _swissroll,
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "checkerboard": _checkerboard,
    "gaussian": _gaussian,
    "line": _line,
    "blobs2": _blobs2,
    "blobs3": _blobs3,
    "points": _points,
    "gauss1d": _gauss1d,
    "bimodal1d": _bimodal1d,
    "uniform1d": _uniform1d,
    "lognormal1d": _lognormal1d,
}


# The TargetParams fields each target reads; the app shows only these (and hides, never loses, the rest).
TARGET_PARAMS: dict[str, tuple[str, ...]] = {
    "ring8": ("ring_radius", "ring_std"), "grid25": ("grid_spacing", "grid_std"),
    "swissroll": ("data_noise",), "moons": ("data_noise",), "circles": ("data_noise",), "spirals": ("data_noise",),
    "checkerboard": (), "gaussian": (), "line": ("data_noise",), "blobs2": (), "blobs3": (),
    "points": ("data_noise", "points"),
    "gauss1d": (), "bimodal1d": (), "uniform1d": (), "lognormal1d": (),
}


def make_target(key: str, params: TargetParams = TargetParams()) -> Target:
    """Build the target registered under key; an unknown key raises ValueError naming the valid keys."""
    if key not in TARGETS:
        raise ValueError(f"unknown target {key!r}; valid targets: {', '.join(TARGETS)}")
    return TARGETS[key](params)
