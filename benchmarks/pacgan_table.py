"""A PacGAN-style table (Lin et al. 2018, Table 1): modes, high-quality samples and JS per loss, mean ± se over seeds.

`python -m benchmarks.pacgan_table [--steps N] [--width W] [--seeds N] [--workers N] [--runs FILE]`
writes benchmarks/results/pacgan_table.md and .json. Ten seeds per cell, as PacGAN's ten trials;
the size (steps, width) is what a 2-core machine trains in a few minutes, stated in the header.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import machine
from gancore.config import TrainConfig
from gancore.sweep import Cell, Stat, sweep
from gancore.targets import make_target
from gancore.views import N_EVAL, metric_floor

TARGETS = ("ring8", "grid25")
# label -> the settings that differ from the base; the regularised one is Mescheder et al.'s R1.
SETTINGS: dict[str, dict[str, Any]] = {
    "minimax": {"loss": "minimax"},
    "non-saturating": {"loss": "nonsaturating"},
    "non-saturating + R1 (γ = 1)": {"loss": "nonsaturating", "r1_weight": 1.0},
}
# metric -> (column header, scale for display, decimals)
COLUMNS: dict[str, tuple[str, float, int]] = {
    "modes": ("modes (of 8 / 25)", 1.0, 1),
    "hq": ("high-quality samples (%)", 100.0, 1),
    "js": ("JS (nats, lower is better)", 1.0, 3),
}
RESULTS = Path(__file__).resolve().parent / "results" / "pacgan_table"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pacgan_table", description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2000, help="iterations per run (default 2000)")
    p.add_argument("--width", type=int, default=128, help="units per hidden layer of G and D (default 128)")
    p.add_argument("--seeds", type=int, default=10, help="runs per cell (default 10, as PacGAN)")
    p.add_argument("--workers", type=int, help="runs at once (default: every core)")
    p.add_argument("--runs", metavar="FILE.jsonl", help="keep each run here and resume from it")
    p.add_argument("--out", default=str(RESULTS), help="path of the .md and .json, without the suffix")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    base = TrainConfig(g_width=args.width, d_width=args.width)
    started, cpu_before, load_before = time.perf_counter(), _cpu_seconds(), os.getloadavg()[0]
    cells: dict[tuple[str, str], Cell] = {}
    trained = 0
    for label, settings in SETTINGS.items():
        result = sweep(base.replace(**settings), {"target": list(TARGETS)}, args.seeds, args.steps,
                       workers=args.workers, out=args.runs)
        cells.update({(c.values["target"], label): c for c in result.cells})
        trained += result.trained
    # Wall time depends on who else uses the cores; CPU time (ours and the workers') does not, much.
    info = {**machine(), "seconds": round(time.perf_counter() - started), "cpu_seconds": round(_cpu_seconds() - cpu_before),
            "load_average_1min_at_start": round(load_before, 2), "runs_trained": trained,
            "runs": len(TARGETS) * len(SETTINGS) * args.seeds}
    header, floors = _header(base, args, info), _floors()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".md").write_text(header + "\n\n" + _markdown(cells, floors, args.seeds) + "\n", encoding="utf-8")
    doc = {"title": header.splitlines()[0].lstrip("# "), "machine": info, "base": base.to_dict(),
           "steps": args.steps, "seeds": args.seeds, "settings": SETTINGS, "perfect_g": floors,
           "cells": [{"target": t, "setting": s, **c.to_dict()} for (t, s), c in cells.items()]}
    Path(args.out + ".json").write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(Path(args.out + ".md").read_text(encoding="utf-8"))
    return 0


def _header(base: TrainConfig, args: argparse.Namespace, info: dict[str, Any]) -> str:
    b = base
    return "\n".join([
        f"# Mode collapse on the ring and the grid: {', '.join(SETTINGS)}, mean ± standard error over {args.seeds} seeds",
        "",
        f"Every run: {args.steps} iterations; G and D {b.g_layers} hidden layers of {args.width} {b.activation} "
        f"units; batch {b.batch_size}; Adam, lr {b.d_lr:g} (D and G), betas ({b.adam_beta1:g}, {b.adam_beta2:g}); "
        f"k = {b.d_steps}; z {b.noise} in {b.noise_dim} dimensions; seeds 0..{args.seeds - 1}. "
        f"ring8: 8 modes on a circle of radius {b.ring_radius:g}, std {b.ring_std:g}; grid25: 5x5 modes "
        f"{b.grid_spacing:g} apart, std {b.grid_std:g} (PacGAN's grid).",
        f"Metrics on {N_EVAL} samples of G at the end: modes = modes with at least one high-quality sample; "
        "high-quality = within 3 std of its nearest mode (VEEGAN's definitions, as PacGAN); "
        "JS = Jensen-Shannon divergence of 50x50 histograms, 0 to ln 2 = 0.693. "
        "'perfect G' is a second sample of the data itself: the best these metrics can read with this many points.",
        f"se = sample standard deviation / sqrt(n). Trained by gancore.sweep (local pool) on {info['cores']} cores "
        f"({info['cpu']}), {info['date']}: {info['runs_trained']} of {info['runs']} runs trained in "
        f"{info['seconds']} s wall, {info['cpu_seconds']} s of CPU (1-minute load average "
        f"{info['load_average_1min_at_start']} at the start, {info['load_average_1min']} at the end); "
        "`python -m benchmarks.pacgan_table` remakes it.",
    ])


def _markdown(cells: dict[tuple[str, str], Cell], floors: dict[str, dict[str, float | None]], seeds: int) -> str:
    lines = ["| target | setting | " + " | ".join(h for h, _, _ in COLUMNS.values()) + " | diverged |",
             "|---|---|" + "---:|" * (len(COLUMNS) + 1)]
    for target in TARGETS:
        for label in SETTINGS:
            cell = cells[(target, label)]
            lines.append(f"| {target} | {label} | "
                         + " | ".join(_cell(cell.metrics.get(m), seeds, *COLUMNS[m][1:]) for m in COLUMNS)
                         + f" | {cell.diverged}/{cell.runs} |")
        floor = floors[target]
        lines.append(f"| {target} | *perfect G* | "
                     + " | ".join(f"*{floor[m] * scale:.{d}f}*" for m, (_, scale, d) in COLUMNS.items()) + " | |")
    return "\n".join(lines)


def _cell(s: Stat | None, runs: int, scale: float, decimals: int) -> str:
    if s is None or s.mean is None:
        return "-"
    text = f"{s.mean * scale:.{decimals}f}" + ("" if s.se is None else f" ± {s.se * scale:.{decimals}f}")
    return text if s.n == runs else f"{text} (n={s.n})"


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the sweep's workers, once they exit)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def _floors() -> dict[str, dict[str, float | None]]:
    """Per target, the metrics between two independent samples of the data (fixed seed)."""
    rng, params = np.random.default_rng(0), TrainConfig().target_params()
    out = {}
    for name in TARGETS:
        target = make_target(name, params)
        out[name] = metric_floor(target, target.sample(N_EVAL, rng), target.sample(N_EVAL, rng))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
