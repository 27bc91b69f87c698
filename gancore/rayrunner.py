"""A Runner in a Ray actor, so that a classroom's runs train on a cluster while the server only relays frames.

This class has the Runner's interface (gancore/run.py's RunHandle); the run lives in an actor that
holds one Runner, on whichever node of the cluster Ray places it. Like ProcessRunner it only
carries calls and frames: the slot cap and the idle pause wrap it like any run (Supervised).
Frames come on demand: a read of the latest frame here asks the actor for the next one, which a
reader thread fetches, so snapshot() never waits on the network; an unread run still brings one
frame a second. ray is optional (`pip install -r requirements-ray.txt`) and imported here only.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any

from gancore.sweep_backends import RAY_INSTALL, REPO_ROOT, start_ray

try:
    import ray
except ImportError as err:
    raise ImportError(f"live runs on Ray need ray: {RAY_INSTALL}") from err

from gancore.config import TrainConfig
from gancore.procrunner import COMMANDS
from gancore.remote import RemoteRun
from gancore.run import CapacityError
from gancore.runner import UNWATCHED_S, Runner
from gancore.snapshot import RunState, Snapshot, frozen

__all__ = ["RayRunner", "connect"]

FRAME_WAIT_S = 1.0      # longest the actor waits for an asked-for frame (a paused run makes none)
POLL_S = 0.01           # how often the actor looks for that frame
START_TIMEOUT_S = 60.0  # longest wait for an actor to start: a cluster with no free CPU never starts one
_GONE = "(its Ray actor ended unexpectedly; press Reset)"
_connect_lock = threading.Lock()

Stamped = tuple[int, Snapshot]      # a frame and its serial number in the actor: the parent never goes back


def connect(address: str | None) -> None:
    """Join the Ray cluster at `address` (None: start a local Ray) once per process; later calls
    do nothing. A Ray this process already joined (a sweep's, a notebook's) is used as it is."""
    with _connect_lock:
        if not ray.is_initialized():
            start_ray(ray, None, address)       # the sweeps' helper: the same runtime_env and errors


@ray.remote(num_cpus=1, concurrency_groups={"frames": 1})
class _RunActor:
    """The far side: one Runner. Commands run one at a time; a frame request waits in a thread of
    its own ("frames"), so a command never queues behind a second-long wait for a paused run."""

    def __init__(self, config: TrainConfig, options: dict[str, float]):
        self._runner = Runner(config, **options)
        self._seq, self._lock = 0, threading.Lock()

    def call(self, name: str, args: tuple, have: str) -> tuple[str, Any, Stamped | None]:
        """Run a Runner method (ProcessRunner's table of them); its error is returned, not raised,
        so the caller gets the engine's ConfigError itself rather than Ray's wrapper of it."""
        try:
            status, answer = "ok", COMMANDS[name](self._runner, *args)
        except Exception as err:
            status, answer = "error", err
        return status, answer, self._read(have, asked=False)

    @ray.method(concurrency_group="frames")
    def frame(self, have: str, asked: bool) -> Stamped | None:
        """The first frame that differs from `have`: asked, wait up to FRAME_WAIT_S for it (each
        look is a read, so the Runner makes it); unasked, only the latest as it is. None: nothing new."""
        end = time.monotonic() + (FRAME_WAIT_S if asked else 0.0)
        while True:
            got = self._read(have, asked)
            if got is not None or time.monotonic() >= end:
                return got
            time.sleep(POLL_S)

    def _read(self, have: str, asked: bool) -> Stamped | None:
        # Read and numbered under one lock: a command's frame and a waiting request's frame are
        # numbered in the order they were read, so the parent's newest is the Runner's newest.
        with self._lock:
            snap = self._runner.snapshot() if asked else self._runner.latest()
            if snap.key == have:
                return None
            self._seq += 1
            return self._seq, snap


class RayRunner(RemoteRun):
    """The run-handle interface (gancore/run.py), with the run in a Ray actor.

    Like the Runner, no method raises a training error; an actor that ends (killed, its node lost)
    leaves the last frame in the LOST state, and reset() starts a new actor. Ray must be joined
    first (`connect`), or it starts a local one on the first actor.
    """

    def __init__(self, config: TrainConfig, *, publish_every_s: float = 0.1, metrics_every_s: float = 1.0):
        self._options = {"publish_every_s": publish_every_s, "metrics_every_s": metrics_every_s}
        self._call_lock, self._take_lock = threading.Lock(), threading.Lock()
        self._closed, self._speed = False, None
        self._attach(config.validate())

    def _attach(self, config: TrainConfig) -> None:
        # The repository on the workers' path: enough on this machine's own Ray; a cluster gets the
        # package itself from `connect` (py_modules), and this path is then harmless.
        path = os.pathsep.join(filter(None, (REPO_ROOT, os.environ.get("PYTHONPATH"))))
        actor = _RunActor.options(runtime_env={"env_vars": {"PYTHONPATH": path}}).remote(config, self._options)
        try:
            seq, snap = ray.get(actor.frame.remote("", False), timeout=START_TIMEOUT_S)
        except ray.exceptions.GetTimeoutError:
            ray.kill(actor)
            raise CapacityError(f"no Ray worker took the run within {START_TIMEOUT_S:g} s: "
                                "the cluster may have no free CPU") from None
        self._actor, self._seq, self._gone = actor, seq, False
        self._snapshot: Snapshot = frozen(snap)
        self._asked = threading.Event()             # set by a read: the reader fetches the next frame
        if self._speed is not None:
            self._call("set_speed", self._speed)
        threading.Thread(target=self._read_frames, args=(actor,), name="gan-run-reader", daemon=True).start()

    # ---- the run-handle interface -----------------------------------------------------------
    def snapshot(self) -> Snapshot:
        self._asked.set()                           # reading this frame asks for the next one
        return self._snapshot

    def close(self) -> None:
        """Stop the run and end its actor, so its CPU on the cluster is free at once; safe twice."""
        if self._closed:
            return
        self._call("close")
        self._closed = True                         # from here an ending actor is no loss
        self._asked.set()
        if ray.is_initialized():
            ray.kill(self._actor)

    # ---- internals --------------------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> Any:
        """Run a Runner method in the actor; its ConfigError (or any error) is raised here."""
        if not self._live:
            return None
        actor = self._actor
        try:
            with self._call_lock:                   # commands reach the Runner in the order given
                status, answer, got = ray.get(actor.call.remote(name, args, self._snapshot.key))
        except ray.exceptions.RayActorError:        # killed, its node lost, or unreachable
            self._lost(actor)
            return None
        self._take(actor, got)
        if status == "error":
            raise answer
        return answer

    def _take(self, actor: Any, got: Stamped | None) -> None:
        """Keep the newest frame of the current actor: a request's answer may overtake a command's."""
        with self._take_lock:
            if got is not None and actor is self._actor and got[0] > self._seq:
                self._seq, self._snapshot = got[0], frozen(got[1])

    def _lost(self, actor: Any) -> None:
        with self._take_lock:
            if actor is not self._actor or self._closed or self._gone:
                return
            self._gone = True
            self._snapshot = self._snapshot.with_state(RunState.LOST, _GONE, 0.0)
        try:
            ray.kill(actor)                         # unreachable but maybe alive: never hold its CPU
        except Exception:
            pass                                    # gone already (or Ray with it): nothing to free

    def _read_frames(self, actor: Any) -> None:
        """Fetch a frame after each read (and one a second unread), until the actor is replaced or ends."""
        while actor is self._actor and self._live:
            asked = self._asked.wait(UNWATCHED_S)
            self._asked.clear()
            try:
                got = ray.get(actor.frame.remote(self._snapshot.key, asked))
            except Exception:                       # the actor (or Ray) went away: any way of ending is a loss
                self._lost(actor)
                return
            self._take(actor, got)
