"""Plotly figure dicts built from snapshots: the run view (D surface and points) and the charts.

Plain dicts, not plotly.graph_objects: validating a Figure costs tens of milliseconds, too much at
ten frames a second, and the live chart hands the dict straight to Plotly.react in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gancore.losses import LOSSES, get_loss
from gancore.palette import ARROW, D_SCALE, FAKE, MANIFOLD, REAL
from gancore.snapshot import Snapshot
from gancore.views import N_EVAL
from playground.figures_1d import line_view

REAL_NAME, FAKE_NAME, MANIFOLD_NAME = "real x ~ p_data", "fake G(z)", "G(z) manifold"
ARROW_NAME = "−∇ₓL_G: lowers G's loss"
# Dots: the darkest green and magenta of their scales with a white ring, so each shows on every
# colour of the surface (D's "real" end is the palette's green itself, where plain green dots vanished).
REAL_DOT, FAKE_DOT, OUTLINE = "#00441b", "#8e0152", "#ffffff"
# How the overlay draws each layer (sizes in CSS pixels); also the look of its legend entry.
LEGEND_STYLE = {
    REAL_NAME: {"kind": "dots", "color": REAL_DOT, "opacity": 1.0, "size": 5.0, "outline": OUTLINE},
    FAKE_NAME: {"kind": "dots", "color": FAKE_DOT, "opacity": 1.0, "size": 5.0, "outline": OUTLINE},
    ARROW_NAME: {"kind": "segments", "color": ARROW, "opacity": 0.9, "size": 1.0},
    MANIFOLD_NAME: {"kind": "polyline", "color": MANIFOLD, "opacity": 1.0, "size": 1.0},
}
UNDEFINED = "#d9d9d9"    # the plot's background, seen where D* is undefined (neither density has mass)
ARROW_SHARE = 0.05       # with arrow_scale 1, the 90th-percentile arrow is this share of the view's width


@dataclass(frozen=True)
class ViewOptions:
    """What the user toggled on for the run view."""

    arrows: bool = True
    manifold: bool = False
    optimal: bool = False
    arrow_scale: float = 1.0        # arrow length multiplier: 1 draws the 90th-percentile arrow at 5% of the view
    max_arrow: float = 2.5          # arrows longer than this many times that length are clipped to it


# ---- what the colours mean, per loss ----------------------------------------------------------
# (colour bar title, the middle colour in words): the middle is the loss's "can't tell" level.
SURFACE_WORDS = {
    "minimax": ("D(x)", "can't tell"),
    "nonsaturating": ("D(x)", "can't tell"),
    "lsgan": ("D's score", "can't tell"),
    "hinge": ("D's score", "boundary"),
    "wgan-gp": ("critic score", "midway"),
}
_DOTS = " Dots: real data (green) and G's fakes (magenta)."
VIEW_CAPTIONS = {
    "minimax": ("Colour: D(x), the probability D gives to *real*: green where D says real, purple where it says "
                "fake, white where D = 1/2 (it cannot tell)." + _DOTS),
    "lsgan": ("Colour: D's least-squares score, which aims for D* = p_data/(p_data+p_g): green toward 1 (real), "
              "purple toward 0 (fake), white at 1/2 (it cannot tell)." + _DOTS),
    "hinge": ("Colour: D's hinge score: green above 0 (D says real), purple below 0 (fake), white at 0, its "
              "decision boundary. D wants at least +1 on real and at most −1 on fake points; there is no "
              "equilibrium value to reach." + _DOTS),
    "wgan-gp": ("Colour: the critic's score, higher meaning more real: green above and purple below the level "
                "midway between its scores on real and fake points (white). Only differences of the score "
                "count, so there is no 1/2 to reach." + _DOTS),
}
VIEW_CAPTIONS["nonsaturating"] = VIEW_CAPTIONS["minimax"]


def view_caption(loss_key: str) -> str:
    """The page's caption under the title: what the colours and dots of the run view mean for this loss."""
    get_loss(loss_key)                      # an unknown key names the valid ones
    return VIEW_CAPTIONS[loss_key]


# ---- the run view -------------------------------------------------------------------------------

def run_view(snap: Snapshot, opts: ViewOptions, title: str = "", caption: str = "") -> dict:
    """The run view of a snapshot, by the builder for its target's dimension (VIEWS): the same
    structure ("data", "layout", "overlay") whichever it is, so the feed and the chart draw any."""
    return VIEWS[snap.dim](snap, opts, title, caption)


