"""The probe's fixed inputs on a 1D target and the densities it estimates there (Goodfellow et al. 2014, Fig. 1).

On the line a frame shows p_data(x) (closed form), p_g(x) (a Gaussian KDE of G's fakes), D(x) and
D*(x) on an even x grid, and the z -> x map: G(z) for an even ladder of the prior's quantiles. The
KDE is binned: each fake's mass is shared linearly between its two nearest grid nodes, then the
node masses are spread by the Gaussian kernel (one short convolution), a fraction of a millisecond
per frame instead of a kernel per fake and node (1.6 ms with numpy). Binning moves each fake by
under half a grid step: against the direct KDE the curve is off by ~1-2% of its peak when the
bandwidth h is one or two steps (its floor), and by ~0.1% at the usual h of 10-20 steps.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from gancore.noise import noise_quantiles
from gancore.snapshot import readonly
from gancore.targets import Target

LINE_GRID = 400      # x grid points of the curves
Z_LINES = 40         # z values of the z -> x map: one line each from z up to G(z)
KERNEL_SPAN = 5.0    # the kernel is cut 5 bandwidths out (3e-6 of its peak there)
SCOTT = (4 / 3) ** 0.2   # Scott's rule for a Gaussian kernel in 1D: h = (4/3)^(1/5) σ n^(-1/5) ≈ 1.06 σ n^(-1/5)
CAP_SHARE = 0.5      # p_g's bandwidth is at most half a mixture's mode std (the curve is drawn against p_data)
UNDEFINED_SHARE = 1e-3   # D* is undefined (NaN) where p_data + p_g is under this share of its peak


def line_bandwidth(samples: np.ndarray, floor: float, cap: float | None = None) -> float:
    """Scott's rule, h = (4/3)^(1/5) n^(-1/5) σ, with σ the smaller of the samples' std and IQR/1.349
    (as for the 2D D*), never below floor (the grid step: a kernel cannot be drawn finer) nor above
    cap (half a mixture's mode std: a perfect G's modes then show at least 89% of p_data's peak)."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return floor
    iqr = np.subtract(*np.percentile(x, [75, 25]))
    h = SCOTT * len(x) ** -0.2 * float(min(x.std(), iqr / 1.349))
    if cap is not None:
        h = min(h, cap)
    return max(h, floor)


def binned_masses(samples: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each sample's share 1/n split linearly between its two neighbouring nodes of the even grid x:
    (g,). Samples outside [x[0], x[-1]] (and NaN) keep their share but put it nowhere."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    g, dx = len(x), x[1] - x[0]
    with np.errstate(invalid="ignore"):
        inside = (s >= x[0]) & (s <= x[-1])
    u = (s[inside] - x[0]) / dx
    left = np.minimum(np.floor(u).astype(np.int64), g - 2)
    right_share = u - left
    masses = np.bincount(left, weights=1 - right_share, minlength=g)
    masses += np.bincount(left + 1, weights=right_share, minlength=g)
    return masses / max(len(s), 1)


def smooth(masses: np.ndarray, dx: float, h: float) -> np.ndarray:
    """sum_j masses_j N(x_i - x_j; 0, h^2) at every node x_i of an even grid of step dx: (g,).
    The Gaussian pdf is sampled at whole steps; with h >= dx those samples sum to 1/dx within 1e-8."""
    g = len(masses)
    reach = min(math.ceil(KERNEL_SPAN * h / dx), g - 1)     # no two nodes are further apart than g - 1 steps
    offsets = dx * np.arange(-reach, reach + 1)
    kernel = np.exp(-0.5 * (offsets / h) ** 2) / (h * math.sqrt(2 * math.pi))
    return np.convolve(masses, kernel)[reach:reach + g]


def optimal_d(p_data_smooth: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D* = p_data / (p_data + p_g) on the grid, NaN where neither density has mass (undefined there)."""
    total = p_data_smooth + p_g
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > UNDEFINED_SHARE * total.max(), p_data_smooth / total, np.nan)


class LineProbe:
    """The fixed x grid, p_data on it and the fixed z of a 1D run; turns G's fakes into p_g and D*."""

    def __init__(self, target: Target, noise: str, n_shown: int, device: torch.device):
        if target.dim != 1:
            raise ValueError(f"the line views need a 1D target; {target.key!r} has dimension {target.dim}")
        x0, x1 = target.extent[:2]
        self.x = readonly(np.linspace(x0, x1, LINE_GRID))
        self.dx = float(self.x[1] - self.x[0])
        self.x_tensor = torch.tensor(self.x[:, None], dtype=torch.float32, device=device)   # (g, 1)
        self.p_data = readonly(target.density(self.x))
        self.cap = None if target.std is None else CAP_SHARE * target.std     # None for the non-mixtures
        # The shown fakes come from the prior's quantiles, not a random draw: their KDE is p_g
        # smoothed, without the wiggles of sampling noise, and it moves smoothly between frames.
        self.z_shown = noise_quantiles(noise, n_shown, device)       # (n, 1)
        self.z_line = noise_quantiles(noise, Z_LINES, device)        # (k, 1)
        self.z_values = readonly(self.z_line[:, 0].cpu().numpy().astype(np.float64))

    def densities(self, fake: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(p_g, D*, bandwidth h) on the grid from G's fakes (n, 1): p_g is their Gaussian KDE and
        D* compares it with p_data smoothed by the same kernel, so a perfect G gives 1/2, not a bias."""
        h = line_bandwidth(fake, floor=self.dx, cap=self.cap)
        p_g = smooth(binned_masses(fake, self.x), self.dx, h)
        p_data = smooth(self.p_data * self.dx, self.dx, h)
        return readonly(p_g), readonly(optimal_d(p_data, p_g)), h
