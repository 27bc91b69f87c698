"""A Runner in a process of its own, so that two runs train side by side without sharing Python's GIL.

Two Runner threads in one process share one interpreter lock: on two cores each ran at 0.51x of
its speed alone, against 0.97x for two processes (`python -m benchmarks.run --only compare`). This class
has the Runner's interface; the run lives in a child Python process started with
`python -m gancore.procrunner` (not multiprocessing's spawn, which re-runs the parent's main
script: under Streamlit that is the app itself; not fork: the parent is a threaded server), and
commands and snapshots travel over two authenticated local sockets. It only carries calls and
frames: the server's slot cap and idle pause wrap it like any run (gancore/run.py's Supervised).
Starting a child costs about two seconds (Python and torch); `Spares` keeps children started
ahead, so that compare mode's two runs are there at once.
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
from gancore.remote import RemoteRun
from gancore.runner import UNWATCHED_S, Runner
from gancore.snapshot import RunState, Snapshot, frozen

_WAIT_S = 0.01          # the child's longest wait for a command, a frame request or a new frame
_AUTH_ENV = "GAN_PLAYGROUND_RUN_KEY"
_GONE = "(its process ended unexpectedly; press Reset)"


def _set_speed(runner: Runner, value: float | None) -> None:
    runner.max_steps_per_s = value


# What the parent may ask of the child's Runner: nothing else is ever called.
COMMANDS = {
    "play": Runner.play, "pause": Runner.pause, "step": Runner.step, "update": Runner.update,
    "reset": Runner.reset, "close": Runner.close, "config": lambda runner: runner.config,
    "trained_steps": Runner.trained_steps, "set_speed": _set_speed,
    "recorded_steps": Runner.recorded_steps, "frame_at": Runner.frame_at, "recording": Runner.recording,
}


def _serve(commands: Connection, frames: Connection) -> None:
    """The child: one Runner; answer commands, and send a new frame each time the parent asks.

    Frames on demand, as the Runner publishes them: the parent's read of a frame asks for the next
    (one byte on the frame socket), so a watched run sends each frame once and an unwatched one none.
    """
    try:
        config, options = commands.recv()      # a spare child waits here, torch loaded, until it is used
    except (EOFError, OSError):
        return                                 # the parent went away before using it
    runner = Runner(config, **options)
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


class _Child:
    """A started child process and its two sockets, waiting for the config of the run it will carry."""

    def __init__(self):
        key = secrets.token_bytes(16)
        with Listener(family="AF_UNIX", authkey=key) as listener:
            env = {**os.environ, _AUTH_ENV: key.hex(),
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                               os.environ.get("PYTHONPATH")]))}
            self.process = subprocess.Popen([sys.executable, "-m", "gancore.procrunner", listener.address],
                                            env=env, stdin=subprocess.DEVNULL)
            self.commands, self.frames = listener.accept(), listener.accept()

    def close(self) -> None:
        for conn in (self.commands, self.frames):
            conn.close()                        # a waiting child sees EOF and exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Spares:
    """Children started ahead of need, so a ProcessRunner starts in milliseconds, not seconds."""

    def __init__(self, count: int, delay_s: float = 0.0):
        self.count = count
        self._ready: list[_Child] = []
        self._lock = threading.Lock()
        self._closed = False
        self.refill(delay_s)

    def take(self) -> "_Child | None":
        """A started child, or None if none is ready yet (the caller starts its own); refills behind."""
        with self._lock:
            child = self._ready.pop() if self._ready else None
        self.refill()
        return child

    def refill(self, delay_s: float = 0.0) -> None:
        threading.Thread(target=self._fill, args=(delay_s,), name="gan-spares", daemon=True).start()

    def _fill(self, delay_s: float) -> None:
        time.sleep(delay_s)
        with self._lock:
            missing = 0 if self._closed else self.count - len(self._ready)
        for _ in range(missing):
            child = _Child()
            with self._lock:
                if self._closed or len(self._ready) >= self.count:
                    child.close()
                    return
                self._ready.append(child)

    def close(self) -> None:
        with self._lock:
            self._closed, ready, self._ready = True, self._ready, []
        for child in ready:
            child.close()


class ProcessRunner(RemoteRun):
    """The run-handle interface (gancore/run.py), with the run in a child process.

    Like the Runner, no method raises a training error; a child that dies (killed from outside)
    leaves the last frame in the LOST state, and reset() starts a new child.
    """

    def __init__(self, config: TrainConfig, *, publish_every_s: float = 0.1, metrics_every_s: float = 1.0,
                 spares: Spares | None = None):
        self._options = {"publish_every_s": publish_every_s, "metrics_every_s": metrics_every_s}
        self._lock, self._seq_lock, self._want_lock = threading.Lock(), threading.Lock(), threading.Lock()
        self._closed, self._closing, self._speed = False, False, None
        self._spares = spares
        self._attach(config.validate())

    def _attach(self, config: TrainConfig) -> None:
        child = (self._spares.take() if self._spares else None) or _Child()
        self._process, self._commands, self._frames = child.process, child.commands, child.frames
        self._commands.send((config, self._options))
        self._gone, self._wanted_at, self._seq = False, None, 0
        self._snapshot: Snapshot = frozen(self._frames.recv()[1])
        if self._speed is not None:
            self._call("set_speed", self._speed)
        threading.Thread(target=self._read_frames, args=(self._frames,), name="gan-run-reader", daemon=True).start()

    # ---- the run-handle interface -----------------------------------------------------------
    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        with self._want_lock:                 # reading this frame asks the child for the next one
            # (asked again after a second without an answer: a request is never lost for good)
            if self._live and (self._wanted_at is None or now - self._wanted_at > 1.0):
                try:
                    self._frames.send_bytes(b"w")
                    self._wanted_at = now
                except OSError:
                    pass
        return self._snapshot

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
        self._commands.close()
        self._frames.close()

    # ---- internals --------------------------------------------------------------------------
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
            self._snapshot = self._snapshot.with_state(RunState.LOST, _GONE, 0.0)
            self._process.poll()

    def _read_frames(self, frames: Connection) -> None:
        """Take frames as they come, until the child's socket closes."""
        while True:
            try:
                seq, snap = frames.recv()
            except (EOFError, OSError):
                if frames is self._frames:
                    self._lost()
                return
            with self._want_lock:
                self._wanted_at = None
            self._take(seq, snap)


def _child_main(address: str) -> int:
    key = bytes.fromhex(os.environ.pop(_AUTH_ENV))
    try:
        commands = Client(address, family="AF_UNIX", authkey=key)
        frames = Client(address, family="AF_UNIX", authkey=key)
    except (OSError, EOFError):
        # The parent went away while this child was starting (a spare started just before the
        # server stopped): nobody to serve, nothing to report.
        return 0
    _serve(commands, frames)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
