"""Section 5: resident memory of a Runner that plays for a while, and whether its history stays bounded.

The hour-long version plays one runner for 60 minutes, read at 10 Hz like a browser tab left open:
    python -m benchmarks.run --only memory --memory-minutes 60
"""
from __future__ import annotations

import gc
import time

from benchmarks.report import Row, Section
from benchmarks.timing import in_thread, torch_threads
from benchmarks.watching import watch
from gancore.config import TrainConfig
from gancore.runner import Runner
from gancore.snapshot import RunState

GROWTH_LIMIT_MB = 50.0
WARMUP_S = 1.0          # first play: thread pools and allocator caches are set up, not leaked
SAMPLE_EVERY_S = 1.0


def rss_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line in /proc/self/status")


def measure(seconds: float, config: TrainConfig = TrainConfig()) -> Section:
    # One torch thread, so the run trains as much as it can on a shared machine: memory, not speed,
    # is measured here, and two threads can stall for whole time slices when the cores are busy.
    with torch_threads(1):
        return _measure(seconds, config)


def _measure(seconds: float, config: TrainConfig) -> Section:
    length = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
    section = Section(f"5. Memory: a Runner playing for {length}, read at 10 Hz, 1 torch thread")
    runner = in_thread(lambda: Runner(config))
    try:
        start = rss_mb()
        runner.play()
        watch([runner], WARMUP_S)
        gc.collect()
        before, samples = rss_mb(), []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            watch([runner], min(SAMPLE_EVERY_S, end - time.perf_counter()))
            samples.append(rss_mb())
        runner.pause()
        if runner.latest().state is not RunState.PAUSED:
            raise RuntimeError(f"runner stopped during the memory benchmark: {runner.latest().status}")
        gc.collect()
        after = rss_mb()
        history, metrics = runner._trainer.history, runner._probe.metric_history
        late = samples[len(samples) // 2:]
        section.rows += [
            Row("RSS growth while playing (after a 1 s warm-up)", after - before, "MB",
                target=f"< {GROWTH_LIMIT_MB:g} MB", met=after - before < GROWTH_LIMIT_MB),
            Row("RSS growth over the second half of the run", late[-1] - late[0], "MB"),
            Row("RSS growth including the warm-up", after - start, "MB"),
            Row("RSS after", after, "MB", f"peak {max(samples):.0f} MB"),
            Row("iterations trained", runner._trainer.step, ""),
            Row("History rows", history.size, "rows", f"stride {history.stride}",
                f"<= {history.capacity}", history.size <= history.capacity),
            Row("metric history rows", metrics.size, "rows", f"stride {metrics.stride}",
                f"<= {metrics.capacity}", metrics.size <= metrics.capacity),
        ]
    finally:
        runner.close()
    return section
