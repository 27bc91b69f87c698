"""The background runner: trains one Trainer in its own thread and publishes immutable snapshots.

Every public method is safe to call from any thread and never raises a training error: a run
that blows up or fails ends in a state line ("diverged at step N (...)", "error: ...") and keeps
its last good snapshot. The thread exists only while the run plays; a paused runner holds none.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import threading
import time
from typing import Callable

from gancore.config import TrainConfig
from gancore.snapshot import Snapshot
from gancore.trainer import Diverged, StructuralChange, Trainer
from gancore.views import Probe

_ids = itertools.count(1)
THREAD_PREFIX = "gan-runner-"
CHUNK_S = 0.01          # train this long between looks at commands and the clock
UNWATCHED_S = 1.0       # with nobody reading, still publish (and check the weights for NaN) this often


def _name_os_thread(name: str) -> None:
    """Give the calling thread its name at the OS level too (Linux), so `top -H`, /proc and the
    tests that count a server's training threads from outside can tell runner threads apart."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)          # 15 = PR_SET_NAME
    except (OSError, AttributeError, TypeError):
        pass                                                # other systems: the Python name is enough


class Slots:
    """A server-wide cap on how many runners train at once."""

    def __init__(self, limit: int):
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self._used >= self.limit:
                return False
            self._used += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._used = max(0, self._used - 1)

    @property
    def used(self) -> int:
        return self._used


class CapacityError(RuntimeError):
    """No free training slot on this server."""


class Runner:
    """One run: a trainer, its probe, a thread while playing, and the latest snapshot."""

    def __init__(self, config: TrainConfig, *, publish_every_s: float = 0.1, metrics_every_s: float = 1.0,
                 idle_timeout_s: float = 60.0, slots: Slots | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.publish_every_s = publish_every_s
        self.metrics_every_s = metrics_every_s
        self.idle_timeout_s = idle_timeout_s
        self.max_steps_per_s: float | None = None     # the app's speed setting; None = as fast as it goes
        self._slots, self._clock = slots, clock
        self._lock = threading.RLock()                 # guards the trainer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last_read = clock()
        self._wanted = True                            # the last frame was read: the next one is wanted
        self._build(config)

    # ---- reading ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The latest published frame; reading it also tells the watchdog someone is watching."""
        self._last_read = self._clock()
        self._wanted = True
        return self._snapshot

    def latest(self) -> Snapshot:
        """The latest frame without counting as a read: no demand for a next one, no watchdog."""
        return self._snapshot

    def trained_steps(self) -> int:
        """Iterations trained so far, counted live (a snapshot's step is as old as the snapshot)."""
        return self._trainer.step

    @property
    def config(self) -> TrainConfig:
        return self._trainer.config

    def _config(self) -> TrainConfig:         # the same, as a call (for ProcessRunner's child)
        return self.config

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def state(self) -> str:
        return self._snapshot.state

    # ---- commands ---------------------------------------------------------------------------
    def play(self) -> None:
        """Start training in the background; CapacityError if the server's slots are all taken."""
        if self._closed or self.running or self._snapshot.failed:
            return
        if self._slots is not None and not self._slots.acquire():
            raise CapacityError(f"the server is already training {self._slots.limit} runs; "
                                "pause one (or wait) and press play again")
        self._stop.clear()
        self._last_read = self._clock()
        self._set_state("running")
        self._thread = threading.Thread(target=self._loop, name=f"{THREAD_PREFIX}{next(_ids)}", daemon=True)
        self._thread.start()

    def pause(self, reason: str = "paused") -> None:
        """Stop training; the paused frame shows where the trainer stopped, not the last timed frame."""
        self._halt()
        if self._snapshot.failed:
            return
        with self._lock:
            if self._trainer.step != self._snapshot.step:
                self._guarded(lambda: self._publish(reason, with_metrics=True))
            if not self._snapshot.failed:
                self._set_state(reason)

    def step(self, kind: str = "iteration", n: int = 1) -> None:
        """Pause, then run n iterations ("iteration"), D-only steps ("d") or G-only steps ("g")."""
        self.pause()
        if self._closed or self._snapshot.failed:
            return
        action = {"iteration": Trainer.iterate, "d": Trainer.step_d_only, "g": Trainer.step_g_only}[kind]
        with self._lock:
            self._guarded(lambda: [action(self._trainer) for _ in range(n)])
            if not self._snapshot.failed:
                self._publish("paused", with_metrics=True)

    def update(self, config: TrainConfig) -> bool:
        """Apply a new config: live fields in place (True kept), others by a fresh run (returns False).

        An invalid config raises ConfigError before anything changes: the current run is kept.
        """
        config.validate()
        try:
            with self._lock:
                self._trainer.update(config)
                if not self._snapshot.failed:   # a failed run keeps its last good frame
                    self._publish(self.state, with_metrics=False)
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
    def _build(self, config: TrainConfig, trainer: Trainer | None = None) -> None:
        self._trainer = trainer or Trainer(config)
        self._probe = Probe(self._trainer)
        self._rate = 0.0
        self._snapshot = self._probe.snapshot(self._trainer, "paused", 0.0)

    def _halt(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None

    def _set_state(self, state: str) -> None:
        self._snapshot = self._snapshot.with_state(state)

    def _publish(self, state: str, with_metrics: bool) -> None:
        self._wanted = False
        self._snapshot = self._probe.snapshot(self._trainer, state, self._rate, with_metrics)

    def _guarded(self, work: Callable[[], object]) -> bool:
        """Run work; on divergence or any error record it as the run's state. True if it went well."""
        try:
            work()
            return True
        except Diverged as err:
            self._set_state(str(err))
        except Exception as err:   # a failed step ends the run, never the app
            self._set_state(f"error at step {self._trainer.step}: {type(err).__name__}: {err}")
        return False

    def _loop(self) -> None:
        _name_os_thread(threading.current_thread().name)
        last_publish = last_metrics = self._clock()
        steps_at, time_at = self._trainer.step, self._clock()
        try:
            while not self._stop.is_set():
                if self._clock() - self._last_read > self.idle_timeout_s:
                    self._set_state(f"paused: nobody watched for {self.idle_timeout_s:g} s")
                    return
                with self._lock:
                    if not self._guarded(self._train_chunk):
                        return
                    now = self._clock()
                    # Frames on demand: a new one once the last was read (and publish_every_s has
                    # passed), so every read of a playing run finds a fresh frame and no frame
                    # is made for nobody.
                    since = now - last_publish
                    if since >= self.publish_every_s and (self._wanted or since >= UNWATCHED_S):
                        self._rate = (self._trainer.step - steps_at) / max(now - time_at, 1e-9)
                        steps_at, time_at = self._trainer.step, now
                        due = now - last_metrics >= self.metrics_every_s
                        if not self._guarded(lambda: self._check_and_publish(due)):
                            return
                        last_publish, last_metrics = now, (now if due else last_metrics)
                self._throttle()
        finally:
            if self._slots is not None:
                self._slots.release()

    def _check_and_publish(self, with_metrics: bool) -> None:
        self._trainer.check_weights()
        self._publish("running", with_metrics)

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
