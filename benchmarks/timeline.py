"""Section: what a run's timeline costs: recording while training, memory, and export as GIF and MP4.

Recording is measured on a hand loop that trains and publishes as a playing Runner does (a frame
every APP_PUBLISH_S, metrics every APP_METRICS_S), with and without recording every frame, in
turns, on one torch thread and by that thread's CPU clock: on a shared machine other tenants' load
swings wall-clock rates by +-30% from one window to the next, far more than the 5% to be seen.
Export is of the timeline the CLI's --animate records over a 3,000-step run (301 frames).
"""
from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from benchmarks.budget import Budget
from benchmarks.live import APP_METRICS_S, APP_PUBLISH_S
from benchmarks.report import Row, Section, rate_row, ratio_row
from benchmarks.timing import in_thread, interleave, ratios, summarise, torch_threads
from gancore import animation, cli
from gancore.config import TrainConfig
from gancore.snapshot import RunState, Snapshot
from gancore.timeline import MAX_BYTES, MAX_FRAMES, Timeline, paired
from gancore.trainer import Trainer
from gancore.views import Probe

RUN_STEPS = 3_000
MIN_RATIO = 0.95             # recording may cost at most 5% of training speed
EXPORT_TARGET_S = {1: 10.0, 2: 20.0}      # runs side by side -> seconds for the whole file
SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)   # the 3,000-step run: export cost is per frame
LONG_RUN = 20_000            # records of the memory figure


