"""Small SVG pictures of each target distribution, for picking a target at a glance."""
from __future__ import annotations

import functools

import numpy as np

from gancore.targets import TARGETS, TargetParams, make_target

SIZE = 64          # pixels
N_POINTS = 300


@functools.cache
def thumbnail(key: str) -> str:
    """An SVG of 300 samples of the target with default parameters, drawn in its own window."""
    target = make_target(key, TargetParams())
    xy = target.sample(N_POINTS, np.random.default_rng(0))
    x0, x1, y0, y1 = target.extent
    px = (xy[:, 0] - x0) / (x1 - x0) * SIZE
    py = (1 - (xy[:, 1] - y0) / (y1 - y0)) * SIZE          # SVG's y axis points down
    dots = "".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="1"/>' for a, b in zip(px, py))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">'
            f'<rect width="{SIZE}" height="{SIZE}" fill="#f7f7f7"/><g fill="#1b7837">{dots}</g></svg>')


def pickable() -> list[str]:
    """Targets that can be picked from a thumbnail: all but the user's own points."""
    return [k for k in TARGETS if k != "points"]
