"""Watching playing runners as the app does: read snapshots at 10 Hz, count steps over a window."""
from __future__ import annotations

import time
from typing import Callable, Sequence

from gancore.procrunner import ProcessRunner
from gancore.runner import Runner
from gancore.snapshot import RunState, Snapshot

READ_HZ = 10.0      # how often the app reads a runner's snapshot
SETTLE_S = 0.3      # untimed time after play(), so thread start-up is not in the window

OnFrame = Callable[[Snapshot], object]


def steps_per_s(runners: Sequence[Runner | ProcessRunner], seconds: float, on_frame: OnFrame | None = None) -> list[float]:
    """Play the runners together for one window and return each one's steps/s over it.

    Steps are counted live (`trained_steps()`), not on `snapshot().step`: the snapshot only moves
    when one is published, and not publishing is one of the cases measured.
    `on_frame`, if given, is called on every snapshot read (e.g. to encode it as the app would).
    """
    for r in runners:
        r.play()
    try:
        watch(runners, SETTLE_S, on_frame)
        start, t0 = [r.trained_steps() for r in runners], time.perf_counter()
        watch(runners, seconds, on_frame)
        end, elapsed = [r.trained_steps() for r in runners], time.perf_counter() - t0
    finally:
        for r in runners:
            r.pause()
    for r in runners:
        if r.latest().state is not RunState.PAUSED:     # diverged, failed or stopped by the watchdog: the window is void
            raise RuntimeError(f"runner stopped during the benchmark: {r.latest().status}")
    return [(e - s) / elapsed for s, e in zip(start, end)]


def watch(runners: Sequence[Runner | ProcessRunner], seconds: float, on_frame: OnFrame | None = None) -> None:
    """Read every runner's snapshot READ_HZ times a second for `seconds`, as the app's refresh would."""
    end = time.perf_counter() + seconds
    next_read = time.perf_counter()
    while next_read < end:
        for r in runners:
            snap = r.snapshot()
            if on_frame is not None:
                on_frame(snap)
        next_read += 1.0 / READ_HZ
        time.sleep(max(0.0, min(next_read, end) - time.perf_counter()))
