"""Plotly figure dicts built from snapshots: the run view (D surface and points) and the charts.

Plain dicts, not plotly.graph_objects: validating a Figure costs tens of milliseconds, too much at
ten frames a second, and the live chart hands the dict straight to Plotly.react in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gancore.palette import ARROW, D_SCALE, FAKE, MANIFOLD, REAL
from gancore.snapshot import Snapshot

RUN_DASH = {"a": "solid", "b": "dot"}
REAL_NAME, FAKE_NAME, ARROW_NAME, MANIFOLD_NAME = "real x ~ p_data", "fake G(z)", "G's push −∇ₓL_G", "G(z) manifold"
# How the overlay draws each layer (sizes in CSS pixels); also the look of its legend entry.
LEGEND_STYLE = {
    REAL_NAME: {"kind": "dots", "color": REAL, "opacity": 0.8, "size": 4.5},
    FAKE_NAME: {"kind": "dots", "color": FAKE, "opacity": 0.8, "size": 4.5},
    ARROW_NAME: {"kind": "segments", "color": ARROW, "opacity": 0.9, "size": 1.0},
    MANIFOLD_NAME: {"kind": "polyline", "color": MANIFOLD, "opacity": 1.0, "size": 1.0},
}


@dataclass(frozen=True)
class ViewOptions:
    """What the user toggled on for the run view."""

    arrows: bool = True
    manifold: bool = False
    optimal: bool = False
    arrow_scale: float = 0.05       # data units per unit of -dL_G/dx: fixed, so a vanishing gradient shows
    max_arrow: float = 0.6          # longer arrows are clipped to this length (data units)


def run_view(snap: Snapshot, opts: ViewOptions, title: str = "", caption: str = "") -> dict:
    """The discriminator surface under the real and fake samples, optionally beside D*.

    Plotly draws the axes, legend and colour bar; everything that changes each frame (the
    surfaces, samples, G's arrows, the manifold) is in `overlay`, drawn by the live chart on a
    canvas over the plot area in the axes' current ranges (live_chart_frontend/main.js). As Plotly
    traces and shapes they cost ~60 ms of the browser's main thread per frame (1,500 SVG elements
    or path pieces, a heatmap re-rendered to PNG); on the canvas a frame takes a few ms. The
    legend entries are empty traces: clicking one hides that layer of the overlay.
    """
    with_optimal = opts.optimal and snap.optimal_d is not None
    layers = [_surface(snap, snap.d_surface, "x", "y", snap.surface_probability), *_layers(snap, opts, "x", "y")]
    if with_optimal:
        layers += [_surface(snap, snap.optimal_d, "x2", "y2", True), *_layers(snap, ViewOptions(arrows=False), "x2", "y2")]
    names = list(dict.fromkeys(layer["name"] for layer in layers if layer["kind"] != "surface"))
    traces = [_colorbar(layers[0]), *[_legend_entry(name, LEGEND_STYLE[name]) for name in names]]
    # Text that changes with every frame is drawn with the overlay too: the caption over the plot
    # (e.g. the step) and a note in its corner.
    overlay = {"layers": layers, "caption": caption, "note": _outside_note(snap), "note_color": FAKE}
    return {"data": traces, "layout": _view_layout(snap, title, with_optimal), "overlay": overlay}


def _axes(xaxis: str, yaxis: str) -> dict:
    return {"xaxis": xaxis.replace("x", "xaxis"), "yaxis": yaxis.replace("y", "yaxis")}


def _surface(snap: Snapshot, z: np.ndarray, xaxis: str, yaxis: str, prob: bool) -> dict:
    """A surface on the grid (rows along y) with its colour range: D(x) in [0, 1], or a score."""
    if prob:
        zmin, zmax = 0.0, 1.0
    else:
        # Scores are unbounded: centre white on the equilibrium (or 0) and stretch symmetrically.
        mid = snap.equilibrium or 0.0
        finite = np.abs(z[np.isfinite(z)] - mid)
        half = _nice_ceil(float(finite.max())) if finite.size and finite.max() > 0 else 1.0
        zmin, zmax = mid - half, mid + half
    return {"kind": "surface", "name": "D(x)" if prob else "score", "z": z.ravel(), "nx": len(snap.grid_x),
            "ny": len(snap.grid_y), "x": [snap.grid_x[0], snap.grid_x[-1]], "y": [snap.grid_y[0], snap.grid_y[-1]],
            "zmin": zmin, "zmax": zmax, "colors": D_SCALE, "opacity": 1.0, **_axes(xaxis, yaxis)}


def _nice_ceil(v: float) -> float:
    """The next of 1, 2, 5 x 10^k at or above v: the score's colour range steps, it does not flicker
    with every frame (and the colour bar is redrawn only when it steps)."""
    power = 10.0 ** np.floor(np.log10(v))
    return float(next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= v * (1 - 1e-12)))


def _colorbar(surface: dict) -> dict:
    """A trace that draws nothing but the colour bar of the main surface."""
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "showlegend": False, "hoverinfo": "skip",
            "marker": {"color": [surface["zmin"], surface["zmax"]], "colorscale": D_SCALE, "cmin": surface["zmin"],
                       "cmax": surface["zmax"], "showscale": True,
                       "colorbar": {"thickness": 10, "len": 0.8, "title": {"text": surface["name"]}}}}


def _layers(snap: Snapshot, opts: ViewOptions, xaxis: str, yaxis: str) -> list[dict]:
    """Overlay layers for one subplot, bottom to top: flat [x0, y0, x1, y1, ...] data coordinates."""
    points = {}                                   # name -> flat xy; LEGEND_STYLE gives kind and look
    if opts.manifold:
        points[MANIFOLD_NAME] = _mesh_lines(snap.manifold).ravel()
    points[REAL_NAME], points[FAKE_NAME] = snap.real.ravel(), snap.fake.ravel()
    if opts.arrows:
        points[ARROW_NAME] = np.concatenate([snap.fake, arrow_tips(snap.fake, snap.g_field, opts)], axis=1).ravel()
    axes = _axes(xaxis, yaxis)
    return [{"name": name, "xy": xy, **LEGEND_STYLE[name], **axes} for name, xy in points.items()]


def _legend_entry(name: str, style: dict) -> dict:
    """An empty trace whose only job is the legend entry (and its click) of an overlay layer."""
    mode = "lines" if style["kind"] != "dots" else "markers"
    return {"type": "scatter", "mode": mode, "x": [None], "y": [None], "name": name, "hoverinfo": "skip",
            "marker": {"color": style["color"], "size": 7}, "line": {"color": style["color"], "width": 2}}


def arrow_tips(start: np.ndarray, push: np.ndarray, opts: ViewOptions) -> np.ndarray:
    """start + scale * push, with arrows longer than max_arrow clipped to it: (n, 2)."""
    delta = opts.arrow_scale * push
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    delta = np.where(length > opts.max_arrow, delta * opts.max_arrow / np.maximum(length, 1e-12), delta)
    return start + delta


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
        "annotations": [],
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


def _outside_note(snap: Snapshot) -> str:
    """How many fakes fell outside the view ("" if none): drawn under the plot's corner."""
    x0, x1, y0, y1 = snap.extent
    f = snap.fake
    outside = int(np.count_nonzero((f[:, 0] < x0) | (f[:, 0] > x1) | (f[:, 1] < y0) | (f[:, 1] > y1)))
    return f"{outside} of {len(f)} fakes outside the view" if outside else ""


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
