"""The JSON a browser would receive for one frame: a plotly-style figure dict built from a Snapshot.

This stands in for the app's own encoder (playground/), which may differ: it is here so the
benchmark can report a frame's size and encoding time without depending on the app.
"""
from __future__ import annotations

import json

import numpy as np

from gancore.snapshot import Snapshot

SIG_DIGITS = 4
ARROW_SPAN = 0.1     # the longest g_field arrow is drawn this fraction of the plot's width


def rounded(a: np.ndarray) -> list:
    """Numbers at 4 significant digits as (nested) lists; NaN and Inf become null, as JSON needs."""
    a = np.asarray(a, np.float64)
    finite = np.isfinite(a)
    magnitude = np.floor(np.log10(np.abs(np.where(finite & (a != 0), a, 1.0))))
    # Divide by an exact power of ten last, so each value prints as its short decimal (0.1235).
    up = 10.0 ** np.clip(SIG_DIGITS - 1 - magnitude, 0, 22)
    down = 10.0 ** np.clip(magnitude - SIG_DIGITS + 1, 0, 22)
    values = np.where(finite, np.round(a * up / down) * down / up, 0.0).tolist()
    if finite.all():
        return values
    return _nulls(values, finite.tolist())


def _nulls(values: list, keep: list) -> list:
    if not isinstance(values, list):
        return values if keep else None
    return [_nulls(v, k) for v, k in zip(values, keep)]


def _segments(starts: np.ndarray, ends: np.ndarray) -> dict[str, list]:
    """Many line segments as one trace: start, end, gap (NaN), as plotly draws them."""
    gap = np.full(len(starts), np.nan)
    x = np.stack([starts[:, 0], ends[:, 0], gap], 1)
    y = np.stack([starts[:, 1], ends[:, 1], gap], 1)
    return {"x": rounded(x.ravel()), "y": rounded(y.ravel())}


def _mesh_lines(manifold: np.ndarray) -> dict[str, list]:
    """The manifold's grid lines (rows then columns) as one trace separated by gaps."""
    lines = list(manifold) + (list(manifold.transpose(1, 0, 2)) if manifold.shape[1] > 1 else [])
    pad = np.full((1, 2), np.nan)
    points = np.concatenate([np.concatenate([line, pad]) for line in lines])
    return {"x": rounded(points[:, 0]), "y": rounded(points[:, 1])}


def traces(snap: Snapshot) -> dict[str, dict]:
    """Each drawn part of the frame, keyed by name, as a plotly trace dict."""
    x0, x1 = snap.extent[:2]
    norms = np.linalg.norm(snap.g_field, axis=1)
    scale = ARROW_SPAN * (x1 - x0) / max(float(norms.max()), 1e-12)
    out = {
        "d_surface": {"type": "heatmap", "x": rounded(snap.grid_x), "y": rounded(snap.grid_y),
                      "z": rounded(snap.d_surface)},
        "real": {"type": "scatter", "mode": "markers", "x": rounded(snap.real[:, 0]), "y": rounded(snap.real[:, 1])},
        "fake": {"type": "scatter", "mode": "markers", "x": rounded(snap.fake[:, 0]), "y": rounded(snap.fake[:, 1])},
        "g_field": {"type": "scatter", "mode": "lines", **_segments(snap.fake, snap.fake + scale * snap.g_field)},
        "manifold": {"type": "scatter", "mode": "lines", **_mesh_lines(snap.manifold)},
    }
    steps = snap.history["step"].tolist()      # step numbers stay exact
    for name, values in snap.history.items():
        if name != "step":
            out[f"history.{name}"] = {"type": "scatter", "mode": "lines", "x": steps, "y": rounded(values)}
    return out


def encode(snap: Snapshot) -> bytes:
    """The whole frame as compact JSON bytes."""
    figure = {"data": list(traces(snap).values()), "layout": {"xaxis": {"range": list(snap.extent[:2])},
                                                             "yaxis": {"range": list(snap.extent[2:])}}}
    return json.dumps(figure, separators=(",", ":")).encode()


def part_sizes(snap: Snapshot) -> dict[str, int]:
    """Bytes of each part's JSON, history traces summed: where a frame's size goes."""
    sizes: dict[str, int] = {}
    for name, trace in traces(snap).items():
        key = name.split(".")[0]
        sizes[key] = sizes.get(key, 0) + len(json.dumps(trace, separators=(",", ":")))
    return sizes