def measure(budget: Budget, config: TrainConfig = TrainConfig()) -> Section:
    section = Section("Timeline: recording a run's frames, their memory, and export as GIF / MP4")
    _recording(section, budget, config)
    _memory(section)
    _export(section, max(1, budget.live_reps // 2))
    return section


# ---- recording ----------------------------------------------------------------------------------
def _recording(section: Section, budget: Budget, config: TrainConfig) -> None:
    trainer = Trainer(config)
    probe = Probe(trainer)
    timeline = Timeline()
    first = in_thread(lambda: probe.snapshot(RunState.RUNNING, 0.0))
    for step in range(1, MAX_FRAMES):          # nearly full: thinning happens inside the windows
        timeline.record(_fresh(first, -MAX_FRAMES + step))
    w = budget.live_window_s
    with torch_threads(1):
        # Each recording window between two plain ones, compared with their mean: drift cancels.
        got = interleave({
            "plain": lambda: in_thread(lambda: _playing(trainer, probe, None, w)),
            "recording": lambda: in_thread(lambda: _playing(trainer, probe, timeline, w)),
            "plain again": lambda: in_thread(lambda: _playing(trainer, probe, None, w)),
        }, budget.live_reps)
    plain = [(a + b) / 2 for a, b in zip(got["plain"], got["plain again"])]
    floor = summarise(ratios(got["plain again"], got["plain"]))
    section.rows += [
        ratio_row(f"training steps/s recording every frame ({1 / APP_PUBLISH_S:.0f}/s) / not (CPU time)",
                  summarise(ratios(got["recording"], plain)), MIN_RATIO),
        Row("the same for two plain windows (the noise floor)", floor.median, "x", floor.range_text("{:.2f}")),
        rate_row("steps/s per CPU second, recording", summarise(got["recording"])),
    ]
    record_us, at_us = _call_costs(first)
    section.rows += [
        Row("Timeline.record of a fresh frame", record_us, "µs"),
        Row("Timeline.at (a scrubber's read)", at_us, "µs"),
    ]
    section.notes.append(f"Recording at the app's rate takes {record_us / APP_PUBLISH_S / 1e4:.2f}% of the "
                         f"training thread ({record_us:.0f} µs every {APP_PUBLISH_S * 1e3:.0f} ms).")


def _playing(trainer: Trainer, probe: Probe, timeline: Timeline | None, seconds: float) -> float:
    """Steps per CPU second of a loop that trains and publishes as a playing Runner does (frames
    paced by the same clock); records every frame if given a timeline."""
    start = next_frame = next_metrics = time.thread_time()
    steps = trainer.step
    while (now := time.thread_time()) - start < seconds:
        trainer.iterate()
        if now >= next_frame:
            due = now >= next_metrics
            snap = probe.snapshot(RunState.RUNNING, 0.0, with_metrics=due)
            if timeline is not None:
                timeline.record(snap)
            next_frame, next_metrics = now + APP_PUBLISH_S, (now + APP_METRICS_S if due else next_metrics)
    return (trainer.step - steps) / (time.thread_time() - start)


def _call_costs(snap: Snapshot, n: int = 2000) -> tuple[float, float]:
    """Microseconds per record (arrays of its own, as every probe frame) and per at()."""
    timeline, frames = Timeline(), [_fresh(snap, step) for step in range(n)]
    t0 = time.perf_counter()
    for frame in frames:
        timeline.record(frame)
    t1 = time.perf_counter()
    for step in range(0, n, 2):
        timeline.at(step)
    t2 = time.perf_counter()
    return (t1 - t0) / n * 1e6, (t2 - t1) / (n // 2) * 1e6


def _fresh(snap: Snapshot, step: int) -> Snapshot:
    return dataclasses.replace(snap, step=step, fake=snap.fake.copy(), g_field=snap.g_field.copy(),
                               d_surface=snap.d_surface.copy(), manifold=snap.manifold.copy(),
                               optimal_d=None if snap.optimal_d is None else snap.optimal_d.copy())


# ---- memory -------------------------------------------------------------------------------------
def _memory(section: Section) -> None:
    trainer = Trainer(SMALL)
    probe = Probe(trainer)
    snap = probe.snapshot(RunState.RUNNING, 0.0)     # with D*: the largest frame
    timeline = Timeline()
    for step in range(LONG_RUN):
        timeline.record(_fresh(snap, 10 * step))
    steps = timeline.steps()
    section.rows += [
        Row(f"memory after {LONG_RUN:,} frames (none sharing an array)", timeline.nbytes / 1e6, "MB",
            target=f"<= {MAX_BYTES / 1e6:g} MB", met=timeline.nbytes <= MAX_BYTES),
        Row("frames kept of them", len(timeline), "frames", target=f"<= {MAX_FRAMES}",
            met=len(timeline) <= MAX_FRAMES and steps[0] == 0 and steps[-1] == 10 * (LONG_RUN - 1)),
        Row("bytes per frame", timeline.nbytes / len(timeline), "B"),
    ]
    section.notes.append(f"The kept frames span steps {steps[0]:,} to {steps[-1]:,}, one every "
                         f"{(steps[-1] - steps[0]) / (len(steps) - 1):,.0f} steps.")


# ---- export -------------------------------------------------------------------------------------
def _export(section: Section, reps: int) -> None:
    timeline = Timeline()
    t0 = time.perf_counter()
    in_thread(lambda: cli.run(SMALL, RUN_STEPS, timeline=timeline))
    section.notes.append(f"The {RUN_STEPS:,}-step run with --animate's recording took {time.perf_counter() - t0:.1f} s "
                         f"and kept {len(timeline)} frames, {timeline.nbytes / 1e6:.1f} MB.")
    with tempfile.TemporaryDirectory(prefix="gan-bench-") as folder:
        for runs in (1, 2):
            for fmt in animation.ENCODERS:
                path = Path(folder) / f"run{fmt}"
                frames = (lambda: timeline.replay()) if runs == 1 else (lambda: paired(timeline, timeline))
                seconds = [_timed(lambda: animation.export_animation(frames(), path)) for _ in range(reps)]
                s, target = summarise(seconds), EXPORT_TARGET_S[runs]
                what = f"{RUN_STEPS:,}-step run" if runs == 1 else "two runs side by side"
                section.rows.append(Row(f"export {what} as {fmt} ({len(timeline)} frames)", s.median, "s",
                                        s.range_text("{:.2f}"), f"<= {target:g} s", s.median <= target))
                section.notes.append(f"{what} as {fmt}: {path.stat().st_size / 1e6:.1f} MB, "
                                     f"{s.median / len(timeline) * 1e3:.1f} ms a frame.")


def _timed(work) -> float:
    start = time.perf_counter()
    in_thread(work)
    return time.perf_counter() - start
