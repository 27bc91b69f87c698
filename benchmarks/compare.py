"""Section 3: two Runners playing at once (compare mode) against one alone, per run, per thread count."""
from __future__ import annotations

from benchmarks.budget import Budget
from benchmarks.report import Section, rate_row, ratio_row
from benchmarks.timing import (capacity, in_thread, interleave, ratios, summarise, thread_counts, threads_label,
                               torch_threads)
from benchmarks.watching import steps_per_s
from gancore.config import TrainConfig
from gancore.runner import Runner

LOSSES = ("minimax", "nonsaturating")    # the compare mode's classic pair, same seed


def measure(budget: Budget, config: TrainConfig = TrainConfig()) -> Section:
    section = Section("3. Compare mode: two Runners at once vs one alone (steps/s per run)")
    start = capacity()
    for threads in thread_counts():
        # Runner threads inherit the intra-op thread count set when play() starts them.
        with torch_threads(threads):
            _measure_at(section, budget, config, threads)
    end = capacity()
    one, two = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    section.notes += [
        "Both runners publish at the app's rates (0.1 s, metrics 1 s) and are read at 10 Hz; "
        "'alone' plays one runner while the other is paused, taking turns.",
        f"Machine during this section (mean of a probe before and after): one busy process got {one:.2f} "
        f"of a core, two got {two:.2f} cores in total, so two runs could not exceed about "
        f"{min(1.0, two / (2 * one)):.2f}x per run whatever the engine does.",
    ]
    return section


def _measure_at(section: Section, budget: Budget, config: TrainConfig, threads: int) -> None:
    a, b = in_thread(lambda: [Runner(config.replace(loss=loss)) for loss in LOSSES])
    try:
        w = budget.live_window_s
        got = interleave({
            "a alone": lambda: steps_per_s([a], w)[0],
            "b alone": lambda: steps_per_s([b], w)[0],
            "together": lambda: sum(steps_per_s([a, b], w)) / 2,
        }, budget.live_reps)
    finally:
        a.close()
        b.close()
    alone = [(x + y) / 2 for x, y in zip(got["a alone"], got["b alone"])]
    label = threads_label(threads)
    ratio = summarise(ratios(got["together"], alone))
    section.rows += [
        ratio_row(f"{label}: per-run steps/s together / alone", ratio, 0.75),
        rate_row(f"{label}: one run alone", summarise(alone)),
        rate_row(f"{label}: each of two runs together", summarise(got["together"])),
    ]
    if ratio.median > 1.05:
        section.notes.append(f"{label}: above 1x means one run alone was held back by something two runs avoid: "
                             "with more OpenMP threads than cores libgomp stops spin-waiting (see section 1).")
