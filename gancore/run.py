"""What a run is to its users: its state, the handle the app drives, and the one policy every transport shares.

A run can live in a thread of the server (gancore/runner.py), in a child process
(gancore/procrunner.py) or elsewhere; each of those only carries calls and frames. What a server
does *to* a run — at most so many train at once, a run nobody watches pauses itself — is decided
here, once, by `Supervised`, whatever carries the run.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Protocol

import numpy as np

from gancore.config import TrainConfig
from gancore.snapshot import RunState, Snapshot

__all__ = ["CapacityError", "RunHandle", "RunState", "Slots", "Supervised"]

WATCH_EVERY_S = 0.25     # how often the policy looks at a playing run (slot release, idle pause)


class CapacityError(RuntimeError):
    """No free training slot on this server."""


class RunHandle(Protocol):
    """Everything the app, the CLI and the benchmarks do with a run. No method raises a training
    error: a run that fails ends in a failed state with a detail line and keeps its last good frame."""

    max_steps_per_s: float | None                 # the speed setting; None = as fast as it goes

    def snapshot(self) -> Snapshot: ...           # the latest frame; a read (asks for the next one)
    def latest(self) -> Snapshot: ...             # the latest frame without counting as a read
    def trained_steps(self) -> int: ...
    def recorded_steps(self) -> np.ndarray: ...   # the steps its timeline holds
    def frame_at(self, step: int) -> Snapshot: ...  # the frame shown at the recorded step nearest `step`
    def recording(self, max_frames: int = 300) -> list[Snapshot]: ...   # frames for an animation
    def play(self) -> None: ...
    def pause(self, state: RunState = RunState.PAUSED, detail: str = "") -> None: ...
    def step(self, kind: str = "iteration", n: int = 1) -> None: ...
    def update(self, config: TrainConfig) -> bool: ...    # True: kept the run; False: a fresh run
    def reset(self, config: TrainConfig | None = None) -> None: ...
    def close(self) -> None: ...
    @property
    def config(self) -> TrainConfig: ...
    @property
    def running(self) -> bool: ...


class Slots:
    """A server-wide cap on how many runs train at once: a bounded semaphore that does not block."""

    def __init__(self, limit: int):
        self.limit = limit
        self._free = threading.BoundedSemaphore(limit)
        self._used, self._lock = 0, threading.Lock()

    def acquire(self) -> bool:
        if not self._free.acquire(blocking=False):
            return False
        with self._lock:
            self._used += 1
        return True

    def release(self) -> None:
        with self._lock:
            self._used -= 1
        self._free.release()           # ValueError if released more often than acquired: a bug, loudly

    @property
    def used(self) -> int:
        return self._used


class Supervised:
    """A run under the server's policy: a slot while it trains, and a pause when nobody watches.

    Wraps any RunHandle. The slot is taken on play and given back as soon as the run stops, for
    whatever reason (pause, step, a new config, divergence, a lost process): a watcher thread, alive
    only while the slot is held, notices runs that stop by themselves.
    """

    def __init__(self, run: RunHandle, *, slots: Slots | None = None, idle_timeout_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.run, self.idle_timeout_s = run, idle_timeout_s
        self._slots, self._clock = slots, clock
        self._holding, self._generation = False, 0     # a watcher ends when play() starts a newer one
        self._lock = threading.Lock()
        self._last_read = clock()

    # ---- reading ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        self._last_read = self._clock()
        return self.run.snapshot()

    def latest(self) -> Snapshot:
        return self.run.latest()

    def trained_steps(self) -> int:
        return self.run.trained_steps()

    def recorded_steps(self) -> np.ndarray:
        return self.run.recorded_steps()

    def frame_at(self, step: int) -> Snapshot:
        return self.run.frame_at(step)

    def recording(self, max_frames: int = 300) -> list[Snapshot]:
        return self.run.recording(max_frames)

    @property
    def config(self) -> TrainConfig:
        return self.run.config

    @property
    def running(self) -> bool:
        return self.run.running

    @property
    def max_steps_per_s(self) -> float | None:
        return self.run.max_steps_per_s

    @max_steps_per_s.setter
    def max_steps_per_s(self, value: float | None) -> None:
        self.run.max_steps_per_s = value

    # ---- commands ---------------------------------------------------------------------------
    def play(self) -> None:
        """Start training; CapacityError if the server's slots are all taken (the run stays paused)."""
        if self.run.running or self.run.latest().failed:
            return
        with self._lock:
            if self._slots is not None and not self._holding:
                if not self._slots.acquire():
                    raise CapacityError(f"the server is already training {self._slots.limit} runs; "
                                        "pause one (or wait) and press play again")
                self._holding = True
        self._last_read = self._clock()
        self.run.play()
        self._generation += 1
        threading.Thread(target=self._watch, args=(self._generation,), name="gan-run-watch", daemon=True).start()

    def pause(self, state: RunState = RunState.PAUSED, detail: str = "") -> None:
        self.run.pause(state, detail)
        self._release()

    def step(self, kind: str = "iteration", n: int = 1) -> None:
        self.run.step(kind, n)
        self._release()

    def update(self, config: TrainConfig) -> bool:
        kept = self.run.update(config)
        if not self.run.running:
            self._release()
        return kept

    def reset(self, config: TrainConfig | None = None) -> None:
        self.run.reset(config)
        self._release()

    def close(self) -> None:
        self.run.close()
        self._release()

    # ---- the policy -------------------------------------------------------------------------
    def _release(self) -> None:
        with self._lock:
            if self._holding and not self.run.running:
                self._holding = False
                self._slots.release()

    def _watch(self, generation: int) -> None:
        while generation == self._generation:
            time.sleep(WATCH_EVERY_S)
            if not self.run.running:
                self._release()
                return
            if self._clock() - self._last_read > self.idle_timeout_s:
                self.pause(RunState.IDLE, f"(nobody watched for {self.idle_timeout_s:g} s)")
                return
