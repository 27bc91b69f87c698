"""Small SVG pictures of each target distribution, for picking a target at a glance."""
from __future__ import annotations

import functools

import numpy as np

from gancore.targets import TARGETS, Target, TargetParams, make_target

SIZE = 64          # pixels
N_POINTS = 300
BARS = 24          # a 1D target's histogram
TOP = 0.85         # the tallest bar (or the density's peak) reaches this share of the height


@functools.cache
def thumbnail(key: str) -> str:
    """An SVG of 300 samples of the target with default parameters, drawn in its own window:
    dots in the plane, a histogram under the closed-form density on a line."""
    target = make_target(key, TargetParams())
    xy = target.sample(N_POINTS, np.random.default_rng(0))
    body = _dots(target, xy) if target.dim == 2 else _histogram(target, xy[:, 0])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">'
            f'<rect width="{SIZE}" height="{SIZE}" fill="#f7f7f7"/>{body}</svg>')


def _dots(target: Target, xy: np.ndarray) -> str:
    x0, x1, y0, y1 = target.extent
    px = (xy[:, 0] - x0) / (x1 - x0) * SIZE
    py = (1 - (xy[:, 1] - y0) / (y1 - y0)) * SIZE          # SVG's y axis points down
    dots = "".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1"/>' for a, b in zip(px, py))
    return f'<g fill="#1b7837">{dots}</g>'


def _histogram(target: Target, x: np.ndarray) -> str:
    """Bars of the samples' density over the window, the target's density drawn over them on one scale."""
    x0, x1 = target.extent[:2]
    counts, edges = np.histogram(x, bins=BARS, range=(x0, x1))
    width = (x1 - x0) / BARS
    bars = counts / (len(x) * width)                         # a density, like the curve
    grid = np.linspace(x0, x1, 2 * SIZE)
    curve = target.density(grid)
    scale = TOP * SIZE / max(bars.max(), curve.max())
    bw = SIZE / BARS
    rects = "".join(f'<rect x="{i * bw:.1f}" y="{SIZE - h * scale:.1f}" width="{bw - 0.5:.1f}" height="{h * scale:.1f}"/>'
                    for i, h in enumerate(bars) if h > 0)
    line = " ".join(f"{(g - x0) / (x1 - x0) * SIZE:.1f},{SIZE - p * scale:.1f}" for g, p in zip(grid, curve))
    return (f'<g fill="#1b7837" fill-opacity="0.6">{rects}</g>'
            f'<polyline points="{line}" fill="none" stroke="#000000" stroke-width="1"/>')


def pickable() -> list[str]:
    """Targets that can be picked from a thumbnail: all but the user's own points."""
    return [k for k in TARGETS if k != "points"]