def plane_view(snap: Snapshot, opts: ViewOptions, title: str = "", caption: str = "") -> dict:
    """The discriminator surface under the real and fake samples, optionally beside D*.

    Plotly draws the axes and the legend; everything that changes each frame (the surfaces and
    their colour bars, samples, G's arrows, the manifold, the arrows' scale) is in `overlay`, drawn
    by the live chart on a canvas over the plot area in the axes' current ranges
    (live_chart_frontend/main.js). As Plotly traces and shapes they cost ~60 ms of the browser's
    main thread per frame; on the canvas a frame takes a few ms. The legend entries are empty
    traces: clicking one hides that layer of the overlay.
    """
    with_optimal = opts.optimal and snap.optimal_d is not None
    main = _surface(snap, snap.d_surface, "x", "y", snap.surface_range)
    main["colorbar"] = _colorbar(main, *SURFACE_WORDS[snap.config.loss])
    layers, labels, anchors = [main, *_layers(snap, opts, "x", "y")], [], []
    if opts.arrows:
        labels.append(_label(arrow_note(arrow_scale(snap.g_field, opts, snap.extent)), "x", "top-right"))
    if with_optimal:
        star = _surface(snap, snap.optimal_d, "x2", "y2", (0.0, 1.0))
        star["colorbar"] = _colorbar(star, "D*(x)", "can't tell")
        layers += [star, *_layers(snap, ViewOptions(arrows=False), "x2", "y2")]
        labels.append(_label(kde_note(snap.optimal_d_bandwidth), "x2", "bottom-right"))
        anchors.append(_subplot_anchor("x2", "y2"))
    names = list(dict.fromkeys(layer["name"] for layer in layers if layer["kind"] != "surface"))
    traces = [*anchors, *[_legend_entry(name, LEGEND_STYLE[name]) for name in names]]
    # Text that changes with every frame is drawn with the overlay too: the caption over the plot
    # (e.g. the step), a note in its corner and the labels (the arrows' scale, D*'s bandwidth).
    overlay = {"layers": layers, "caption": caption, "note": _outside_note(snap), "note_color": FAKE,
               "labels": labels}
    return {"data": traces, "layout": _view_layout(snap, title, with_optimal), "overlay": overlay}


VIEWS = {1: line_view, 2: plane_view}     # Snapshot.dim -> its run view's builder (1: playground/figures_1d.py)


def _axes(xaxis: str, yaxis: str) -> dict:
    return {"xaxis": xaxis.replace("x", "xaxis"), "yaxis": yaxis.replace("y", "yaxis")}


def _surface(snap: Snapshot, z: np.ndarray, xaxis: str, yaxis: str, zrange: tuple[float, float]) -> dict:
    """A surface on the grid (rows along y) with its colour range: [0, 1] for D(x) and D*, else the
    snapshot's range for D's score, set by the scores where the samples are (views.ScoreScale)."""
    name = "D(x)" if snap.surface_probability or xaxis == "x2" else "score"
    return {"kind": "surface", "name": name, "z": z.ravel(), "nx": len(snap.grid_x),
            "ny": len(snap.grid_y), "x": [snap.grid_x[0], snap.grid_x[-1]], "y": [snap.grid_y[0], snap.grid_y[-1]],
            "zmin": float(zrange[0]), "zmax": float(zrange[1]), "colors": D_SCALE, "opacity": 1.0, **_axes(xaxis, yaxis)}


def _colorbar(surface: dict, title: str, middle: str) -> dict:
    """The colour bar the overlay draws flat under its plot: the ends say fake and real, the title
    what the middle colour (white) means for this loss. On the canvas, not in Plotly: it follows
    the plot wherever keeping the aspect puts it, and a new range redraws no SVG."""
    lo, hi = surface["zmin"], surface["zmax"]
    mid = (lo + hi) / 2
    return {"title": f"{title}: white = {mid:.3g}, {middle}",
            "ticks": [[lo, f"fake {lo:.3g}"], [mid, f"{mid:.3g}"], [hi, f"{hi:.3g} real"]]}


def _subplot_anchor(xaxis: str, yaxis: str) -> dict:
    """An empty trace on a subplot's axes: Plotly lays out no subplot whose axes carry no trace."""
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "xaxis": xaxis, "yaxis": yaxis,
            "showlegend": False, "hoverinfo": "skip"}


