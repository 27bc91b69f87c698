"""The thread transport of a run: trains one Trainer in a thread of this process and publishes immutable snapshots.

Every public method is safe to call from any thread and never raises a training error: a run
that blows up or fails ends in a failed RunState with a detail line and keeps its last good
snapshot. The thread exists only while the run plays; a paused runner holds none. What a server
does to a run (slot cap, idle pause) is not here: see gancore/run.py's Supervised.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import itertools
import threading
import time
from typing import Callable

import numpy as np

from gancore.config import TrainConfig, changed_fields
from gancore.snapshot import RunState, Snapshot
from gancore.timeline import Timeline
from gancore.trainer import Diverged, StructuralChange, Trainer
from gancore.views import Probe

_ids = itertools.count(1)
THREAD_PREFIX = "gan-runner-"
CHUNK_S = 0.01          # train this long between looks at commands and the clock
UNWATCHED_S = 1.0       # with nobody reading, still publish (and check the weights for NaN) this often
RATE_WINDOW_S = 1.0     # it/s is measured over about this long, so the status line and the picture agree
ESCAPE_WIDTHS = 10.0    # fakes this many view-widths from the view's centre have left the data for good
EXPORT_FRAMES = 300     # frames in an exported animation: 15 s at 20 frames/s


def _name_os_thread(name: str) -> None:
    """Give the calling thread its name at the OS level too (Linux), so `top -H`, /proc and the
    tests that count a server's training threads from outside can tell runner threads apart."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)          # 15 = PR_SET_NAME
    except (OSError, AttributeError, TypeError):
        pass                                                # other systems: the Python name is enough


def _light(snap: Snapshot) -> Snapshot:
    return dataclasses.replace(snap, history={}, metric_history={}, mode_occupancy=None)


def _change_text(name: str, before: TrainConfig, after: TrainConfig) -> str:
    return f"{name} {getattr(before, name)} → {getattr(after, name)}"


def escaped(snap: Snapshot) -> bool:
    """Every shown fake is far outside the view: G has left the data's region and will not be back
    (seen with Adam at learning rate 10: no NaN, a gradient norm of 0, and nothing on screen)."""
    x0, x1, y0, y1 = snap.extent
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    far = ESCAPE_WIDTHS * max(x1 - x0, y1 - y0)
    return bool(np.all(np.abs(snap.fake - centre).max(axis=1) > far))


