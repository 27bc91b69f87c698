"""Immutable snapshots of a run: everything the app draws, as read-only numpy arrays."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gancore.config import TrainConfig

METRIC_NAMES: tuple[str, ...] = ("js", "kl", "w1", "modes", "hq")


class RunState(enum.Enum):
    """Where a run stands. Code tests these; people read `Snapshot.status` (the state and its detail)."""

    PAUSED = "paused"
    RUNNING = "running"
    IDLE = "paused"                   # paused by the server: nobody watched
    DIVERGED = "diverged"             # NaN or Inf, or every sample left the data for good
    FAILED = "error"                  # a step raised
    LOST = "lost"                     # the process that carried the run ended

    def __new__(cls, text: str):
        obj = object.__new__(cls)
        obj._value_ = len(cls.__members__)      # distinct members even where the words are alike
        obj.text = text
        return obj

    @property
    def failed(self) -> bool:
        """The run cannot go on without a reset; its picture is its last good frame."""
        return self in (RunState.DIVERGED, RunState.FAILED, RunState.LOST)


@dataclass(frozen=True)
class Snapshot:
    """One frame of a run. Arrays are read-only; building a figure never touches live tensors."""

    step: int                                   # iterations of Algorithm 1 done
    state: RunState                             # with `detail` below, the words people read (`status`)
    steps_per_s: float                          # training speed over the last second or so
    config: TrainConfig
    target_label: str
    extent: tuple[float, float, float, float]   # (xmin, xmax, ymin, ymax), fixed for the run
    real: np.ndarray                            # (n, 2) a fixed real sample
    fake: np.ndarray                            # (n, 2) G(z) for a fixed z
    g_field: np.ndarray                         # (n, 2) -dL_G/dx at each fake: the direction that most lowers G's
                                                #   loss for that point; G's parameter step moves points only roughly so
    grid_x: np.ndarray                          # (g,) grid coordinates of the surfaces
    grid_y: np.ndarray                          # (g,)
    d_surface: np.ndarray                       # (g, g) D's readout, rows along y
    surface_probability: bool                   # d_surface is D(x) in (0, 1), else a score
    equilibrium: float | None                   # the readout at the optimum (1/2), if the loss has one
    optimal_d: np.ndarray | None                # (g, g) D* = p_data/(p_data+p_g), both KDE-smoothed, NaN off-support; mixtures
    manifold: np.ndarray                        # (r, c, 2) G over a grid of z; c == 1 for 1-D noise
    centers: np.ndarray | None                  # (m, 2) mixture modes
    metrics: dict[str, float | None]            # latest METRIC_NAMES values
    history: dict[str, np.ndarray] = field(repr=False)          # per-iteration stats, see History
    metric_history: dict[str, np.ndarray] = field(repr=False)   # METRIC_NAMES over steps
    frame: int = 0                              # serial number of the picture; with_state keeps it
    detail: str = ""                            # for people: "at step 4 (loss_d = nan)", "nobody watched for 10 s"
    events: tuple[tuple[int, str], ...] = ()    # (step, "d_lr 0.001 → 0.01"): live setting changes, for chart marks
    surface_range: tuple[float, float] = (0.0, 1.0)   # colour range of d_surface: [0, 1] for D(x), else from
                                                      #   D's scores at the shown points (views.ScoreScale)
    optimal_d_bandwidth: float | None = None    # bandwidth h of the Gaussian KDE of p_g behind optimal_d
    mode_occupancy: np.ndarray | None = field(default=None, repr=False)   # (r, m) fraction of fakes nearest each
                                                #   mode, at metric_history["step"]; mixtures only
    metric_floor: dict[str, float | None] = field(default_factory=dict)  # METRIC_NAMES between two real samples:
                                                #   what a perfect G would score (the sampling floor), None if n/a
    # A 1D target (dim 1): real, fake, g_field are (n, 1), centers (m, 1), manifold (r, 1, 1); grid_x, grid_y and
    # d_surface are empty and optimal_d None; the curves below are set instead (None in 2D).
    dim: int = 2                                # the target's dimension: 2 (the plane) or 1 (the line)
    line_x: np.ndarray | None = None            # (g,) even x grid over extent[:2]
    line_p_data: np.ndarray | None = None       # (g,) p_data(x), the target's closed-form density
    line_p_g: np.ndarray | None = None          # (g,) Gaussian KDE of the fakes, bandwidth line_bandwidth (Scott's rule)
    line_d: np.ndarray | None = None            # (g,) D's readout at x (its range: surface_range)
    line_d_star: np.ndarray | None = None       # (g,) D* = p_data/(p_data+p_g), both KDE-smoothed; NaN off the supports
    line_bandwidth: float | None = None         # h of that KDE
    line_z: np.ndarray | None = None            # (k,) z at the prior's quantiles (i + 1/2)/k: the z -> x map
    line_gz: np.ndarray | None = None           # (k,) G(z) for each
    line_push: np.ndarray | None = None         # (k,) -dL_G/dx at each G(z): the way G's loss pushes that fake

    @property
    def key(self) -> str:
        """Changes whenever what a viewer would draw changes: a new picture or a new state line."""
        return f"{self.frame}:{self.step}:{self.state.name}:{self.detail}"

    @property
    def diverged(self) -> bool:
        return self.state is RunState.DIVERGED

    @property
    def failed(self) -> bool:
        return self.state.failed

    @property
    def status(self) -> str:
        """The state in words, with its detail: "diverged at step 4 (loss_d = nan)"."""
        return f"{self.state.text} {self.detail}".strip()

    @property
    def rate(self) -> str:
        """The training speed in words, one text for every place that shows it."""
        return f"{self.steps_per_s:,.0f} it/s" if self.state is RunState.RUNNING else "not training"

    def with_state(self, state: RunState, detail: str = "", steps_per_s: float | None = None) -> "Snapshot":
        """The same frame with a new state (e.g. paused, diverged): arrays are shared."""
        return dataclasses.replace(self, state=state, detail=detail,
                                   steps_per_s=self.steps_per_s if steps_per_s is None else steps_per_s)

    def last(self) -> dict[str, Any]:
        """Latest per-iteration stats and metrics, as plain floats (NaN -> None)."""
        out: dict[str, Any] = {n: _num(a[-1]) if len(a) else None for n, a in self.history.items() if n != "step"}
        out.update(self.metrics)
        return out


def _num(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def frozen(snap: Snapshot) -> Snapshot:
    """The same snapshot with every array read-only again (unpickling makes arrays writeable)."""
    for f in dataclasses.fields(snap):
        value = getattr(snap, f.name)
        arrays = value.values() if isinstance(value, dict) else [value]
        for a in arrays:
            if isinstance(a, np.ndarray):
                a.flags.writeable = False
    return snap


def readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a
