"""Section 3: compare mode, two runs training at once, against one run alone (steps/s per run).

The app runs compare mode's two runs in processes of their own (gancore.procrunner); the row
for two Runner threads in one process is kept beside it, since that is what the GIL costs.
"""
from __future__ import annotations

from benchmarks.budget import Budget
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import capacity, in_thread, interleave, ratios, summarise
from benchmarks.watching import steps_per_s
from gancore.config import TrainConfig
from gancore.procrunner import ProcessRunner
from gancore.runner import Runner

LOSSES = ("minimax", "nonsaturating")    # the compare mode's classic pair, same seed
APP_PUBLISH_S = 0.05                     # playground/sessions.py


def measure(budget: Budget, config: TrainConfig = TrainConfig()) -> Section:
    section = Section("3. Compare mode: two runs at once vs one alone (steps/s per run)")
    start = capacity()
    procs = [ProcessRunner(config.replace(loss=loss), publish_every_s=APP_PUBLISH_S) for loss in LOSSES]
    threads = in_thread(lambda: [Runner(config.replace(loss=loss), publish_every_s=APP_PUBLISH_S) for loss in LOSSES])
    try:
        w = budget.live_window_s
        got = interleave({
            "a alone": lambda: steps_per_s(procs[:1], w)[0],
            "b alone": lambda: steps_per_s(procs[1:], w)[0],
            "processes": lambda: sum(steps_per_s(procs, w)) / 2,
            "threads": lambda: sum(steps_per_s(threads, w)) / 2,
        }, budget.live_reps)
    finally:
        for r in procs + threads:
            r.close()
    end = capacity()
    alone = [(x + y) / 2 for x, y in zip(got["a alone"], got["b alone"])]
    section.rows += [
        ratio_row("app (two processes): per-run steps/s together / alone", summarise(ratios(got["processes"], alone)), 0.75),
        rate_row("one run alone", summarise(alone)),
        rate_row("each of two runs together, two processes", summarise(got["processes"])),
        rate_row("each of two runs together, two threads of one process", summarise(got["threads"])),
        _reference("for reference, two threads of one process / alone (the GIL)", ratios(got["threads"], alone)),
    ]
    one, two = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    section.notes += [
        f"Every run publishes on demand (at most every {APP_PUBLISH_S:g} s, metrics every 1 s) and is read at 10 Hz; "
        "'alone' plays one run while the other is paused, taking turns.",
        f"Machine during this section (mean of a probe before and after): one busy process got {one:.2f} "
        f"of a core, two got {two:.2f} cores in total, so two runs could not exceed about "
        f"{min(1.0, two / (2 * one)):.2f}x per run whatever the engine does.",
    ]
    return section


def _reference(figure: str, values: list[float]) -> Row:
    s = summarise(values)
    return Row(figure, s.median, "x", s.range_text("{:.2f}"))
