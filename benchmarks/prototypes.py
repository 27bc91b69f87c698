"""Prototypes of engine changes, built on gancore's classes so the benchmarks can measure them.

Nothing here is used by the app: each prototype is a suggestion for gancore, with its effect
measured by `python -m benchmarks.proposals`.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import torch

from gancore import metrics
from gancore.losses import LOSSES
from gancore.snapshot import Snapshot, readonly
from gancore.trainer import Trainer
from gancore.views import GRID, JS_BINS, Probe

W1_DIRECTIONS = 64       # as gancore.metrics.sliced_w1's default


class DirectClearTrainer(Trainer):
    """A Trainer whose optimisers clear gradients by setting `p.grad = None` themselves.

    `Optimizer.zero_grad(set_to_none=True)` ends in the same state, but through a profiler range
    and per-group bookkeeping that cost more than the loop over six parameters it replaces.
    """

    def __init__(self, config):
        super().__init__(config)
        for opt in (self.opt_d, self.opt_g):
            opt.zero_grad = functools.partial(_clear, [p for g in opt.param_groups for p in g["params"]])


def _clear(params: list[torch.nn.Parameter], set_to_none: bool = True) -> None:
    for p in params:
        p.grad = None


class LeanProbe(Probe):
    """A Probe whose frames without metrics do only what the frame shows.

    1. Frames without metrics run G on the 512 shown z (the first of the 2500 metric z, so the
       points are the same ones), not on all 2500, and keep the last D* (a density estimate,
       refreshed with the metrics, every 0.5 s in the app).
    2. The G-field reuses that G pass instead of running G on the shown z a second time.
    3. Sliced W1 sorts the fixed real sample's projections once per run, not once per frame, and
       with as many fakes as reals uses mean |sorted a - sorted b|, the same number exactly.
    """

    def __init__(self, trainer: Trainer):
        super().__init__(trainer)
        angles = np.pi * np.arange(W1_DIRECTIONS) / W1_DIRECTIONS
        self._directions = np.stack([np.cos(angles), np.sin(angles)])            # (2, K)
        self._real_sorted = np.sort(self.real_eval.astype(np.float64) @ self._directions, axis=0)
        self._optimal: np.ndarray | None = None

    def snapshot(self, t: Trainer, state: str, steps_per_s: float, with_metrics: bool = True) -> Snapshot:
        if with_metrics or self._optimal is None:
            snap = super().snapshot(t, state, steps_per_s, with_metrics)
            self._optimal = snap.optimal_d
            return snap
        loss = LOSSES[t.config.loss]
        with torch.no_grad():
            fake = t.G(self.z_shown)
            surface = loss.readout(t.scores(self.grid)).reshape(GRID, GRID)
            manifold = t.G(self.z_manifold).reshape(*self.manifold_shape, 2)
        return Snapshot(
            step=t.step, state=state, steps_per_s=steps_per_s, config=t.config,
            target_label=t.target.label, extent=self.extent, real=self.real,
            fake=readonly(fake.cpu().numpy()), g_field=readonly(self._field_at(t, fake)),
            grid_x=readonly(self.grid_x), grid_y=readonly(self.grid_y),
            d_surface=readonly(surface.cpu().numpy()), surface_probability=loss.probability,
            equilibrium=loss.equilibrium, optimal_d=self._optimal,
            manifold=readonly(manifold.cpu().numpy()), centers=t.target.centers,
            metrics=dict(self.latest_metrics), history=t.history.frozen(),
            metric_history=self.metric_history.frozen(),
        )

    def _field_at(self, t: Trainer, fake: torch.Tensor) -> np.ndarray:
        x = fake.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(LOSSES[t.config.loss].g_loss(t.scores(x)) * len(x), x)
        return (-grad).cpu().numpy()

    def _measure(self, t: Trainer, fake: np.ndarray) -> None:
        m: dict[str, float | None] = {
            "js": metrics.js_divergence(self.real_eval, fake, self.extent, bins=JS_BINS),
            "kl": metrics.kl_divergence(self.real_eval, fake, self.extent, bins=JS_BINS),
            "w1": self.sliced_w1(fake), "modes": None, "hq": None,
        }
        if t.target.is_mixture:
            modes, hq = metrics.mode_stats(fake, t.target.centers, t.target.std)
            m["modes"], m["hq"] = float(modes), hq
        self.latest_metrics = m
        self.metric_history.append(t.step, {k: (math.nan if v is None else v) for k, v in m.items()})

    def sliced_w1(self, fake: np.ndarray) -> float:
        """metrics.sliced_w1(self.real_eval, fake), with the real side's sorting done once."""
        fake_sorted = np.sort(np.asarray(fake, np.float64) @ self._directions, axis=0)
        if len(fake_sorted) == len(self._real_sorted):
            return float(np.abs(self._real_sorted - fake_sorted).mean())
        return float(metrics._w1_sorted(self._real_sorted, fake_sorted).mean())

