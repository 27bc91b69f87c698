"""Section 2: what publishing snapshots costs a playing Runner, per frame and in steps/s."""
from __future__ import annotations

from benchmarks import payload
from benchmarks.budget import Budget
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import (in_thread, interleave, ratios, summarise, thread_counts, threads_label,
                               time_calls, torch_threads)
from benchmarks.watching import steps_per_s
from gancore.config import TrainConfig
from gancore.runner import Runner

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
            "encoded": lambda: steps_per_s([encoded], w, on_frame=payload.encode)[0],
        }, budget.live_reps)
        section.rows += [
            ratio_row(f"{label}: steps/s with snapshots / without", summarise(ratios(got["on"], got["off"])), 0.9),
            rate_row(f"{label}: with snapshots (every {APP_PUBLISH_S:g} s, metrics every {APP_METRICS_S:g} s)",
                     summarise(got["on"])),
            rate_row(f"{label}: publishing off", summarise(got["off"])),
            Row(f"{label}: with snapshots + JSON encoding at 10 Hz / without",
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
    trainer, probe = runner._trainer, runner._probe
    got = in_thread(lambda: time_calls({
        "with": lambda: probe.snapshot(trainer, "running", 0.0, with_metrics=True),
        "without": lambda: probe.snapshot(trainer, "running", 0.0, with_metrics=False),
        "encode": lambda: payload.encode(runner.snapshot()),
    }, calls))
    with_m, without = summarise(got["with"]), summarise(got["without"])
    section.rows += [
        Row(f"{label}: Probe.snapshot with metrics", *_median_range(got["with"], "ms", "{:.1f}")),
        Row(f"{label}: Probe.snapshot without metrics", *_median_range(got["without"], "ms", "{:.1f}")),
        Row(f"{label}: JSON encoding of one frame", *_median_range(got["encode"], "ms", "{:.1f}")),
    ]
    # 10 frames a second, 2 of them with metrics: the training thread's share spent on frames
    busy = (10 * without.median + 2 * (with_m.median - without.median)) / 1000
    section.notes.append(f"{label}: frames alone should take about {busy:.0%} of the training thread's time "
                         f"(expected ratio ~{max(0.0, 1 - busy):.2f}x).")


def _frame_size(section: Section, runner: Runner) -> None:
    snap = runner.snapshot()
    size = len(payload.encode(snap))
    section.rows.append(Row("frame as JSON (64x64 surface, 512+512 points, 512 arrows, manifold, history)",
                            size / 1024, "KiB"))
    sizes = payload.part_sizes(snap)
    parts = ", ".join(f"{k} {v / 1024:.1f}" for k, v in sizes.items())
    rows, cap = len(snap.history["step"]), runner._trainer.history.capacity
    full = sizes["history"] / max(rows, 1) * cap
    section.notes += [f"Frame parts in KiB: {parts}; history at {rows} of {cap} rows (step {snap.step}); "
                      f"a full history would be about {full / 1024:.0f} KiB.",
                      "Frames are encoded by benchmarks/payload.py (plotly-style dict, 4 significant digits, "
                      "json.dumps); the app's own encoder may differ."]