def _layers(snap: Snapshot, opts: ViewOptions, xaxis: str, yaxis: str) -> list[dict]:
    """Overlay layers for one subplot, bottom to top: flat [x0, y0, x1, y1, ...] data coordinates."""
    points = {}                                   # name -> flat xy; LEGEND_STYLE gives kind and look
    if opts.manifold:
        points[MANIFOLD_NAME] = _mesh_lines(snap.manifold).ravel()
    points[REAL_NAME], points[FAKE_NAME] = snap.real.ravel(), snap.fake.ravel()
    if opts.arrows:
        tips = arrow_tips(snap.fake, snap.g_field, opts, snap.extent)
        points[ARROW_NAME] = np.concatenate([snap.fake, tips], axis=1).ravel()
    axes = _axes(xaxis, yaxis)
    return [{"name": name, "xy": xy, **LEGEND_STYLE[name], **axes} for name, xy in points.items()]


def _legend_entry(name: str, style: dict) -> dict:
    """An empty trace whose only job is the legend entry (and its click) of an overlay layer."""
    mode = "lines" if style["kind"] != "dots" else "markers"
    return {"type": "scatter", "mode": mode, "x": [None], "y": [None], "name": name, "hoverinfo": "skip",
            "marker": {"color": style["color"], "size": 8, "line": {"color": "#333", "width": 0.5}},
            "line": {"color": style["color"], "width": 2}}


def _label(text: str, xaxis: str, corner: str) -> dict:
    """A line of text in a corner of a subplot, drawn by the overlay on a light box."""
    return {"text": text, **_axes(xaxis, xaxis.replace("x", "y")), "corner": corner}


def arrow_scale(push: np.ndarray, opts: ViewOptions, extent) -> float | None:
    """Data units of arrow per unit of ‖−∇ₓL_G‖ in this frame; None if every gradient is 0.

    Rescaled each frame so the 90th-percentile arrow is ARROW_SHARE x arrow_scale of the view's
    width: arrows stay legible when the gradient is huge, and the stated scale (arrow_note) shows
    how large it is, a vanishing gradient included.
    """
    norms = np.linalg.norm(push, axis=1)
    norms = norms[np.isfinite(norms)]
    typical = float(np.percentile(norms, 90)) if norms.size else 0.0
    if not typical > 0:
        return None
    return ARROW_SHARE * opts.arrow_scale * (extent[1] - extent[0]) / typical


def arrow_tips(start: np.ndarray, push: np.ndarray, opts: ViewOptions, extent) -> np.ndarray:
    """start + scale * push at this frame's arrow_scale, longer arrows clipped to max_arrow typical ones: (n, 2)."""
    scale = arrow_scale(push, opts, extent)
    if scale is None:
        return np.array(start, dtype=float)
    delta = scale * push
    longest = opts.max_arrow * ARROW_SHARE * opts.arrow_scale * (extent[1] - extent[0])
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    delta = np.where(length > longest, delta * longest / np.maximum(length, 1e-12), delta)
    return start + delta


def arrow_note(scale: float | None) -> str:
    """The arrows' scale in words, drawn on the figure: it changes from frame to frame."""
    return "arrows: ∇ₓL_G = 0" if scale is None else f"arrows: {scale:.2g} × ‖∇ₓL_G‖"


