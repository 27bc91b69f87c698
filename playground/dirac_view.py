"""The Dirac-GAN's figure: its gradient field and a run's trajectory beside the run's distance to (0, 0).

A plain Plotly figure dict (see figures.py for why not graph_objects); arrays stay numpy, and
live_chart.to_jsonable turns them into JSON.
"""
from __future__ import annotations

import numpy as np

from gancore.dirac import DiracConfig, DiracResult, Verdict, field, format_eigenvalues, simulate
from gancore.palette import ARROW, FAKE, REAL

EXTENT = 2.0            # the field panel shows (θ, ψ) in [-EXTENT, EXTENT]²
SEEDS = 12              # streamline seeds per axis, at cell centres (none on the equilibrium itself)
STREAM_STEPS = 14       # midpoint steps per streamline
STREAM_STEP = 0.025     # length of one step: a line is ~0.35 long, about one seed spacing
MAX_POINTS = 2000       # per drawn line: a longer run is thinned to every k-th point (and the last)

_TEXT = {
    "en": {
        "title": "Dirac-GAN: {loss}, {update}, h = {h:g}, {steps} steps",
        "summary": "eigenvalues {eig} · spectral radius {radius:.6g} · {verdict}",
        "kink": " (gradient penalty: the eigenvalues do not decide)",
        "verdict": {Verdict.CONVERGES: "converges", Verdict.CYCLES: "cycles", Verdict.DIVERGES: "diverges"},
        "loss": {"minimax": "minimax", "nonsaturating": "non-saturating", "wgan": "WGAN", "wgan-gp": "WGAN-GP"},
        "update": {"simultaneous": "simultaneous", "alternating": "alternating (k = {k})"},
        "theta": "θ (generator's position)", "psi": "ψ (discriminator's slope)",
        "step": "step", "distance": "distance to (0, 0)",
        "field": "gradient field (streamlines)", "trajectory": "trajectory", "start": "start (θ₀, ψ₀)",
        "equilibrium": "equilibrium (0, 0)", "linear": "ρⁿ·d₀ (linearisation)",
        "left": "the game in (θ, ψ)", "right": "distance to the equilibrium",
    },
    "zh": {
        "title": "Dirac-GAN：{loss}，{update}，h = {h:g}，{steps} 步",
        "summary": "特征值 {eig} · 谱半径 {radius:.6g} · {verdict}",
        "kink": "（梯度惩罚：特征值不决定结果）",
        "verdict": {Verdict.CONVERGES: "收敛", Verdict.CYCLES: "循环", Verdict.DIVERGES: "发散"},
        "loss": {"minimax": "极小极大（饱和）", "nonsaturating": "非饱和", "wgan": "WGAN", "wgan-gp": "WGAN-GP"},
        "update": {"simultaneous": "同时更新", "alternating": "交替更新（k = {k}）"},
        "theta": "θ（生成器的位置）", "psi": "ψ（判别器的斜率）",
        "step": "步数", "distance": "到 (0, 0) 的距离",
        "field": "梯度场（流线）", "trajectory": "轨迹", "start": "起点 (θ₀, ψ₀)",
        "equilibrium": "平衡点 (0, 0)", "linear": "ρⁿ·d₀（线性化）",
        "left": "(θ, ψ) 中的博弈", "right": "到平衡点的距离",
    },
}
LANGUAGES = tuple(_TEXT)


def dirac_figure(cfg: DiracConfig, result: DiracResult | None = None, *, lang: str = "en") -> dict:
    """Left: the field's streamlines, the trajectory (magenta) and (0, 0); right: distance per step (log).

    `result` is simulate(cfg) where the caller already has it; without it the run is simulated here.
    """
    if lang not in _TEXT:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGUAGES)}")
    if result is not None and result.config != cfg:
        raise ValueError("result was simulated from another config than cfg")
    t = _TEXT[lang]
    result = simulate(cfg) if result is None else result
    lines, tips, angles = streamlines(cfg)
    path = _thin(result.trajectory)
    traces = [
        _line(lines[:, 0], lines[:, 1], t["field"], "#9a9a9a", 1.0),
        {"type": "scatter", "mode": "markers", "x": tips[:, 0], "y": tips[:, 1], "showlegend": False,
         "hoverinfo": "skip", "marker": {"symbol": "triangle-up", "size": 6, "angle": angles, "color": "#9a9a9a"}},
        _line(path[:, 0], path[:, 1], t["trajectory"], FAKE, 2.0),
        _marker(cfg.theta0, cfg.psi0, t["start"], FAKE, "circle-open", 11),
        _marker(0.0, 0.0, t["equilibrium"], REAL, "x", 11),
        *_distance_traces(result, t),
    ]
    return {"data": traces, "layout": _layout(cfg, result, t)}