class Runner:
    """One run: a trainer, its probe, a thread while playing, and the latest snapshot."""

    def __init__(self, config: TrainConfig, *, publish_every_s: float = 0.1, metrics_every_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.publish_every_s = publish_every_s
        self.metrics_every_s = metrics_every_s
        self.max_steps_per_s: float | None = None     # the app's speed setting; None = as fast as it goes
        self._clock = clock
        self._lock = threading.RLock()                 # guards the trainer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._wanted = True                            # the last frame was read: the next one is wanted
        self._build(config)

    # ---- reading ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The latest published frame; reading it asks for the next one (frames on demand)."""
        self._wanted = True
        return self._snapshot

    def latest(self) -> Snapshot:
        """The latest frame without counting as a read: no demand for a next one."""
        return self._snapshot

    def trained_steps(self) -> int:
        """Iterations trained so far, counted live (a snapshot's step is as old as the snapshot)."""
        return self._trainer.step

    @property
    def config(self) -> TrainConfig:
        return self._trainer.config

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- commands ---------------------------------------------------------------------------
    def play(self) -> None:
        """Start training in the background."""
        if self._closed or self.running or self._snapshot.failed:
            return
        self._stop.clear()
        self._set_state(RunState.RUNNING)
        self._thread = threading.Thread(target=self._loop, name=f"{THREAD_PREFIX}{next(_ids)}", daemon=True)
        self._thread.start()

    def pause(self, state: RunState = RunState.PAUSED, detail: str = "") -> None:
        """Stop training; the paused frame shows where the trainer stopped, not the last timed frame."""
        self._halt()
        if self._snapshot.failed:
            return
        with self._lock:
            if self._trainer.step != self._snapshot.step:
                self._guarded(lambda: self._publish(state, with_metrics=True))
            if not self._snapshot.failed:
                self._set_state(state, detail)

    def step(self, kind: str = "iteration", n: int = 1) -> None:
        """Pause, then run n iterations ("iteration"), D-only steps ("d") or G-only steps ("g")."""
        self.pause()
        if self._closed or self._snapshot.failed:
            return
        action = {"iteration": Trainer.iterate, "d": Trainer.step_d_only, "g": Trainer.step_g_only}[kind]
        with self._lock:
            if self._guarded(lambda: [action(self._trainer) for _ in range(n)]):
                self._guarded(lambda: self._publish(RunState.PAUSED, with_metrics=True))

    def update(self, config: TrainConfig) -> bool:
        """Apply a new config: live fields in place (True kept), others by a fresh run (returns False).

        An invalid config raises ConfigError before anything changes: the current run is kept.
        """
        config.validate()
        try:
            with self._lock:
                before = self._trainer.config
                self._trainer.update(config)
                self._events += [(self._trainer.step, _change_text(name, before, config))
                                 for name in changed_fields(before, config)]
                if not self._snapshot.failed:   # a failed run keeps its last good frame
                    state = RunState.RUNNING if self.running else self._snapshot.state
                    self._publish(state, with_metrics=False, detail=self._snapshot.detail)
            return True
        except StructuralChange:
            self.reset(config)
            return False

    def reset(self, config: TrainConfig | None = None) -> None:
        """A fresh run (same config unless one is given); paused at step 0."""
        config = (config or self.config).validate()
        trainer = Trainer(config)          # built first: if this fails the old run is untouched
        self._halt()
        with self._lock:
            self._build(config, trainer)

    def close(self) -> None:
        """Stop for good and let the thread end; safe to call twice."""
        self._closed = True
        self._halt()

    # ---- internals --------------------------------------------------------------------------
    def recorded_steps(self) -> np.ndarray:
        """The steps of the frames the run's timeline holds (every published frame, thinned as it grows)."""
        return self._timeline.steps()

    def frame_at(self, step: int) -> Snapshot:
        """The frame published at the recorded step nearest `step`, as the picture showed it then."""
        return self._timeline.at(step, self._snapshot)

    def recording(self, max_frames: int = EXPORT_FRAMES) -> list[Snapshot]:
        """Up to max_frames recorded frames, evenly spread, without their histories (light enough to
        send between processes): what an exported animation is made of."""
        steps = self._timeline.steps()
        keep = np.unique(np.linspace(0, len(steps) - 1, min(max_frames, len(steps))).round().astype(int))
        return [_light(self._timeline.at(int(steps[i]), self._snapshot)) for i in keep]

    def _build(self, config: TrainConfig, trainer: Trainer | None = None) -> None:
        self._trainer = trainer or Trainer(config)
        self._probe = Probe(self._trainer)
        self._timeline = Timeline()
        self._events: list[tuple[int, str]] = []
        self._rate, self._rate_at = 0.0, (self._trainer.step, self._clock())
        self._snapshot = self._probe.snapshot(RunState.PAUSED, 0.0)
        self._timeline.record(self._snapshot)

    def _halt(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None

    def _set_state(self, state: RunState, detail: str = "") -> None:
        # A paused or failed run trains at 0 it/s: the readouts say so, not the last rate it had.
        self._snapshot = self._snapshot.with_state(state, detail, None if state is RunState.RUNNING else 0.0)

    def _publish(self, state: RunState, with_metrics: bool, detail: str = "") -> None:
        self._wanted = False
        rate = self._rate if state is RunState.RUNNING else 0.0
        snap = self._probe.snapshot(state, rate, with_metrics)
        self._snapshot = dataclasses.replace(snap, detail=detail, events=tuple(self._events))
        self._timeline.record(self._snapshot)

    def _guarded(self, work: Callable[[], object]) -> bool:
        """Run work; on divergence or any error record it as the run's state. True if it went well."""
        try:
            work()
            return True
        except Diverged as err:
            self._set_state(RunState.DIVERGED, f"at step {err.step} ({err.what})")
        except Exception as err:   # a failed step ends the run, never the app
            self._set_state(RunState.FAILED, f"at step {self._trainer.step}: {type(err).__name__}: {err}")
        return False

    def _measure_rate(self, now: float) -> None:
        steps_at, time_at = self._rate_at
        if now - time_at >= RATE_WINDOW_S:
            self._rate = (self._trainer.step - steps_at) / (now - time_at)
            self._rate_at = (self._trainer.step, now)

    def _loop(self) -> None:
        _name_os_thread(threading.current_thread().name)
        last_publish = last_metrics = self._clock()
        self._rate_at = (self._trainer.step, last_publish)
        while not self._stop.is_set():
            with self._lock:
                if not self._guarded(self._train_chunk):
                    return
                now = self._clock()
                self._measure_rate(now)
                # Frames on demand: a new one once the last was read (and publish_every_s has
                # passed), so every read of a playing run finds a fresh frame and no frame
                # is made for nobody.
                since = now - last_publish
                if since >= self.publish_every_s and (self._wanted or since >= UNWATCHED_S):
                    due = now - last_metrics >= self.metrics_every_s
                    if not self._guarded(lambda: self._check_and_publish(due)):
                        return
                    last_publish, last_metrics = now, (now if due else last_metrics)
            self._throttle()

    def _check_and_publish(self, with_metrics: bool) -> None:
        self._trainer.check_weights()
        self._publish(RunState.RUNNING, with_metrics)
        if with_metrics and escaped(self._snapshot):
            raise Diverged(self._trainer.step, f"every fake is more than {ESCAPE_WIDTHS:g} view-widths "
                                               "from the data; lower the learning rates")

    def _train_chunk(self) -> None:
        if self.max_steps_per_s:
            self._trainer.iterate()
            return
        end = self._clock() + CHUNK_S
        while self._clock() < end:
            self._trainer.iterate()

    def _throttle(self) -> None:
        if self.max_steps_per_s:
            self._stop.wait(1.0 / self.max_steps_per_s)
