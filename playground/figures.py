"""Plotly figure dicts built from snapshots: the run view (D surface and points) and the charts.

Plain dicts, not plotly.graph_objects: validating a Figure costs tens of milliseconds, too much at
ten frames a second, and the live chart hands the dict straight to Plotly.react in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gancore.snapshot import Snapshot

REAL, FAKE = "#1b7837", "#c51b7d"      # real green, fake magenta: the ends of the D colour scale
ARROW, MANIFOLD = "#333333", "rgba(60, 60, 60, 0.35)"
# Purple (D says fake) -> white (D = 1/2, can't tell) -> green (D says real).
D_SCALE = [[0.0, "#762a83"], [0.25, "#c2a5cf"], [0.5, "#f7f7f7"], [0.75, "#a6dba0"], [1.0, "#1b7837"]]
RUN_DASH = {"a": "solid", "b": "dot"}


@dataclass(frozen=True)
class ViewOptions:
    """What the user toggled on for the run view."""

    arrows: bool = True
    manifold: bool = False
    optimal: bool = False
    arrow_scale: float = 0.05       # data units per unit of -dL_G/dx: fixed, so a vanishing gradient shows
    max_arrow: float = 0.6          # longer arrows are clipped to this length (data units)


def run_view(snap: Snapshot, opts: ViewOptions, title: str = "") -> dict:
    """The discriminator surface under the real and fake samples, optionally beside D*."""
    with_optimal = opts.optimal and snap.optimal_d is not None
    traces = [_surface(snap.grid_x, snap.grid_y, snap.d_surface, snap, "x", "y", colorbar=True)]
    traces += _points(snap, opts, "x", "y")
    layout = _view_layout(snap, title, with_optimal)
    if opts.arrows:
        layout["shapes"] = [_arrow_shape(snap.fake, snap.g_field, opts)]
    if with_optimal:
        traces.append(_surface(snap.grid_x, snap.grid_y, snap.optimal_d, snap, "x2", "y2", colorbar=False, prob=True))
        traces += _points(snap, ViewOptions(arrows=False), "x2", "y2", legend=False)
    return {"data": traces, "layout": layout}


def _surface(gx, gy, z, snap: Snapshot, xa: str, ya: str, colorbar: bool, prob: bool | None = None) -> dict:
    prob = snap.surface_probability if prob is None else prob
    trace = {"type": "heatmap", "x": gx, "y": gy, "z": z, "xaxis": xa, "yaxis": ya, "colorscale": D_SCALE,
             "hoverinfo": "skip", "showscale": colorbar, "zsmooth": "fast",
             "colorbar": {"thickness": 10, "len": 0.8, "title": {"text": "D(x)" if prob else "score"}}}
    if prob:
        trace.update(zmin=0.0, zmax=1.0)
    else:
        # Scores are unbounded: centre white on the equilibrium (or 0) and stretch symmetrically.
        mid = snap.equilibrium or 0.0
        half = float(np.nanmax(np.abs(z - mid))) or 1.0
        trace.update(zmin=mid - half, zmax=mid + half)
    return trace


def _points(snap: Snapshot, opts: ViewOptions, xa: str, ya: str, legend: bool = True) -> list[dict]:
    out = []
    if opts.manifold:
        out.append(_lines(_mesh_lines(snap.manifold), MANIFOLD, "G(z) manifold", xa, ya, legend, width=1))
    out.append(_scatter(snap.real, REAL, "real x ~ p_data", xa, ya, legend))
    out.append(_scatter(snap.fake, FAKE, "fake G(z)", xa, ya, legend))
    return out


def _scatter(xy: np.ndarray, color: str, name: str, xa: str, ya: str, legend: bool) -> dict:
    # WebGL markers: with 2 x 512 SVG circles a redraw took ~45 ms in Chromium, with WebGL ~17 ms.
    return {"type": "scattergl", "mode": "markers", "x": xy[:, 0], "y": xy[:, 1],
            "name": name, "xaxis": xa, "yaxis": ya, "showlegend": legend, "hoverinfo": "skip",
            "marker": {"size": 4, "color": color, "opacity": 0.8}}


def _lines(xy: np.ndarray, color: str, name: str, xa: str, ya: str, legend: bool, width: float) -> dict:
    return {"type": "scatter", "mode": "lines", "x": xy[:, 0], "y": xy[:, 1], "name": name, "xaxis": xa,
            "yaxis": ya, "showlegend": legend, "hoverinfo": "skip", "line": {"color": color, "width": width}}


def arrow_tips(start: np.ndarray, push: np.ndarray, opts: ViewOptions) -> np.ndarray:
    """start + scale * push, with arrows longer than max_arrow clipped to it: (n, 2)."""
    delta = opts.arrow_scale * push
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    delta = np.where(length > opts.max_arrow, delta * opts.max_arrow / np.maximum(length, 1e-12), delta)
    return start + delta


def _arrow_shape(start: np.ndarray, push: np.ndarray, opts: ViewOptions) -> dict:
    """All arrows as ONE SVG path: a scatter with gaps costs one DOM element per arrow and drew
    several times slower in the browser."""
    tips = arrow_tips(start, push, opts)
    segments = np.concatenate([start, tips], axis=1)                          # (n, 4): x0 y0 x1 y1
    text = np.char.mod("%.4g", segments)
    path = "".join(f"M{a},{b}L{c},{d}" for a, b, c, d in text)
    return {"type": "path", "path": path, "xref": "x", "yref": "y", "line": {"color": ARROW, "width": 1},
            "showlegend": True, "name": "G's push −∇ₓL_G", "layer": "above"}


def _mesh_lines(manifold: np.ndarray) -> np.ndarray:
    """Rows and columns of the G(z) grid as one polyline with NaN gaps; a curve for 1-D noise."""
    rows, cols, _ = manifold.shape
    if cols == 1:
        return manifold[:, 0]
    gap = np.full((1, 2), np.nan)
    pieces = [np.concatenate([manifold[i], gap]) for i in range(rows)]
    pieces += [np.concatenate([manifold[:, j], gap]) for j in range(cols)]
    return np.concatenate(pieces)


def _view_layout(snap: Snapshot, title: str, with_optimal: bool) -> dict:
    x0, x1, y0, y1 = snap.extent
    axis = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    layout = {
        "margin": {"l": 30, "r": 10, "t": 36, "b": 24}, "showlegend": True,
        "legend": {"orientation": "h", "y": -0.06, "font": {"size": 11}},
        "xaxis": {**axis, "range": [x0, x1], "domain": [0, 0.48] if with_optimal else [0, 1]},
        "yaxis": {**axis, "range": [y0, y1], "scaleanchor": "x"},
        "title": {"text": title, "font": {"size": 14}},
        "meta": snap.step, "plot_bgcolor": "white",
        "annotations": _outside_note(snap),
    }
    if with_optimal:
        layout["xaxis2"] = {**axis, "range": [x0, x1], "domain": [0.52, 1], "anchor": "y2"}
        layout["yaxis2"] = {**axis, "range": [y0, y1], "scaleanchor": "x2", "anchor": "x2"}
        layout["annotations"] = layout["annotations"] + [
            _label("learned D(x)", 0.24), _label("optimal D*(x) = p_data / (p_data + p_g)", 0.76)]
    return layout


def _label(text: str, x: float) -> dict:
    return {"text": text, "x": x, "y": 1.0, "xref": "paper", "yref": "paper", "showarrow": False,
            "yanchor": "bottom", "font": {"size": 12}}


def _outside_note(snap: Snapshot) -> list[dict]:
    x0, x1, y0, y1 = snap.extent
    f = snap.fake
    outside = int(np.count_nonzero((f[:, 0] < x0) | (f[:, 0] > x1) | (f[:, 1] < y0) | (f[:, 1] > y1)))
    if not outside:
        return []
    return [{"text": f"{outside} of {len(f)} fakes outside the view", "x": 0.01, "y": 0.01, "xref": "paper",
             "yref": "paper", "showarrow": False, "xanchor": "left", "yanchor": "bottom",
             "font": {"size": 11, "color": FAKE}, "bgcolor": "rgba(255,255,255,0.7)"}]


# ---- charts -------------------------------------------------------------------------------------
# (panel, history key, legend name, colour); panels are laid out 2 x 2.
SERIES = [
    (0, "loss_d", "D loss", "#2166ac"), (0, "loss_g", "G loss", "#b2182b"),
    (1, "d_real", "mean D(real)", REAL), (1, "d_fake", "mean D(fake)", FAKE),
    (2, "d_grad_norm", "‖∇θ_D‖", "#2166ac"), (2, "g_grad_norm", "‖∇θ_G‖", "#b2182b"),
]
PANEL_TITLES = ["losses", "D on real vs fake (equilibrium 1/2)", "gradient norms (log scale)", "divergence and modes"]


def charts(runs: dict[str, Snapshot]) -> dict:
    """History charts for one run or two overlaid ("a" solid, "b" dotted)."""
    traces: list[dict] = []
    for run, snap in runs.items():
        prefix = f"{run.upper()} · " if len(runs) > 1 else ""
        h = snap.history
        for panel, key, name, color in SERIES:
            traces.append(_series(h["step"], h[key], prefix + name, color, run, panel))
        m = snap.metric_history
        traces.append(_series(m["step"], m["js"], prefix + "JS divergence (nats)", "#5e3c99", run, 3))
        if snap.centers is not None:
            traces.append(_series(m["step"], m["modes"] / len(snap.centers), prefix + "modes captured (fraction)", "#e66101", run, 3))
            traces.append(_series(m["step"], m["hq"], prefix + "high-quality samples (fraction)", "#fdb863", run, 3))
    first = next(iter(runs.values()))
    return {"data": traces, "layout": _charts_layout(first, max(s.step for s in runs.values()))}


MAX_POINTS = 400   # per chart line: a line this wide shows no more, and the browser draws 5x fewer


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th point (and always the last), so a line has at most MAX_POINTS points."""
    k = -(-len(x) // MAX_POINTS)
    if k <= 1:
        return x, y
    keep = np.r_[np.arange(0, len(x) - 1, k), len(x) - 1]
    return x[keep], y[keep]


def _series(x, y, name: str, color: str, run: str, panel: int) -> dict:
    x, y = _thin(np.asarray(x), np.asarray(y))
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "legendgroup": str(panel),
            "xaxis": f"x{panel + 1}", "yaxis": f"y{panel + 1}", "line": {"color": color, "width": 1.5, "dash": RUN_DASH[run]}}


