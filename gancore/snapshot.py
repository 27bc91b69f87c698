"""Immutable snapshots of a run: everything the app draws, as read-only numpy arrays."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gancore.config import TrainConfig

METRIC_NAMES: tuple[str, ...] = ("js", "kl", "w1", "modes", "hq")


@dataclass(frozen=True)
class Snapshot:
    """One frame of a run. Arrays are read-only; building a figure never touches live tensors."""

    step: int                                   # iterations of Algorithm 1 done
    state: str                                  # "running", "paused", "diverged at step N (...)", ...
    steps_per_s: float                          # training speed over the last second or so
    config: TrainConfig
    target_label: str
    extent: tuple[float, float, float, float]   # (xmin, xmax, ymin, ymax), fixed for the run
    real: np.ndarray                            # (n, 2) a fixed real sample
    fake: np.ndarray                            # (n, 2) G(z) for a fixed z
    g_field: np.ndarray                         # (n, 2) -dL_G/dx at each fake: where G pushes it
    grid_x: np.ndarray                          # (g,) grid coordinates of the surfaces
    grid_y: np.ndarray                          # (g,)
    d_surface: np.ndarray                       # (g, g) D's readout, rows along y
    surface_probability: bool                   # d_surface is D(x) in (0, 1), else a score
    equilibrium: float | None                   # the readout at the optimum (1/2), if the loss has one
    optimal_d: np.ndarray | None                # (g, g) D* = p_data/(p_data+p_g), NaN off-support; mixtures only
    manifold: np.ndarray                        # (r, c, 2) G over a grid of z; c == 1 for 1-D noise
    centers: np.ndarray | None                  # (m, 2) mixture modes
    metrics: dict[str, float | None]            # latest METRIC_NAMES values
    history: dict[str, np.ndarray] = field(repr=False)          # per-iteration stats, see History
    metric_history: dict[str, np.ndarray] = field(repr=False)   # METRIC_NAMES over steps
    frame: int = 0                              # serial number of the picture; with_state keeps it

    @property
    def key(self) -> str:
        """Changes whenever what a viewer would draw changes: a new picture or a new state line."""
        return f"{self.frame}:{self.step}:{self.state}"

    @property
    def diverged(self) -> bool:
        return self.state.startswith("diverged")

    @property
    def failed(self) -> bool:
        return self.diverged or self.state.startswith("error")

    def with_state(self, state: str, steps_per_s: float | None = None) -> "Snapshot":
        """The same frame with a new state line (e.g. paused, diverged): arrays are shared."""
        return dataclasses.replace(self, state=state,
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
