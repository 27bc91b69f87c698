"""Section: what the Dirac-GAN view costs per redraw: a 500-step simulation and the whole figure.

The Dirac page has no training thread: every change of a setting recomputes the run and its
figure in the app's script, so the whole of it must fit well inside one redraw (< 50 ms).
"""
from __future__ import annotations

import json

from benchmarks.budget import Budget
from benchmarks.report import Row, Section
from benchmarks.timing import Spread, cpu_share, summarise, time_calls
from gancore.dirac import DiracConfig, simulate
from playground.dirac_view import SEEDS, STREAM_STEPS, dirac_figure
from playground.live_chart import to_jsonable

FIGURE_TARGET_MS = 50.0     # field + streamlines + 500-step trajectory + figure dict
SIMULATE_TARGET_MS = 5.0    # 500 steps of scalar math: "well under a few ms"
CASES: dict[str, DiracConfig] = {
    "default (non-saturating, alternating)": DiracConfig(),
    "instance noise σ = 0.5 (quadrature)": DiracConfig(noise_std=0.5),
    "R1 γ = 1, k = 5": DiracConfig(r1_weight=1.0, d_steps=5),
}


def measure(budget: Budget) -> Section:
    section = Section("Dirac-GAN: one redraw of the Dirac view (ms per call)")
    calls = {}
    for label, cfg in CASES.items():
        calls[f"simulate, {label}"] = lambda cfg=cfg: simulate(cfg)
        calls[f"figure incl. simulate, {label}"] = lambda cfg=cfg: dirac_figure(cfg)
    default = dirac_figure(DiracConfig())
    calls["figure to JSON (to_jsonable + json.dumps), default"] = lambda: json.dumps(to_jsonable(default))
    for call in calls.values():       # untimed: first calls build caches (quadrature nodes, imports)
        call()
    # short calls: as many repetitions as the snapshot timings, taking turns
    got = time_calls(calls, max(budget.snapshot_calls, 5))
    for name, times in got.items():
        target = (SIMULATE_TARGET_MS if name.startswith("simulate, default") else
                  FIGURE_TARGET_MS if name.startswith("figure incl.") else None)
        section.rows.append(_ms_row(name, summarise(times), target))
    # On a shared machine others' work stretches every figure: say how much of a core we had.
    section.notes.append(f"CPU share of one core after timing: {cpu_share():.2f} (1.0 = an idle core).")
    section.notes.append(f"{DiracConfig().steps} G steps per run, each after k D steps; a figure draws "
                         f"{SEEDS ** 2} streamlines of {STREAM_STEPS + 1} points, the trajectory and its distance.")
    return section


def _ms_row(figure: str, spread: Spread, target: float | None) -> Row:
    if target is None:
        return Row(figure, spread.median, "ms", spread.range_text("{:.2f}"))
    return Row(figure, spread.median, "ms", spread.range_text("{:.2f}"), f"< {target:g} ms", spread.median < target)
