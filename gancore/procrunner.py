"""A Runner in a process of its own, so that two runs train side by side without sharing Python's GIL.

Two Runner threads in one process share one interpreter lock: on two cores each ran at 0.51x of
its speed alone, against 0.97x for two processes (`python -m benchmarks.run --only compare`). This class
has the Runner's interface; the run lives in a child Python process started with
`python -m gancore.procrunner` (not multiprocessing's spawn, which re-runs the parent's main
script: under Streamlit that is the app itself; not fork: the parent is a threaded server), and
commands and snapshots travel over two authenticated local sockets. The parent keeps the server's slot
cap and the idle watchdog, since only the parent knows who reads.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Client, Connection, Listener, wait
from pathlib import Path
from typing import Any

from gancore.config import TrainConfig
from gancore.runner import UNWATCHED_S, CapacityError, Runner, Slots
from gancore.snapshot import Snapshot, frozen

_WAIT_S = 0.01          # the child's longest wait for a command, a frame request or a new frame
_AUTH_ENV = "GAN_PLAYGROUND_RUN_KEY"
_GONE = "error: the run's process ended unexpectedly; press Reset"


def _set_speed(runner: Runner, value: float | None) -> None:
    runner.max_steps_per_s = value


# What the parent may ask of the child's Runner: nothing else is ever called.
COMMANDS = {
    "play": Runner.play, "pause": Runner.pause, "step": Runner.step, "update": Runner.update,
    "reset": Runner.reset, "close": Runner.close, "_config": Runner._config,
    "trained_steps": Runner.trained_steps, "set_speed": _set_speed,
}


def _serve(commands: Connection, frames: Connection) -> None:
    """The child: one Runner; answer commands, and send a new frame each time the parent asks.

    Frames on demand, as the Runner publishes them: the parent's read of a frame asks for the next
    (one byte on the frame socket), so a watched run sends each frame once and an unwatched one none.
    """
    config, options = commands.recv()
    runner = Runner(config, idle_timeout_s=float("inf"), **options)
    sent, seq, wanted = None, 0, True   # seq orders frames and replies: the parent never goes back
    sent_at = time.monotonic()
    while True:
        ready = wait([commands, frames], _WAIT_S)
        if frames in ready:
            try:
                while frames.poll():
                    frames.recv_bytes()
            except (EOFError, OSError):
                break
            wanted = True
        if commands in ready:
            try:
                name, args = commands.recv()
            except EOFError:
                break
            try:
                status, answer = "ok", COMMANDS[name](runner, *args)
            except Exception as err:        # handed to the caller, who raises it
                status, answer = "error", err
            seq += 1
            sent = runner.snapshot()
            commands.send((status, answer, seq, sent))
            if name == "close":
                break
        # Unasked, still one frame a second (as the Runner publishes for nobody): a parent that
        # has not read for a while then finds a frame at most about a second old.
        if wanted or time.monotonic() - sent_at >= UNWATCHED_S:
            snap = runner.snapshot() if wanted else runner.latest()   # snapshot() asks for the next
            if snap is not sent:
                seq += 1
                try:
                    frames.send((seq, snap))
                except (BrokenPipeError, OSError):
                    break
                sent, wanted = snap, False
            sent_at = time.monotonic()
    runner.close()


class ProcessRunner:
    """The Runner interface, with the run in a child process.

    Like the Runner, no method raises a training error; a child that dies (killed from outside)
    leaves the last frame with an error state, and reset() starts a new child.
    """

    def __init__(self, config: TrainConfig, *, publish_every_s: float = 0.1, metrics_every_s: float = 1.0,
                 idle_timeout_s: float = 60.0, slots: Slots | None = None):
        self._options = {"publish_every_s": publish_every_s, "metrics_every_s": metrics_every_s}
        self.idle_timeout_s, self._slots, self._holding = idle_timeout_s, slots, False
        self._lock, self._seq_lock, self._want_lock = threading.Lock(), threading.Lock(), threading.Lock()
        self._closed, self._closing, self._speed = False, False, None
        self._spawn(config.validate())

    def _spawn(self, config: TrainConfig) -> None:
        key = secrets.token_bytes(16)
        with Listener(family="AF_UNIX", authkey=key) as listener:
            env = {**os.environ, _AUTH_ENV: key.hex(),
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                               os.environ.get("PYTHONPATH")]))}
            self._process = subprocess.Popen([sys.executable, "-m", "gancore.procrunner", listener.address],
                                             env=env, stdin=subprocess.DEVNULL)
            self._commands, self._frames = listener.accept(), listener.accept()
        self._commands.send((config, self._options))
        self._gone, self._idle_pausing, self._wanted_at = False, False, None
        self._last_read, self._seq = time.monotonic(), 0
        self._snapshot: Snapshot = frozen(self._frames.recv()[1])
        if self._speed is not None:
            self._call("set_speed", self._speed)
        threading.Thread(target=self._read_frames, args=(self._frames,), name="gan-run-reader", daemon=True).start()

    # ---- the Runner interface ---------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        self._last_read = now = time.monotonic()
        with self._want_lock:                 # reading this frame asks the child for the next one
            # (asked again after a second without an answer: a request is never lost for good)
            if self._live and (self._wanted_at is None or now - self._wanted_at > 1.0):
                try:
                    self._frames.send_bytes(b"w")
                    self._wanted_at = now
                except OSError:
                    pass
        return self._snapshot

    def trained_steps(self) -> int:
        return self._call("trained_steps")

    @property
    def config(self) -> TrainConfig:
        return self._call("_config") if self._live else self._snapshot.config

    @property
    def running(self) -> bool:
        return self._live and self._snapshot.state == "running"

    @property
    def state(self) -> str:
        return self._snapshot.state

    @property
    def max_steps_per_s(self) -> float | None:
        return self._speed

    @max_steps_per_s.setter
    def max_steps_per_s(self, value: float | None) -> None:
        self._speed = value
        self._call("set_speed", value)

    def play(self) -> None:
        if not self._live or self.running or self._snapshot.failed:
            return
        if self._slots is not None and not self._holding:
            if not self._slots.acquire():
                raise CapacityError(f"the server is already training {self._slots.limit} runs; "
                                    "pause one (or wait) and press play again")
            self._holding = True
        self._last_read, self._idle_pausing = time.monotonic(), False
        self._call("play")

    def pause(self, reason: str = "paused") -> None:
        self._call("pause", reason)
        self._release_slot()

    def step(self, kind: str = "iteration", n: int = 1) -> None:
        self._call("step", kind, n)
        self._release_slot()

    def update(self, config: TrainConfig) -> bool:
        kept = self._call("update", config)
        if not kept:
            self._release_slot()
        return bool(kept)

    def reset(self, config: TrainConfig | None = None) -> None:
        if self._gone and not self._closed:            # the child died: a new one takes over
            self._spawn((config or self._snapshot.config).validate())
            return
        self._call("reset", config)
        self._release_slot()

    def close(self) -> None:
        if self._closed:
            return
        self._closing = True                  # the child's goodbye is not a crash
        self._call("close")
        self._closed = True
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._release_slot()
        self._commands.close()
        self._frames.close()

    # ---- internals --------------------------------------------------------------------------
    @property
    def _live(self) -> bool:
        return not self._closed and not self._gone

    def _call(self, name: str, *args: Any) -> Any:
        """Run a Runner method in the child; its ConfigError (or any error) is raised here."""
        if not self._live:
            return None
        try:
            with self._lock:
                self._commands.send((name, args))
                status, result, seq, snap = self._commands.recv()
        except (EOFError, OSError):
            self._lost()
            return None
        self._take(seq, snap)
        if status == "error":
            raise result
        return result

    def _take(self, seq: int, snap: Snapshot) -> None:
        """Keep the newest frame: a frame sent just before a command's reply may arrive after it."""
        with self._seq_lock:
            if seq > self._seq:
                self._seq, self._snapshot = seq, frozen(snap)

    def _lost(self) -> None:
        if not self._closing and not self._gone:
            self._gone = True
            self._snapshot = self._snapshot.with_state(_GONE)
            self._process.poll()
        self._release_slot()

    def _release_slot(self) -> None:
        if self._holding and not self.running:
            self._holding = False
            self._slots.release()

    def _read_frames(self, frames: Connection) -> None:
        """Take frames as they come; twice a second, also be the idle watchdog (nobody reads, no frames)."""
        while True:
            try:
                if frames.poll(0.5):
                    seq, snap = frames.recv()
                    with self._want_lock:
                        self._wanted_at = None
                    self._take(seq, snap)
            except (EOFError, OSError):
                if frames is self._frames:
                    self._lost()
                return
            if not self.running:
                self._release_slot()
            elif time.monotonic() - self._last_read > self.idle_timeout_s and not self._idle_pausing:
                self._idle_pausing = True
                threading.Thread(target=self.pause, args=(f"paused: nobody watched for {self.idle_timeout_s:g} s",),
                                 daemon=True).start()


def _child_main(address: str) -> None:
    key = bytes.fromhex(os.environ.pop(_AUTH_ENV))
    commands = Client(address, family="AF_UNIX", authkey=key)
    frames = Client(address, family="AF_UNIX", authkey=key)
    _serve(commands, frames)


if __name__ == "__main__":
    _child_main(sys.argv[1])
