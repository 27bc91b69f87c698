"""Where one training iteration's time goes: wall time by phase of `Trainer.iterate()`, and kernels vs overhead.

Run alone with `python -m benchmarks.breakdown`, or as part of the suite with `--profile`.
Phases are timed by wrapping the trainer's own methods for the duration of the measurement.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch.profiler import ProfilerActivity, profile

import gancore.trainer as trainer_module
from benchmarks.budget import FULL, Budget
from benchmarks.engine import SIZES
from benchmarks.report import Row, Section, print_section
from benchmarks.timing import rate, torch_threads
from gancore.trainer import Trainer


@contextmanager
def phase_timers(t: Trainer) -> Iterator[dict[str, float]]:
    """Accumulate seconds per phase while the block runs; the wrappers are removed afterwards."""
    totals: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start
        return wrapper

    patches = [(t, "real_batch", "data: real batch (numpy sampler, pooled)"), (t, "noise", "data: noise z"),
               (t.G, "forward", "forward: G"), (t.D, "forward", "forward: D"),
               (t.opt_d, "step", "optimiser: Adam step"), (t.opt_g, "step", "optimiser: Adam step"),
               (t.opt_d, "zero_grad", "optimiser: zero_grad"), (t.opt_g, "zero_grad", "optimiser: zero_grad"),
               (torch.Tensor, "backward", "backward"), (trainer_module, "_grad_norm", "stats: gradient norms"),
               (t, "_record", "stats: host transfer + History")]
    saved = [(obj, attr, obj.__dict__.get(attr)) for obj, attr, _ in patches]
    for obj, attr, name in patches:
        setattr(obj, attr, timed(name, getattr(obj, attr)))
    try:
        yield totals
    finally:
        for obj, attr, old in saved:
            if old is None:
                delattr(obj, attr)      # it was the class's attribute: drop the instance wrapper
            else:
                setattr(obj, attr, old)


def aten_seconds(t: Trainer, iterations: int) -> float:
    """Seconds per iteration inside ATen ops (arithmetic plus each op's own dispatch), by torch.profiler."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(iterations):
            t.iterate()
    # Self time excludes an op's children, so summing it over all ATen ops counts nothing twice.
    return sum(e.self_cpu_time_total for e in prof.key_averages() if e.key.startswith("aten::")) / 1e6 / iterations


def measure(budget: Budget = FULL, threads: int = 1) -> Section:
    section = Section(f"Where an iteration's time goes (Trainer.iterate, {threads} torch thread)")
    with torch_threads(threads):
        for label, config in SIZES.items():
            # In the calling thread: torch.profiler wants the thread it was set up in, and with one
            # torch thread no OpenMP pool is made, so the main thread is safe to use here.
            _measure_size(section, label, Trainer(config), budget)
    section.notes.append("'other' = loss terms, cat/split, readouts, dicts and Python glue between the timed calls. "
                         "'inside ATen ops' = self time of all aten:: ops under torch.profiler "
                         "(arithmetic and per-op dispatch); the rest is Python, the autograd engine and optimiser glue.")
    return section


def _measure_size(section: Section, label: str, t: Trainer, budget: Budget) -> None:
    rate(t.iterate, budget.warmup_s)
    n = max(200, int(rate(t.iterate, 0.3) * 2 * budget.engine_window_s))
    with phase_timers(t) as totals:
        start = time.perf_counter()
        for _ in range(n):
            t.iterate()
        wall = time.perf_counter() - start
    totals["other"] = wall - sum(totals.values())
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        section.rows.append(Row(f"{label}: {name}", seconds / n * 1e6, "us/iter", f"{seconds / wall:.0%} of wall"))
    per_iter = wall / n
    aten = aten_seconds(t, min(n, 500))
    section.rows.append(Row(f"{label}: wall per iteration", per_iter * 1e6, "us/iter"))
    section.rows.append(Row(f"{label}: of which inside ATen ops (profiled separately)", aten * 1e6, "us/iter",
                            f"{aten / per_iter:.0%} of wall"))


if __name__ == "__main__":
    print_section(measure())