def kde_note(bandwidth: float | None) -> str:
    """How the D* panel's p_g was estimated: a Gaussian KDE of G's samples, with this bandwidth."""
    return "" if bandwidth is None else f"p_g: KDE of fakes, h = {bandwidth:.2g}"


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
    axis = {"showgrid": False, "zeroline": False, "constrain": "domain", "tickfont": {"size": 10}}
    # Top, from above: the title (compare mode), the panels' names, then the overlay's caption line.
    top = 22 + (18 if with_optimal else 0) + (22 if title else 0)
    layout = {
        # the bottom margin holds the x ticks, the overlay's colour bar under the plot, then the legend
        "margin": {"l": 30, "r": 10, "t": top, "b": 90}, "showlegend": True,
        "legend": {"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.5,
                   "xanchor": "center", "font": {"size": 11}},
        "xaxis": {**axis, "range": [x0, x1], "domain": [0, 0.48] if with_optimal else [0, 1]},
        "yaxis": {**axis, "range": [y0, y1], "scaleanchor": "x", "constraintoward": "top"},
        "title": {"text": title, "font": {"size": 14}, "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 4}},
        "meta": snap.step, "plot_bgcolor": UNDEFINED,
        "annotations": [],
    }
    if with_optimal:
        layout["xaxis2"] = {**axis, "range": [x0, x1], "domain": [0.52, 1], "anchor": "y2"}
        layout["yaxis2"] = {**axis, "range": [y0, y1], "scaleanchor": "x2", "anchor": "x2", "constraintoward": "top"}
        star = "optimal D* = p_data/(p_data+p_g)" if LOSSES[snap.config.loss].d_star else "D* of minimax: not this loss's aim"
        layout["annotations"] = [_panel_title("learned D(x)", ""), _panel_title(star, "2")]
    return layout


def _panel_title(text: str, n: str) -> dict:
    # over its plot as drawn (the axes' domain after keeping the aspect), above the caption line
    return {"text": text, "x": 0.5, "y": 1.0, "xref": f"x{n} domain", "yref": f"y{n} domain", "showarrow": False,
            "yanchor": "bottom", "yshift": 18, "font": {"size": 12}}


def _outside_note(snap: Snapshot) -> str:
    """How many fakes fell outside the view ("" if none): drawn under the plot's corner."""
    x0, x1, y0, y1 = snap.extent
    f = snap.fake
    outside = int(np.count_nonzero((f[:, 0] < x0) | (f[:, 0] > x1) | (f[:, 1] < y0) | (f[:, 1] > y1)))
    return f"{outside} of {len(f)} fakes outside the view" if outside else ""


# ---- charts -------------------------------------------------------------------------------------
# Six panels, two a row, each with its own axes, title and legend; the last row (mode coverage)
# is there when a run's target has modes.
LOSSES_P, READOUT_P, GRADS_P, JS_P, MODES_P, OCCUPANCY_P = range(6)
SERIES = [   # (panel, history key, legend name, colour)
    (LOSSES_P, "loss_d", "D loss", "#2166ac"), (LOSSES_P, "loss_g", "G loss", "#b2182b"),
    (READOUT_P, "d_real", "real", REAL), (READOUT_P, "d_fake", "fake", FAKE),
    (GRADS_P, "d_grad_norm", "‖∇θ_D‖", "#2166ac"), (GRADS_P, "g_grad_norm", "‖∇θ_G‖", "#b2182b"),
]
PENALTY, JS, MODES, HQ = "#6baed6", "#5e3c99", "#e66101", "#8c6d31"
# The D(real)/D(fake) panel's title and y axis per loss: "equilibrium 1/2" only where it holds.
READOUT_TITLES = {
    "minimax": ("mean D(x) on real and fake (dashed: equilibrium ½)", "D(x)"),
    "nonsaturating": ("mean D(x) on real and fake (dashed: equilibrium ½)", "D(x)"),
    "lsgan": ("mean D score on real and fake (dashed: equilibrium ½)", "score"),
    "hinge": ("mean D score on real and fake (margins ±1; no equilibrium value)", "score"),
    "wgan-gp": ("mean critic score on real and fake (only the gap counts)", "score"),
}
MIXED_READOUT = ("mean D output on real and fake (the runs' losses differ)", "D output")
OCCUPANCY_SCALE = [[0.0, "#ffffff"], [0.5, "#fdb863"], [1.0, "#7f3b08"]]   # white: no fakes there
MARK_COLOR = "#555555"
MAX_MARKS = 8          # per run: the latest setting changes, so labels stay readable
B_LIGHTEN = 0.45       # run B's lines are this much closer to white than A's
MAX_POINTS = 400       # per chart line: a line this wide shows no more, and the browser draws 5x fewer
CHART_HEIGHT = 525     # pixels for all the charts (the page gives them 540): rows share them
CHART_GAP_PX = 55      # between rows: the x-axis title, then the next row's titles
# Each panel's legend stands right of it: the left column's in the gap before the right column's
# y axis (wide enough at 784 px, the charts' width in a 1280 px window), the right one's in the margin.
CHART_MARGIN = {"l": 58, "r": 125, "t": 30, "b": 40}
COLUMNS = ([0.0, 0.36], [0.66, 1.0])           # x domains of the two columns (paper)
LEGEND_X = (0.372, 1.012)                       # each column's legends and colour bars, right of its plots


def readout_title(loss_key: str) -> str:
    """The title of the D(real)/D(fake) chart for this loss."""
    get_loss(loss_key)
    return READOUT_TITLES[loss_key][0]


def charts(runs: dict[str, Snapshot], marks: dict[str, list[tuple[int, str]]] | None = None) -> dict:
    """History charts for one run or two overlaid (A solid and full colour, B dotted and lighter).

    `marks` gives, per run, the steps where a setting changed with a short text: each is a dotted
    vertical line on every chart, labelled on the top two.
    """
    traces: list[dict] = []
    floors: set = set()                 # a floor both runs share is drawn once
    for run, snap in runs.items():
        traces += _run_traces(run, snap, len(runs) > 1, floors)
    traces += _occupancy_traces(runs)
    layout = _charts_layout(runs)
    for run, items in (marks or {}).items():
        _add_marks(layout, run, items[-MAX_MARKS:], len(runs) > 1)
    return {"data": traces, "layout": layout}


def _run_traces(run: str, snap: Snapshot, compare: bool, floors: set) -> list[dict]:
    prefix = f"{run.upper()} " if compare else ""
    h, m = snap.history, snap.metric_history
    out = [_series(h["step"], h[key], prefix + name, color, run, panel) for panel, key, name, color in SERIES]
    if _has_penalty(snap):
        out.append(_series(h["step"], h["d_penalty"], prefix + "its penalty", PENALTY, run, LOSSES_P))
    out.append(_series(m["step"], m["js"], prefix + "JS", JS, run, JS_P))
    wanted = [("js", JS_P, "floor", JS)]
    if snap.centers is not None:
        out.append(_series(m["step"], m["modes"] / len(snap.centers), prefix + "modes", MODES, run, MODES_P))
        out.append(_series(m["step"], m["hq"], prefix + "high quality", HQ, run, MODES_P))
        wanted.append(("hq", MODES_P, "hq of data", HQ))
    for key, panel, name, color in wanted:
        value = snap.metric_floor.get(key)
        if value is not None and len(m["step"]) and (key, value) not in floors:
            floors.add((key, value))
            # the first run's floor is everyone's unless another run's differs (another target)
            out.append(_floor(m["step"], value, ("" if run == "a" else prefix) + name, color, run, panel))
    return out


def _has_penalty(snap: Snapshot) -> bool:
    return bool(np.nanmax(snap.history["d_penalty"], initial=0.0) > 0)


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th point (and always the last), so a line has at most MAX_POINTS points; y may be (n, ...)."""
    k = -(-len(x) // MAX_POINTS)
    if k <= 1:
        return x, y
    keep = np.r_[np.arange(0, len(x) - 1, k), len(x) - 1]
    return x[keep], y[keep]


def _style(color: str, run: str) -> dict:
    """A: solid, full colour; B: dotted and lighter, so the two differ at a glance, not by a dash only."""
    if run == "a":
        return {"color": color, "width": 1.6, "dash": "solid"}
    return {"color": _lighter(color, B_LIGHTEN), "width": 2.2, "dash": "dot"}


def _lighter(color: str, amount: float) -> str:
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + amount * (255 - c)):02x}" for c in rgb)


def _series(x, y, name: str, color: str, run: str, panel: int) -> dict:
    x, y = _thin(np.asarray(x), np.asarray(y))
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "legend": _legend_id(panel),
            "xaxis": f"x{panel + 1}", "yaxis": f"y{panel + 1}", "line": _style(color, run), "hovertemplate": "%{y:.4g}"}


def _floor(steps, value: float, name: str, color: str, run: str, panel: int) -> dict:
    """A dashed level across the panel: what a perfect G scores (two real samples), for reference."""
    line = {**_style(color, run), "dash": "dash", "width": 1.2}
    return {**_series([steps[0], steps[-1]], [value, value], name, color, run, panel), "line": line}


def _legend_id(panel: int) -> str:
    return "legend" if panel == 0 else f"legend{panel + 1}"


def _occupancy_traces(runs: dict[str, Snapshot]) -> list[dict]:
    """Mode occupancy as a heatmap strip per run with modes: modes by steps, colour = share of fakes.

    The colour scale runs from 0 (white: no fake is nearest that mode) through an even share 1/m
    to 2/m and above, so a collapse (one dark row) and mode hopping (dark cells that move between
    rows) are seen at a glance.
    """
    out: list[dict] = []
    for i, (run, snap) in enumerate(_runs_with_modes(runs)):
        steps, occupancy = _thin(snap.metric_history["step"], snap.mode_occupancy)
        m, n = occupancy.shape[1], OCCUPANCY_P + 1 + i
        first_of_its_size = i == 0 or m != out[0]["z"].shape[0]
        out.append({"type": "heatmap", "x": steps, "y": np.arange(1, m + 1), "z": occupancy.T,
                    "xaxis": f"x{n}", "yaxis": f"y{n}", "zmin": 0.0, "zmax": 2 / m, "name": run.upper(),
                    "colorscale": OCCUPANCY_SCALE, "showscale": first_of_its_size,
                    "colorbar": {"x": LEGEND_X[1], "xanchor": "left", "thickness": 8, "len": 0.2, "y": 0,
                                 "yanchor": "bottom", "tickvals": [0, 1 / m, 2 / m], "tickfont": {"size": 10},
                                 "ticktext": ["0", f"1/{m}: even", f"≥ 2/{m}"], "outlinewidth": 0},
                    "hovertemplate": "step %{x}, mode %{y}: %{z:.0%}<extra></extra>"})
    return out


def _runs_with_modes(runs: dict[str, Snapshot]) -> list[tuple[str, Snapshot]]:
    return [(run, s) for run, s in runs.items() if s.mode_occupancy is not None]


def _charts_layout(runs: dict[str, Snapshot]) -> dict:
    rows = 3 if _runs_with_modes(runs) else 2
    plot = CHART_HEIGHT - CHART_MARGIN["t"] - CHART_MARGIN["b"]
    row_px = (plot - (rows - 1) * CHART_GAP_PX) / rows
    layout: dict = {"margin": CHART_MARGIN, "meta": max(s.step for s in runs.values()), "height": CHART_HEIGHT,
                    "annotations": [], "shapes": [], "showlegend": True, "hovermode": "x unified"}
    for panel, (title, ytitle) in enumerate(_panel_titles(runs)[:2 * rows]):
        row, col = divmod(panel, 2)
        top = 1 - row * (row_px + CHART_GAP_PX) / plot
        _axis_pair(layout, panel + 1, COLUMNS[col], [max(top - row_px / plot, 0.0), top], ytitle)
        layout["annotations"].append({"text": title, "x": COLUMNS[col][0], "y": top, "xref": "paper",
                                      "yref": "paper", "showarrow": False, "xanchor": "left",
                                      "yanchor": "bottom", "font": {"size": 12}})
        if panel != OCCUPANCY_P:
            layout[_legend_id(panel)] = {"x": LEGEND_X[col], "xanchor": "left", "y": top, "yanchor": "top",
                                         "font": {"size": 10}, "bgcolor": "rgba(0,0,0,0)"}
    for n in (GRADS_P + 1, JS_P + 1):            # decades labelled 10⁻³, 10⁻², ...: no "1e-3 or 0.001?"
        layout[f"yaxis{n}"].update(type="log", exponentformat="power", dtick=1)
    if rows == 3:
        layout[f"yaxis{MODES_P + 1}"]["range"] = [0, 1.05]
        _occupancy_strips(layout, runs)
    _readout_axis(layout, runs)
    return layout


def _panel_titles(runs: dict[str, Snapshot]) -> list[tuple[str, str]]:
    """(title, y-axis title) per panel."""
    readouts = {READOUT_TITLES[s.config.loss] for s in runs.values()}
    readout = readouts.pop() if len(readouts) == 1 else MIXED_READOUT
    penalty = any(_has_penalty(s) for s in runs.values())
    return [("losses (D's: all it minimises, penalties included)" if penalty else "losses", "loss"), readout,
            ("gradient norms of D's and G's weights", "‖∇θ‖ (log)"),
            (f"JS divergence (dashed: floor, {N_EVAL:,} vs {N_EVAL:,} real points)", "nats (log)"),
            ("modes captured and high-quality fakes", "fraction"),
            ("mode occupancy: share of fakes nearest each mode", "mode")]


def _axis_pair(layout: dict, n: int, dx: list[float], dy: list[float], ytitle: str) -> None:
    font = {"size": 10}
    layout[f"xaxis{n}"] = {"domain": dx, "anchor": f"y{n}", "title": {"text": "step", "font": font, "standoff": 2},
                           "tickfont": font, **({"matches": "x"} if n > 1 else {})}
    layout[f"yaxis{n}"] = {"domain": dy, "anchor": f"x{n}", "title": {"text": ytitle, "font": font, "standoff": 4},
                           "tickfont": font}


def _occupancy_strips(layout: dict, runs: dict[str, Snapshot]) -> None:
    """The occupancy panel split into one strip per run with modes, stacked; run names on their y axes."""
    shown = [run for run, _ in _runs_with_modes(runs)]
    n0 = OCCUPANCY_P + 1
    bottom, top = layout[f"yaxis{n0}"]["domain"]
    x_axis = layout[f"xaxis{n0}"]
    gap = 0.02
    height = (top - bottom - gap * (len(shown) - 1)) / len(shown)
    for i, run in enumerate(shown):
        n, last = n0 + i, i == len(shown) - 1
        strip_top = top - i * (height + gap)
        layout[f"xaxis{n}"] = {**x_axis, "anchor": f"y{n}", "matches": "x", "showticklabels": last,
                               "title": x_axis["title"] if last else None}
        layout[f"yaxis{n}"] = {"domain": [strip_top - height, strip_top], "anchor": f"x{n}",
                               "autorange": "reversed", "tickfont": {"size": 9},
                               "title": {"text": f"{run.upper()}: mode" if len(runs) > 1 else "mode",
                                         "font": {"size": 10}, "standoff": 4}}


def _readout_axis(layout: dict, runs: dict[str, Snapshot]) -> None:
    """Range [0, 1] for probabilities; the dashed equilibrium line only where every run has the same one."""
    n = READOUT_P + 1
    levels = {s.equilibrium for s in runs.values()}
    if all(s.surface_probability for s in runs.values()):
        layout[f"yaxis{n}"]["range"] = [0, 1]
    level = levels.pop() if len(levels) == 1 else None
    if level is not None:
        layout["shapes"].append({"type": "line", "xref": f"x{n} domain", "x0": 0, "x1": 1, "yref": f"y{n}",
                                 "y0": level, "y1": level, "line": {"dash": "dash", "color": "#888", "width": 1}})


def _add_marks(layout: dict, run: str, items: list[tuple[int, str]], compare: bool) -> None:
    """A dotted vertical line at each setting change of a run, on every chart; its text on the top two."""
    color = MARK_COLOR if run == "a" else _lighter(MARK_COLOR, B_LIGHTEN)
    prefix = f"{run.upper()}: " if compare else ""
    panels = [key[5:] for key in layout if key.startswith("xaxis")]
    for step, text in items:
        for n in panels:
            layout["shapes"].append({"type": "line", "xref": f"x{n}", "x0": step, "x1": step, "yref": f"y{n} domain",
                                     "y0": 0, "y1": 1, "line": {"dash": "dot", "color": color, "width": 1}})
        for n in (LOSSES_P + 1, READOUT_P + 1):
            layout["annotations"].append({"text": prefix + text, "x": step, "xref": f"x{n}", "y": 1,
                                          "yref": f"y{n} domain", "showarrow": False, "xanchor": "left",
                                          "yanchor": "top", "font": {"size": 9, "color": color}})


# ---- the metrics line under the charts ----------------------------------------------------------

W1_NAMES = {1: "W1 (exact on a line)", 2: "sliced W1"}     # what metrics.w1 measures, by dimension


def metrics_caption(runs: dict[str, Snapshot]) -> str:
    """The latest metrics of each run, each beside its floor (what a perfect G scores), as markdown."""
    rows = []
    for name, snap in runs.items():
        m, floor = snap.metrics, snap.metric_floor
        row = (f"{name.upper()}: JS {_fmt(m['js'])} nats (floor {_fmt(floor.get('js'))}) · "
               f"{W1_NAMES[snap.dim]} {_fmt(m['w1'])} (floor {_fmt(floor.get('w1'))})")
        if snap.centers is not None:
            row += (f" · modes {_fmt(m['modes'], '.0f')}/{len(snap.centers)} · high quality {_fmt(m['hq'], '.0%')}"
                    f" (real data: {_fmt(floor.get('hq'), '.0%')})")
        rows.append(row)
    note = (f"The floor is what two independent samples of {N_EVAL:,} real points score: a perfect G reaches it, "
            f"not 0. JS and W1 compare {N_EVAL:,} fakes with {N_EVAL:,} real points; a mode counts as captured when "
            "a high-quality sample (within 3σ of it) has it as nearest mode (VEEGAN).")
    return "  \n".join(rows + [note])


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "–" if v is None or not np.isfinite(v) else format(v, spec)
