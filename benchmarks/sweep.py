"""Section: sweeps, i.e. many runs on P cores against one run alone, the Ray backend against the local pool, overhead per run.

Every figure is end to end, as a user waits for it: a sweep's wall time includes starting its
workers (and, for Ray, starting and stopping a local Ray) and collecting every result.
"""
from __future__ import annotations

import os
import time

from benchmarks.budget import Budget
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import Spread, capacity, in_thread, summarise, torch_threads
from gancore.cli import run
from gancore.config import TrainConfig
from gancore.sweep import sweep
from gancore.sweep_backends import start_ray

CONFIG = TrainConfig()          # the app's default size: ring8, 2 hidden layers of 128, batch 256
RUNS_PER_CORE = 4               # enough runs that the last ones' uneven finish costs little
# Steps per run, per second of the budget's live window: 2400 full, 960 quick, i.e. runs of ~7 s
# and ~3 s on a free core (~350 steps/s). A sweep must be long next to its workers' start-up
# (a few seconds), or it measures start-up. Fixed, not scaled to a probe run: on a busy machine a
# short probe reads slow and would make the sweeps shorter still.
STEPS_PER_WINDOW_S = 960
ZERO_RUNS_PER_CORE = 10         # 0-step runs per worker for the overhead of a run


def measure(budget: Budget) -> Section:
    section = Section("Sweeps: P runs at once on P cores, the Ray backend, overhead per run")
    cores = len(os.sched_getaffinity(0))
    runs = RUNS_PER_CORE * cores
    steps = int(STEPS_PER_WINDOW_S * budget.live_window_s)
    _alone(steps // 10)             # untimed: the first run in a process pays for torch's first calls
    start = capacity()
    got: dict[str, list[float]] = {"alone": [], "throughput": [], "ray/local": [], "warm ray/local": [],
                                   "local overhead": [], "ray overhead": [], "marginal": [], "first": []}
    for _ in range(max(1, budget.live_reps // 2)):      # 2 repetitions full, 1 quick
        marginal, first = _marginal(cores)
        got["marginal"].append(marginal)
        got["first"].append(first)
        alone_before = _alone(steps)
        local = _sweep("local", runs, steps, cores)
        ray = _sweep("ray", runs, steps, cores)
        warm = _warm_ray_sweep(runs, steps, cores)
        alone = (alone_before + _alone(steps)) / 2      # before and after: drift hits both sides
        got["alone"].append(alone)
        got["throughput"].append(runs * steps / local["wall"] / (cores * alone))
        got["ray/local"].append(local["wall"] / ray["wall"])
        got["warm ray/local"].append(local["wall"] / warm["wall"])
        got["local overhead"].append(local["overhead"])
        got["ray overhead"].append(ray["overhead"])
    end = capacity()
    section.rows += [
        ratio_row(f"sweep steps/s on {cores} cores / ({cores} x one run alone), local pool",
                  summarise(got["throughput"]), 0.9),
        ratio_row("ray backend / local pool, same sweep (wall time, Ray start and stop included)",
                  summarise(got["ray/local"]), 0.85),
        ratio_row("ray backend on a Ray already running / local pool, same sweep", summarise(got["warm ray/local"]), 0.85),
        _below("overhead per run, local pool (runs of 0 steps, after the workers started)",
               summarise(got["marginal"]), 0.5),
        _seconds("overhead per run, local pool, start-up and shut-down shared out", summarise(got["local overhead"])),
        _seconds("overhead per run, ray backend, start-up and shut-down shared out", summarise(got["ray overhead"])),
        _seconds("start-up: sweep call to first result (runs of 0 steps), local pool", summarise(got["first"])),
        rate_row("one run alone (1 thread)", summarise(got["alone"])),
    ]
    one, two = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    section.notes += [
        f"{runs} runs of {steps} steps ({CONFIG.target}, 2x{CONFIG.g_width}, batch {CONFIG.batch_size}) per sweep, "
        f"{cores} workers; 'alone' = gancore.cli.run in this process with 1 torch thread, as each worker trains.",
        f"Overhead per run, 0 steps: {ZERO_RUNS_PER_CORE * cores} runs of 0 steps, workers x (last result - first) "
        "/ (runs - 1): building each Trainer and Probe, its first snapshot, moving the config and result.",
        "Shared out = (workers x sweep wall time - the runs' own training time) / runs: the same, plus starting "
        "the workers (and Ray) and shutting down, over this sweep's runs.",
        f"Machine during this section (probe before and after): one busy process got {one:.2f} of a core, two got "
        f"{two:.2f} cores in total; the throughput ratio cannot exceed about {min(1.0, two / (2 * one)):.2f} on it.",
    ]
    return section


def _alone(steps: int) -> float:
    """Steps/s of one run, wall time of the whole call (Trainer built, probes taken), 1 thread."""
    def once() -> float:
        t0 = time.perf_counter()
        run(CONFIG, steps)
        return steps / (time.perf_counter() - t0)
    with torch_threads(1):
        return in_thread(once)


def _sweep(backend: str, runs: int, steps: int, workers: int) -> dict[str, float]:
    seconds: list[float] = []
    t0 = time.perf_counter()
    sweep(CONFIG, {}, seeds=runs, steps=steps, backend=backend, workers=workers,
          progress=lambda done, total, result: result and seconds.append(result["seconds"]))
    wall = time.perf_counter() - t0
    return {"wall": wall, "overhead": (workers * wall - sum(seconds)) / runs}


def _warm_ray_sweep(runs: int, steps: int, workers: int) -> dict[str, float]:
    """The Ray sweep on a local Ray started beforehand, as on a cluster (--address): Ray's start-up not counted."""
    import ray
    start_ray(ray, workers, None)
    try:
        return _sweep("ray", runs, steps, workers)
    finally:
        ray.shutdown()


def _marginal(workers: int) -> tuple[float, float]:
    """(seconds a run costs beyond its iterations, seconds to the first result) from a sweep of 0-step runs."""
    arrivals: list[float] = []
    runs, t0 = ZERO_RUNS_PER_CORE * workers, time.perf_counter()
    sweep(CONFIG, {}, seeds=runs, steps=0, workers=workers,
          progress=lambda done, total, result: result and arrivals.append(time.perf_counter() - t0))
    return workers * (arrivals[-1] - arrivals[0]) / (runs - 1), arrivals[0]


def _seconds(figure: str, spread: Spread) -> Row:
    return Row(figure, spread.median, "s", spread.range_text("{:.2f}"))


def _below(figure: str, spread: Spread, maximum: float) -> Row:
    return Row(figure, spread.median, "s", spread.range_text("{:.2f}"), f"< {maximum:g} s", spread.median < maximum)


if __name__ == "__main__":
    # `python -m benchmarks.sweep [--quick]`: this section alone (benchmarks.run runs it with the others).
    import sys

    from benchmarks.budget import FULL, QUICK
    from benchmarks.report import print_section
    print_section(measure(QUICK if "--quick" in sys.argv[1:] else FULL))
