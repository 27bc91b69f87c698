"""A run's timeline: compact copies of its published frames, thinned as it grows to stay bounded.

Memory: a frame keeps G's 512 fakes and their arrows, the manifold (float32), D's surface and D*
(64 x 64): about 28 KB (36 KB for a score surface, kept as float32), less where D* is the one of
the frame before (it is redrawn once a second), plus ~5 KB of Python objects. At most MAX_FRAMES
(512) frames are kept, 17-21 MB, and never more than MAX_BYTES (25 MB) whatever the shapes.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from gancore.snapshot import Snapshot, readonly

MAX_FRAMES = 512
MAX_BYTES = 25_000_000
FRAME_OBJECTS = 5_000        # bytes of a frame's Python objects (dicts, array headers): measured by tracemalloc
# Snapshot fields that are the same all run long: taken from the base snapshot, never stored.
RUN_FIELDS = frozenset({"target_label", "extent", "real", "grid_x", "grid_y", "centers"})
HISTORIES = frozenset({"history", "metric_history"})   # {"step": (n,), name: (n,)}: cut to the frame's step
ROWS_OF = {"mode_occupancy": "metric_history"}         # arrays with a row per row of that history: cut with it
POINTS = frozenset({"fake", "g_field", "manifold"})    # copied as float32: a dot's position is exact
# Surfaces drawn over [0, 1] (D(x), D*) are copied as float16: within 2^-12 of the value, under a
# 16th of one of the 224 colour steps. A score surface is drawn over a range of its own, maybe far
# from 0, where float16's relative error could show: it stays float32.
SURFACES = {"d_surface": lambda snap: snap.surface_probability, "optimal_d": lambda snap: True}
# Every other field (step, state, config, metrics, ...) is kept as published, by reference: a
# field added to Snapshot later is recorded without a change here.


@dataclass(frozen=True)
class Frame:
    """One recorded frame: the fields of a Snapshot that change between frames, read-only."""

    values: dict[str, Any]          # field name -> value as stored (surfaces maybe float16)
    dtypes: dict[str, np.dtype]     # the surfaces' dtypes as published, restored when read back
    last_rows: dict[str, dict[str, float]]   # each history's newest row when published ("step" included)

    @property
    def step(self) -> int:
        return self.values["step"]

    def arrays(self) -> list[np.ndarray]:
        return [v for v in self.values.values() if isinstance(v, np.ndarray)]


class Timeline:
    """Frames of one run at increasing steps, from its first recorded step to its latest.

    When full, every other frame is dropped (the first is kept) and the spacing it admits new
    frames at doubles, so the frames stay evenly spread over the whole run. The newest frame is
    always kept: one that comes sooner than the spacing after the last kept one replaces the
    previous newest instead of taking a slot. Every method is safe to call from any thread.
    """

    def __init__(self, max_frames: int = MAX_FRAMES, max_bytes: int = MAX_BYTES):
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2, got {max_frames}")
        self.max_frames, self.max_bytes = max_frames, max_bytes
        self._frames: list[Frame] = []
        self._tail = False              # frames[-1] is the newest, kept only until a later one comes
        self._gap = 0.0                 # steps between kept frames once thinned
        self._refs: dict[int, list] = {}   # id(array) -> [frames holding it, its bytes]: shared arrays count once
        self._nbytes = 0
        self._latest: tuple[Snapshot, Frame] | None = None   # the last recorded snapshot and its copy
        self._lock = threading.Lock()

    # ---- recording (the run's thread) -------------------------------------------------------
    def record(self, snap: Snapshot) -> None:
        """Keep a compact copy of snap, unless its step is not after the latest recorded one."""
        with self._lock:
            if self._frames and snap.step <= self._frames[-1].step:
                return
            latest = self._latest
        frame = _pack(snap, latest)     # copies outside the lock: readers never wait on them
        with self._lock:
            if self._frames and snap.step <= self._frames[-1].step:
                return
            self._latest = snap, frame
            if self._tail:              # the previous newest was only a placeholder: replace it
                self._release(self._frames.pop())
            self._make_room(FRAME_OBJECTS + sum(a.nbytes for a in frame.arrays() if id(a) not in self._refs))
            self._tail = bool(self._frames) and snap.step - self._frames[-1].step < self._gap
            self._frames.append(frame)
            self._hold(frame)

    def _hold(self, frame: Frame) -> None:
        for a in frame.arrays():
            ref = self._refs.setdefault(id(a), [0, a.nbytes])
            ref[0] += 1
            self._nbytes += a.nbytes if ref[0] == 1 else 0

    def _release(self, frame: Frame) -> None:
        for a in frame.arrays():
            ref = self._refs[id(a)]
            ref[0] -= 1
            if ref[0] == 0:
                self._nbytes -= ref[1]
                del self._refs[id(a)]

    def _make_room(self, incoming: int) -> None:
        while len(self._frames) >= 2 and (len(self._frames) >= self.max_frames
                                          or self.nbytes + incoming > self.max_bytes):
            for frame in self._frames[1::2]:
                self._release(frame)
            self._frames = self._frames[::2]
            first, last = self._frames[0].step, self._frames[-1].step
            self._gap = (last - first) / max(len(self._frames) - 1, 1)

    # ---- reading (any thread) ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes the kept frames hold: their arrays (one two frames share counts once) and objects."""
        return self._nbytes + FRAME_OBJECTS * len(self._frames)

    def steps(self) -> np.ndarray:
        """The recorded steps, increasing: (n,) int64."""
        with self._lock:
            return readonly(np.array([f.step for f in self._frames], dtype=np.int64))

    def nearest(self, step: int) -> int:
        """The recorded step closest to `step` (the earlier one on a tie); LookupError if empty."""
        return self._frame_near(step)[0].step

    def at(self, step: int, base: Snapshot | None = None) -> Snapshot:
        """The frame published at the recorded step nearest `step`, as a Snapshot.

        The fields of RUN_FIELDS come from `base` (default: the latest recorded snapshot); its
        histories are cut to that step, each ending with the row the frame was published with.
        """
        frame, latest = self._frame_near(step)
        return _unpack(frame, base or latest)

    def replay(self, base: Snapshot | None = None) -> Iterator[Snapshot]:
        """Every frame kept now, in order, as Snapshots (see `at`)."""
        with self._lock:
            if not self._frames:
                return iter(())
            frames, base = tuple(self._frames), base or self._latest[0]
        return (_unpack(f, base) for f in frames)

    def _frame_near(self, step: int) -> tuple[Frame, Snapshot]:
        with self._lock:
            if not self._frames:
                raise LookupError("the timeline has no frames yet")
            steps = [f.step for f in self._frames]
            i = int(np.searchsorted(steps, step))
            if i == len(steps) or (i > 0 and step - steps[i - 1] <= steps[i] - step):
                i -= 1
            return self._frames[i], self._latest[0]


