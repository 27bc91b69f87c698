"""Section 2: what publishing snapshots costs a playing Runner, per frame and in steps/s."""
from __future__ import annotations

import json

from benchmarks.budget import Budget
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import (in_thread, interleave, ratios, summarise, thread_counts, threads_label,
                               time_calls, torch_threads)
from benchmarks.watching import READ_HZ, steps_per_s
from gancore.config import TrainConfig
from gancore.runner import Runner
from playground.figures import ViewOptions, charts
from playground.framefeed import frame_body
from playground.live_chart import to_payload

APP_PUBLISH_S, APP_METRICS_S = 0.05, 1.0    # the app's rates: playground/sessions.py and the Runner default
NEVER = 1e9                                 # "publishing off": no frame within any window


def measure(budget: Budget, config: TrainConfig = TrainConfig()) -> Section:
    section = Section("2. Live overhead: a playing Runner with and without snapshots")
    for threads in thread_counts():
        with torch_threads(threads):
            on = _measure_at(section, budget, config, threads)
    _frame_size(section, on)
    return section


def _measure_at(section: Section, budget: Budget, config: TrainConfig, threads: int) -> Runner:
    """Rows for one thread count; returns the runner that published frames (paused, closed)."""
    # built off the main thread: a Runner publishes its first frame while it is built
    on, off, encoded = in_thread(lambda: (
        Runner(config, publish_every_s=APP_PUBLISH_S, metrics_every_s=APP_METRICS_S),
        Runner(config, publish_every_s=NEVER, metrics_every_s=NEVER),
        Runner(config, publish_every_s=APP_PUBLISH_S, metrics_every_s=APP_METRICS_S)))
    label, w = threads_label(threads), budget.live_window_s
    try:
        got = interleave({
            "on": lambda: steps_per_s([on], w)[0],
            "off": lambda: steps_per_s([off], w)[0],
            # the app's server also turns each frame into JSON, in the same process
            "encoded": lambda: steps_per_s([encoded], w, on_frame=view_json)[0],
        }, budget.live_reps)
        section.rows += [
            ratio_row(f"{label}: steps/s with snapshots / without", summarise(ratios(got["on"], got["off"])), 0.9),
            rate_row(f"{label}: with snapshots (every {APP_PUBLISH_S:g} s, metrics every {APP_METRICS_S:g} s)",
                     summarise(got["on"])),
            rate_row(f"{label}: publishing off", summarise(got["off"])),
            Row(f"{label}: with snapshots + the feed's JSON at 10 Hz / without",
                *_median_range(ratios(got["encoded"], got["off"]), "x", "{:.2f}")),
        ]
        _frame_costs(section, off, budget.snapshot_calls, label)
    finally:
        for r in (on, off, encoded):
            r.close()
    return on


def _median_range(values: list[float], unit: str, fmt: str) -> tuple[float, str, str]:
    s = summarise(values)
    return s.median, unit, s.range_text(fmt)


def _frame_costs(section: Section, runner: Runner, calls: int, label: str) -> None:
    """Milliseconds per Probe.snapshot, with and without metrics, on a paused runner's trainer."""
    probe = runner._probe
    got = in_thread(lambda: time_calls({
        "with": lambda: probe.snapshot("running", 0.0, with_metrics=True),
        "without": lambda: probe.snapshot("running", 0.0, with_metrics=False),
        "encode": lambda: view_json(runner.snapshot()),
    }, calls))
    with_m, without = summarise(got["with"]), summarise(got["without"])
    section.rows += [
        Row(f"{label}: Probe.snapshot with metrics", *_median_range(got["with"], "ms", "{:.1f}")),
        Row(f"{label}: Probe.snapshot without metrics", *_median_range(got["without"], "ms", "{:.1f}")),
        Row(f"{label}: one frame as the feed sends it (figure + JSON)", *_median_range(got["encode"], "ms", "{:.1f}")),
    ]
    # READ_HZ frames a second, one with metrics every APP_METRICS_S: the training thread's share
    busy = (READ_HZ * without.median + (with_m.median - without.median) / APP_METRICS_S) / 1000
    section.notes.append(f"{label}: frames alone should take about {busy:.0%} of the training thread's time "
                         f"(expected ratio ~{max(0.0, 1 - busy):.2f}x).")


def view_json(snap) -> bytes:
    """One run-view frame exactly as the frame feed sends it to the browser."""
    return frame_body(snap, ViewOptions(), False, "a")


def _frame_size(section: Section, runner: Runner) -> None:
    snap = runner.snapshot()
    view = len(view_json(snap))
    history = len(json.dumps(to_payload(charts({"a": snap})), separators=(",", ":")))
    rows, cap = len(snap.history["step"]), runner._trainer.history.capacity
    section.rows += [
        Row("run-view frame as sent by the feed (64x64 surface, 512+512 points, 512 arrows)", view / 1024, "KiB"),
        Row(f"history charts as sent once a second ({rows} of {cap} rows)", history / 1024, "KiB"),
    ]
    section.notes.append("Sizes are the app's own bytes: playground/framefeed.py for the view, the live "
                         "chart's payload of playground/figures.charts for the history (thinned lines).")
