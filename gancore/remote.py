"""The run-handle methods a remote transport only forwards: one copy for a child process and a Ray actor.

A transport that carries a Runner elsewhere (gancore/procrunner.py, gancore/rayrunner.py) says how
to send a call (`_call`, None once the far side is gone), how to start a new far side (`_attach`)
and keeps the latest frame in `_snapshot`; everything else of the interface is the same forwarding.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from gancore.config import TrainConfig
from gancore.runner import EXPORT_FRAMES
from gancore.snapshot import RunState, Snapshot, frozen


class RemoteRun:
    """Forwards the run-handle interface (gancore/run.py) to a Runner on the far side."""

    _snapshot: Snapshot
    _closed: bool
    _gone: bool
    _speed: float | None

    def _call(self, name: str, *args: Any) -> Any:       # the Runner method's answer; None once gone
        raise NotImplementedError

    def _attach(self, config: TrainConfig) -> None:      # a new far side, running `config`
        raise NotImplementedError

    @property
    def _live(self) -> bool:
        return not self._closed and not self._gone

    # ---- reading ----------------------------------------------------------------------------
    def latest(self) -> Snapshot:
        return self._snapshot

    def trained_steps(self) -> int:
        steps = self._call("trained_steps")
        return self._snapshot.step if steps is None else steps

    def recorded_steps(self) -> np.ndarray:
        steps = self._call("recorded_steps")
        return np.array([self._snapshot.step]) if steps is None else steps

    def frame_at(self, step: int) -> Snapshot:
        frame = self._call("frame_at", step)
        return self._snapshot if frame is None else frozen(frame)

    def recording(self, max_frames: int = EXPORT_FRAMES) -> list[Snapshot]:
        frames = self._call("recording", max_frames)
        return [self._snapshot] if frames is None else [frozen(f) for f in frames]

    @property
    def config(self) -> TrainConfig:
        return self._call("config") if self._live else self._snapshot.config

    @property
    def running(self) -> bool:
        return self._live and self._snapshot.state is RunState.RUNNING

    @property
    def max_steps_per_s(self) -> float | None:
        return self._speed

    @max_steps_per_s.setter
    def max_steps_per_s(self, value: float | None) -> None:
        self._speed = value
        self._call("set_speed", value)

    # ---- commands ---------------------------------------------------------------------------
    def play(self) -> None:
        if self._live and not self._snapshot.failed:
            self._call("play")

    def pause(self, state: RunState = RunState.PAUSED, detail: str = "") -> None:
        self._call("pause", state, detail)

    def step(self, kind: str = "iteration", n: int = 1) -> None:
        self._call("step", kind, n)

    def update(self, config: TrainConfig) -> bool:
        return bool(self._call("update", config))

    def reset(self, config: TrainConfig | None = None) -> None:
        if self._gone and not self._closed:              # the far side ended: a new one takes over
            self._attach((config or self._snapshot.config).validate())
            return
        self._call("reset", config)