def paired(a: Timeline, b: Timeline, base_a: Snapshot | None = None,
           base_b: Snapshot | None = None) -> Iterator[tuple[Snapshot, Snapshot]]:
    """Two runs' frames side by side: at every step either recorded, each run's nearest frame.

    A run that stopped early (diverged) holds its last frame while the other goes on.
    """
    shown: tuple[int, int] | None = None
    for step in np.union1d(a.steps(), b.steps()):
        pair = (a.nearest(int(step)), b.nearest(int(step)))
        if pair != shown:
            shown = pair
            yield a.at(pair[0], base_a), b.at(pair[1], base_b)


# ---- packing ------------------------------------------------------------------------------------
def _pack(snap: Snapshot, latest: tuple[Snapshot, Frame] | None) -> Frame:
    """The per-frame fields of snap; an array that is the very one of the last recorded snapshot
    (D* between two metric frames) shares that snapshot's stored copy."""
    values: dict[str, Any] = {}
    dtypes = {name: getattr(snap, name).dtype for name in SURFACES if getattr(snap, name, None) is not None}
    for f in dataclasses.fields(snap):
        name, value = f.name, getattr(snap, f.name)
        if name in RUN_FIELDS or name in HISTORIES:
            continue
        if name in ROWS_OF:             # its newest row; the rows before come from the base
            values[name] = None if value is None else readonly(np.array(value[-1:]))
        elif isinstance(value, np.ndarray) and latest is not None and value is getattr(latest[0], name):
            values[name] = latest[1].values[name]
        elif name in POINTS:
            values[name] = readonly(np.array(value, dtype=np.float32))
        elif name in SURFACES and value is not None:
            values[name] = readonly(np.array(value, dtype=np.float16 if SURFACES[name](snap) else np.float32))
        else:
            values[name] = dict(value) if isinstance(value, dict) else value
    last_rows = {name: {k: float(v[-1]) for k, v in getattr(snap, name).items() if len(v)}
                 for name in HISTORIES}
    return Frame(values, dtypes, last_rows)


def _unpack(frame: Frame, base: Snapshot) -> Snapshot:
    values = dict(frame.values)
    for name, dtype in frame.dtypes.items():
        values[name] = readonly(values[name].astype(dtype))
    histories = {name: _cut(getattr(base, name), frame.last_rows[name]) for name in HISTORIES}
    for name, history in ROWS_OF.items():
        newest, rows = values.get(name), getattr(base, name, None)
        if newest is not None and rows is not None:
            before = len(histories[history]["step"]) - len(newest)     # the rows _cut kept of the base
            values[name] = readonly(np.concatenate([rows[:before], newest]))
    return dataclasses.replace(base, **values, **histories)


def _cut(history: dict[str, np.ndarray], last_row: dict[str, float]) -> dict[str, np.ndarray]:
    """The base's rows before the frame's newest row (thinned since, maybe), then that row."""
    if not last_row:
        return {k: v[:0] for k, v in history.items()}
    n = int(np.searchsorted(history["step"], last_row["step"]))
    return {k: readonly(np.append(v[:n], last_row.get(k, np.nan)).astype(v.dtype)) for k, v in history.items()}
