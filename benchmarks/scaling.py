"""Section 4: Trainer iterations/s across batch sizes and network widths, to show where the cost goes."""
from __future__ import annotations

from typing import Callable

import torch

from benchmarks.budget import Budget
from benchmarks.report import Row, Section
from benchmarks.timing import (Spread, in_thread, interleave, rate, summarise, thread_counts, threads_label,
                               torch_threads)
from gancore.config import TrainConfig
from gancore.trainer import Trainer

BATCHES = (64, 256, 1024)
WIDTHS = (8, 64, 256)


def measure(budget: Budget, device: str = "cpu") -> Section:
    section = Section(f"4. Scaling: Trainer iterations/s by batch size and width (device {device})", show_rows=False)
    # Built and timed in fresh threads, as a Runner trains (see timing.in_thread).
    trainers = in_thread(lambda: {(b, w): Trainer(TrainConfig(batch_size=b, g_width=w, d_width=w, device=device))
                                  for b in BATCHES for w in WIDTHS})
    cases: dict[tuple[int, int, int], Callable[[], float]] = {}
    for (b, w), t in trainers.items():
        for n in thread_counts():
            cases[(n, b, w)] = _window(t, n, budget.scaling_window_s)
            _window(t, n, budget.warmup_s / 4)()
    # Cells take turns, so a slow spell on the shared machine is spread over the whole table.
    got = {key: summarise(values) for key, values in interleave(cases, budget.scaling_reps).items()}
    for (n, b, w), s in got.items():
        section.rows.append(Row(f"{threads_label(n)}, batch {b}, width {w}", s.median, "steps/s", s.range_text("{:.0f}")))
    for n in thread_counts():
        section.notes += _grid(got, n)
    section.notes += [
        "Other settings at their defaults (2 hidden layers, k = 1, ring8); medians, ranges in --json.",
        f"CUDA available: {'yes' if torch.cuda.is_available() else 'no'}"
        + ("" if device == "cuda" else " (run with --device cuda to measure this table on a GPU)."),
    ]
    return section


def _window(t: Trainer, threads: int, seconds: float) -> Callable[[], float]:
    def measure() -> float:
        with torch_threads(threads):
            return in_thread(lambda: rate(t.iterate, seconds))
    return measure


def _grid(got: dict[tuple[int, int, int], Spread], threads: int) -> list[str]:
    """One thread count's medians as a batch x width table."""
    lines = [f"{threads_label(threads):<13}" + "".join(f"{f'width {w}':>12}" for w in WIDTHS)]
    for b in BATCHES:
        lines.append(f"batch {b:<7}" + "".join(f"{got[(threads, b, w)].median:>12.0f}" for w in WIDTHS))
    return lines + [""]