def streamlines(cfg: DiracConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Short curves along the field from a grid of seeds: (points with NaN gaps (n, 2), tips (m, 2), angles (m,)).

    Each follows the normalised field (direction only: the curves show where the field points,
    not how fast) by the midpoint rule; the tips' angles are in degrees clockwise from up, as
    Plotly's marker.angle wants for a triangle that points along the last step.
    """
    centres = (np.arange(SEEDS) + 0.5) / SEEDS * 2 * EXTENT - EXTENT
    theta, psi = (a.ravel() for a in np.meshgrid(centres, centres))
    points = [np.stack([theta, psi], axis=1)]                     # (seeds², 2) per step
    for _ in range(STREAM_STEPS):
        here = points[-1]
        middle = here + 0.5 * STREAM_STEP * _direction(cfg, here)
        points.append(here + STREAM_STEP * _direction(cfg, middle))
    curves = np.stack(points, axis=1)                              # (seeds², steps + 1, 2)
    last = curves[:, -1] - curves[:, -2]
    angles = np.degrees(np.arctan2(last[:, 0], last[:, 1]))
    gaps = np.full((len(curves), 1, 2), np.nan)
    return np.concatenate([curves, gaps], axis=1).reshape(-1, 2), curves[:, -1], angles


def _direction(cfg: DiracConfig, xy: np.ndarray) -> np.ndarray:
    v = np.stack(field(cfg, xy[:, 0], xy[:, 1]), axis=1)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _thin(xy: np.ndarray) -> np.ndarray:
    """Every k-th row and always the last, so a line has at most about MAX_POINTS points."""
    k = -(-len(xy) // MAX_POINTS)
    return xy if k <= 1 else xy[np.r_[np.arange(0, len(xy) - 1, k), len(xy) - 1]]


def _line(x, y, name: str, color: str, width: float, axes: str = "") -> dict:
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "xaxis": f"x{axes}",
            "yaxis": f"y{axes}", "line": {"color": color, "width": width}, "hoverinfo": "x+y"}


def _marker(x: float, y: float, name: str, color: str, symbol: str, size: int) -> dict:
    return {"type": "scatter", "mode": "markers", "x": [x], "y": [y], "name": name,
            "marker": {"color": color, "symbol": symbol, "size": size, "line": {"width": 2, "color": color}}}


def _distance_traces(result: DiracResult, t: dict) -> list[dict]:
    """The run's distance per step and, where the eigenvalues decide, the linear prediction ρⁿ·d₀."""
    steps = np.arange(len(result.distance))
    thinned = _thin(np.stack([steps, result.distance], axis=1))
    traces = [_line(thinned[:, 0], thinned[:, 1], t["distance"], FAKE, 2.0, "2")]
    if result.smooth:
        with np.errstate(over="ignore", under="ignore"):
            linear = result.distance[0] * result.spectral_radius ** thinned[:, 0]
        trace = _line(thinned[:, 0], linear, t["linear"], ARROW, 1.0, "2")
        trace["line"]["dash"] = "dot"
        traces.append(trace)
    return traces


def _layout(cfg: DiracConfig, result: DiracResult, t: dict) -> dict:
    update = t["update"][cfg.update].format(k=cfg.d_steps)
    title = t["title"].format(loss=t["loss"][cfg.loss], update=update, h=cfg.h, steps=cfg.steps)
    summary = t["summary"].format(eig=format_eigenvalues(result.eigenvalues), radius=result.spectral_radius,
                                  verdict=t["verdict"][result.verdict]) + ("" if result.smooth else t["kink"])
    view = [-EXTENT, EXTENT]
    return {
        "title": {"text": title, "font": {"size": 14}, "subtitle": {"text": summary, "font": {"size": 12}}},
        "height": 480, "plot_bgcolor": "white", "margin": {"l": 60, "r": 10, "t": 95, "b": 90},
        "legend": {"orientation": "h", "y": -0.2, "font": {"size": 11}},
        "xaxis": {"domain": [0, 0.5], "range": view, "title": {"text": t["theta"]}, "zeroline": False,
                  "constrain": "domain"},
        "yaxis": {"range": view, "title": {"text": t["psi"]}, "scaleanchor": "x", "zeroline": False,
                  "constrain": "domain"},
        "xaxis2": {"domain": [0.6, 1], "anchor": "y2", "title": {"text": t["step"]}},
        "yaxis2": {"anchor": "x2", "type": "log", "title": {"text": t["distance"]}, "exponentformat": "power"},
        "annotations": [_note(t["left"], 0.25), _note(t["right"], 0.8)],
    }


def _note(text: str, x: float) -> dict:
    return {"text": text, "x": x, "y": 1.0, "xref": "paper", "yref": "paper", "showarrow": False,
            "yanchor": "bottom", "font": {"size": 12}}
