"""The run view of a 1D target as a Plotly figure dict: Figure 1 of Goodfellow et al. (2014), live.

Top: p_data (black, dotted), p_g (green: a Gaussian KDE of G's fakes, its bandwidth on the plot),
D(x) (blue, dashed, on the right-hand axis) and, where the loss has one, its equilibrium 1/2.
Under it, the z -> x map: a line from each of an even ladder of z values (the lower line) up to
x = G(z) (the upper line), so the lines crowd where p_g is high. Same structure as figures.run_view:
what changes each frame is in the overlay (canvas); Plotly draws only what stays (axes, p_data,
the two lines, the 1/2 level), so a new frame costs the browser no Plotly call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gancore.losses import LOSSES
from gancore.snapshot import Snapshot

if TYPE_CHECKING:                     # figures imports this module to dispatch to it: no import at run time
    from playground.figures import ViewOptions

P_DATA_NAME, P_G_NAME, D_NAME, D_STAR_NAME = "p_data(x)", "p_g(x)", "D(x)", "D*(x)"
MAP_NAME, PUSH_NAME = "z → x = G(z)", "−∂L_G/∂x: lowers G's loss"
P_DATA, P_G, D_COLOR, D_STAR, MAP, PUSH = "#000000", "#1a9641", "#2166ac", "#d6604d", "#636363", "#333333"
# Overlay layers of the view: how each is drawn (sizes in CSS pixels); also the look of its legend entry.
LEGEND_STYLE = {
    P_G_NAME: {"kind": "polyline", "color": P_G, "opacity": 1.0, "size": 2.0},
    D_NAME: {"kind": "polyline", "color": D_COLOR, "opacity": 1.0, "size": 2.0, "dash": "dash"},
    D_STAR_NAME: {"kind": "polyline", "color": D_STAR, "opacity": 0.9, "size": 1.5, "dash": "dashdot"},
    MAP_NAME: {"kind": "segments", "color": MAP, "opacity": 0.8, "size": 1.0},
    PUSH_NAME: {"kind": "segments", "color": PUSH, "opacity": 0.9, "size": 1.5},
}
PUSH_START = {"kind": "dots", "color": PUSH, "opacity": 0.9, "size": 4.0}   # where each arrow starts: at G(z)
# The canvas draws solid lines only: a dashed curve is drawn as runs of grid points with NaN gaps.
DASH_RUNS = {"dash": (7, 4), "dashdot": (9, 3, 2, 3)}     # grid points drawn, skipped, drawn, ...
LEVEL_COLOR = "#888888"
DENSITY_HEADROOM = 1.35      # the density axis reaches this times p_data's peak (p_g may rise above it)
ROWS = ([0.38, 1.0], [0.0, 0.28])   # y domains of the densities (top) and of the z -> x map (under it)
X_LINE, Z_LINE = 1.0, 0.0    # heights of the two lines in the map's row
PUSH_BAND = (1.15, 1.9)      # the arrows stand over the x line, one height per arrow, bottom to top
PUSH_EVERY = 4               # an arrow at every 4th line's G(z): 10 arrows, far enough apart to read
ARROW_SHARE = 0.05           # the 90th-percentile arrow is this share of the view's width (as in 2D)


def line_view(snap: Snapshot, opts: ViewOptions, title: str = "", caption: str = "") -> dict:
    """The 1D run view (figures.run_view's structure: "data", "layout", "overlay"). Of the options,
    arrows draws -∂L_G/∂x at G(z), optimal draws D* where the loss aims for it; the z -> x map is
    always drawn (it is the 1D manifold), so manifold changes nothing here."""
    loss = LOSSES[snap.config.loss]
    with_star = opts.optimal and loss.d_star and snap.line_d_star is not None
    layers = [_curve(P_G_NAME, snap.line_x, snap.line_p_g, "y")]
    if with_star:
        layers.append(_curve(D_STAR_NAME, snap.line_x, snap.line_d_star, "y3"))
    layers += [_curve(D_NAME, snap.line_x, snap.line_d, "y3"), _map_layer(snap)]
    labels = [{"text": kde_note(snap.line_bandwidth), "xaxis": "xaxis", "yaxis": "yaxis", "corner": "top-right"}]
    if opts.arrows:
        scale = push_scale(snap.line_push, opts.arrow_scale, snap.extent)
        layers += _push_layers(snap, scale, opts)
        labels.append({"text": push_note(scale), "xaxis": "xaxis2", "yaxis": "yaxis2", "corner": "top-left"})
    if opts.optimal and not loss.d_star:
        labels.append({"text": "D*: not this loss's aim", "xaxis": "xaxis", "yaxis": "yaxis", "corner": "top-left"})
    traces = [_p_data_trace(snap), _anchor("x", "y3"), _anchor("x2", "y2")]
    traces += [_legend_entry(name) for name in dict.fromkeys(layer["name"] for layer in layers)]
    overlay = {"layers": layers, "caption": caption, "note": outside_note(snap), "note_color": "#c51b7d",
               "labels": labels}
    return {"data": traces, "layout": _layout(snap, loss, title), "overlay": overlay}


# ---- overlay layers -------------------------------------------------------------------------

def dashed(y: np.ndarray, dash: str | None) -> np.ndarray:
    """y with NaN over the gaps of the dash pattern (grid points drawn, skipped, ...); a copy."""
    y = np.array(y, dtype=np.float64)
    if dash is None:
        return y
    runs = DASH_RUNS[dash]
    pattern = np.concatenate([np.full(n, i % 2 == 0) for i, n in enumerate(runs)])
    drawn = np.resize(pattern, len(y))
    return np.where(drawn, y, np.nan)


def _curve(name: str, x: np.ndarray, y: np.ndarray, yaxis: str) -> dict:
    style = LEGEND_STYLE[name]
    xy = np.stack([x, dashed(y, style.get("dash"))], axis=1).ravel()
    return {"name": name, "xy": xy, **style, "xaxis": "xaxis", "yaxis": yaxis.replace("y", "yaxis")}


def _map_layer(snap: Snapshot) -> dict:
    """A segment from (z, Z_LINE) up to (G(z), X_LINE) for each z of the ladder: [z, 0, G(z), 1, ...]."""
    k = len(snap.line_z)
    xy = np.stack([snap.line_z, np.full(k, Z_LINE), snap.line_gz, np.full(k, X_LINE)], axis=1).ravel()
    return {"name": MAP_NAME, "xy": xy, **LEGEND_STYLE[MAP_NAME], "xaxis": "xaxis2", "yaxis": "yaxis2"}


def push_scale(push: np.ndarray, arrow_scale: float, extent) -> float | None:
    """Data units of arrow per unit of |∂L_G/∂x| (None if every gradient is 0): the 90th-percentile
    arrow is ARROW_SHARE x arrow_scale of the view's width, as the 2D view scales its arrows."""
    size = np.abs(np.asarray(push, dtype=np.float64))
    size = size[np.isfinite(size)]
    typical = float(np.percentile(size, 90)) if size.size else 0.0
    if not typical > 0:
        return None
    return ARROW_SHARE * arrow_scale * (extent[1] - extent[0]) / typical


def _push_layers(snap: Snapshot, scale: float | None, opts: ViewOptions) -> list[dict]:
    """From every PUSH_EVERY-th G(z) along x by scale x -∂L_G/∂x, clipped to max_arrow typical
    arrows; each at its own height, in the order of z, a dot where it starts. One name: one legend
    entry hides both layers."""
    start = np.asarray(snap.line_gz[PUSH_EVERY // 2::PUSH_EVERY], dtype=np.float64)
    push = np.asarray(snap.line_push[PUSH_EVERY // 2::PUSH_EVERY], dtype=np.float64)
    longest = opts.max_arrow * ARROW_SHARE * opts.arrow_scale * (snap.extent[1] - snap.extent[0])
    delta = np.zeros_like(start) if scale is None else np.clip(scale * push, -longest, longest)
    height = np.linspace(*PUSH_BAND, len(start))
    axes = {"xaxis": "xaxis2", "yaxis": "yaxis2"}
    arrows = {"name": PUSH_NAME, "xy": np.stack([start, height, start + delta, height], axis=1).ravel(),
              **LEGEND_STYLE[PUSH_NAME], **axes}
    starts = {"name": PUSH_NAME, "xy": np.stack([start, height], axis=1).ravel(), **PUSH_START, **axes}
    return [arrows, starts]


def kde_note(bandwidth: float | None) -> str:
    """How p_g is estimated, drawn on the figure: the KDE's bandwidth changes from frame to frame."""
    return "" if bandwidth is None else f"p_g: Gaussian KDE of G's fakes, Scott's h = {bandwidth:.2g}"


def push_note(scale: float | None) -> str:
    return "arrows: ∂L_G/∂x = 0" if scale is None else f"arrows: {scale:.2g} × |∂L_G/∂x|"


def outside_note(snap: Snapshot) -> str:
    """How many shown fakes fell outside the window ("" if none)."""
    x0, x1 = snap.extent[:2]
    f = snap.fake[:, 0]
    outside = int(np.count_nonzero(~((f >= x0) & (f <= x1))))
    return f"{outside} of {len(f)} fakes outside the view" if outside else ""


# ---- what Plotly draws: the axes and what stays -------------------------------------------------

def _p_data_trace(snap: Snapshot) -> dict:
    """p_data as a real trace: it never changes, so Plotly draws it once and the frames leave it be."""
    return {"type": "scatter", "mode": "lines", "x": snap.line_x, "y": snap.line_p_data, "name": P_DATA_NAME,
            "xaxis": "x", "yaxis": "y", "line": {"color": P_DATA, "width": 2, "dash": "dot"}, "hoverinfo": "skip"}


def _anchor(xaxis: str, yaxis: str) -> dict:
    """An empty trace on a pair of axes: Plotly lays out no axes that carry no trace."""
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "xaxis": xaxis, "yaxis": yaxis,
            "showlegend": False, "hoverinfo": "skip"}


def _legend_entry(name: str) -> dict:
    """An empty trace whose only job is the legend entry (and its click) of an overlay layer."""
    style = LEGEND_STYLE[name]
    return {"type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": name, "hoverinfo": "skip",
            "line": {"color": style["color"], "width": 2, "dash": style.get("dash", "solid")}}


def readout_words(loss_key: str) -> str:
    """The right-hand axis's title: what D's output is for this loss."""
    loss = LOSSES[loss_key]
    return "D(x)" if loss.probability else "critic score" if loss.middle is None else "D's score"


def _layout(snap: Snapshot, loss, title: str) -> dict:
    x0, x1 = snap.extent[:2]
    font = {"size": 10}
    top = 28 + (22 if title else 0)
    peak = float(np.nanmax(snap.line_p_data, initial=0.0)) or 1.0
    layout = {
        "margin": {"l": 50, "r": 50, "t": top, "b": 75}, "showlegend": True,
        "legend": {"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.5,
                   "xanchor": "center", "font": {"size": 11}},
        "xaxis": {"range": [x0, x1], "domain": [0, 1], "anchor": "y", "showgrid": False, "zeroline": False,
                  "showticklabels": False, "ticks": "outside"},
        "yaxis": {"range": [0, DENSITY_HEADROOM * peak], "domain": ROWS[0], "title": {"text": "density", "font": font},
                  "showgrid": False, "zeroline": False, "tickfont": font},
        "yaxis3": {"range": list(snap.surface_range), "overlaying": "y", "side": "right", "anchor": "x",
                   "title": {"text": readout_words(snap.config.loss), "font": {"size": 10, "color": D_COLOR}},
                   "tickfont": {"size": 10, "color": D_COLOR}, "showgrid": False, "zeroline": False,
                   "tickmode": "auto", "nticks": 6},
        "xaxis2": {"matches": "x", "anchor": "y2", "domain": [0, 1], "showgrid": False, "zeroline": False,
                   "tickfont": font, "title": {"text": "x on the upper line, z on the lower (one scale)", "font": font,
                                               "standoff": 2}},
        "yaxis2": {"range": [Z_LINE - 0.15, PUSH_BAND[1] + 0.1], "domain": ROWS[1], "fixedrange": True,
                   "tickvals": [Z_LINE, X_LINE], "ticktext": ["z", "x"], "showgrid": False, "zeroline": False,
                   "tickfont": {"size": 11}},
        "title": {"text": title, "font": {"size": 14}, "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 4}},
        "meta": snap.step, "plot_bgcolor": "#ffffff",
        "shapes": _lines(loss, x0, x1), "annotations": [],
    }
    return layout


def _lines(loss, x0: float, x1: float) -> list[dict]:
    """The map's z and x lines across the lower row, and the loss's equilibrium level (1/2) if it has one."""
    shapes = [{"type": "line", "xref": "x2", "x0": x0, "x1": x1, "yref": "y2", "y0": y, "y1": y,
               "line": {"color": "#000000", "width": 1}} for y in (Z_LINE, X_LINE)]
    if loss.equilibrium is not None:
        shapes.append({"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y3",
                       "y0": loss.equilibrium, "y1": loss.equilibrium,
                       "line": {"color": LEVEL_COLOR, "width": 1, "dash": "dash"}})
    return shapes