def _charts_layout(snap: Snapshot, step: int) -> dict:
    layout: dict = {"margin": {"l": 50, "r": 10, "t": 30, "b": 30}, "meta": step, "height": 520,
                    "legend": {"orientation": "h", "y": -0.08, "font": {"size": 11}}, "annotations": [],
                    "shapes": []}
    domains = [([0, 0.46], [0.56, 1]), ([0.54, 1], [0.56, 1]), ([0, 0.46], [0, 0.42]), ([0.54, 1], [0, 0.42])]
    for i, (dx, dy) in enumerate(domains):
        n = i + 1
        layout[f"xaxis{n}"] = {"domain": dx, "anchor": f"y{n}", "title": {"text": "step"} if i >= 2 else None}
        layout[f"yaxis{n}"] = {"domain": dy, "anchor": f"x{n}"}
        layout["annotations"].append({"text": PANEL_TITLES[i], "x": (dx[0] + dx[1]) / 2, "y": dy[1], "xref": "paper",
                                      "yref": "paper", "showarrow": False, "yanchor": "bottom", "font": {"size": 12}})
    layout["yaxis3"]["type"] = "log"
    if snap.equilibrium is not None:
        layout["shapes"].append({"type": "line", "xref": "x2 domain", "x0": 0, "x1": 1, "yref": "y2",
                                 "y0": snap.equilibrium, "y1": snap.equilibrium, "line": {"dash": "dash", "color": "#888"}})
    if snap.surface_probability:
        layout["yaxis2"]["range"] = [0, 1]
    return layout
