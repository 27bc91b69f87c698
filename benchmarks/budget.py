"""How long each benchmark measures: the full budget (~5 minutes) and the quick one (~1 minute)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """Window lengths and repetition counts; longer windows and more reps narrow the spread."""

    engine_window_s: float     # one timed window of a training loop (section 1)
    engine_reps: int
    warmup_s: float            # untimed training before the first window of each loop
    live_window_s: float       # one window of a playing runner (sections 2 and 3)
    live_reps: int
    snapshot_calls: int        # Probe.snapshot timings, per variant
    scaling_window_s: float    # one window per table cell (section 4)
    scaling_reps: int
    memory_s: float            # how long the runner plays in the memory test (section 5)


FULL = Budget(engine_window_s=1.0, engine_reps=7, warmup_s=0.5, live_window_s=2.5, live_reps=5,
              snapshot_calls=25, scaling_window_s=0.7, scaling_reps=3, memory_s=20.0)
QUICK = Budget(engine_window_s=0.3, engine_reps=3, warmup_s=0.2, live_window_s=1.0, live_reps=2,
               snapshot_calls=8, scaling_window_s=0.25, scaling_reps=2, memory_s=5.0)
