"""A bounded record of per-iteration statistics that keeps the whole run at coarser resolution."""
from __future__ import annotations

import math

import numpy as np

# What every iteration may report; a stat an iteration did not compute is NaN in that row.
# loss_d is the whole objective D minimises (its loss plus penalties); d_penalty is the penalties alone.
STAT_NAMES: tuple[str, ...] = ("loss_d", "loss_g", "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "d_penalty")


class History:
    """Rows of (step, stats...), averaged over windows of `stride` iterations.

    When the buffer is full, neighbouring rows are merged pairwise and the stride doubles, so a
    run of any length fits in `capacity` rows and the chart always spans the whole run.
    """

    def __init__(self, names: tuple[str, ...], capacity: int = 2048):
        self.names = names
        self.capacity = capacity - capacity % 2
        self.steps = np.zeros(self.capacity, np.int64)
        self.values = np.full((self.capacity, len(names)), np.nan)
        self.size = 0
        self.stride = 1
        self._sum = np.zeros(len(names))
        self._count = np.zeros(len(names))
        self._pending = 0

    def append(self, step: int, stats: dict[str, float]) -> None:
        for i, name in enumerate(self.names):
            v = stats.get(name, math.nan)
            if not math.isnan(v):
                self._sum[i] += v
                self._count[i] += 1
        self._pending += 1
        if self._pending >= self.stride:
            self._flush(step)

    def _flush(self, step: int) -> None:
        if self.size == self.capacity:
            self._halve()
        self.values[self.size] = np.where(self._count > 0, self._sum / np.maximum(self._count, 1), np.nan)
        self.steps[self.size] = step
        self.size += 1
        self._sum[:], self._count[:], self._pending = 0, 0, 0

    def _halve(self) -> None:
        # Merge rows (0,1), (2,3), ...: each new row is the mean of two windows, stamped with the later step.
        half = self.capacity // 2
        pairs = self.values.reshape(half, 2, -1)
        valid = ~np.isnan(pairs)
        counts, sums = valid.sum(axis=1), np.where(valid, pairs, 0.0).sum(axis=1)
        self.values[:half] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        self.steps[:half] = self.steps[1::2]
        self.values[half:] = np.nan
        self.size = half
        self.stride *= 2

    def frozen(self) -> dict[str, np.ndarray]:
        """A read-only copy: {"step": (n,), name: (n,) ...}."""
        out = {"step": self.steps[:self.size].copy()}
        out.update({n: self.values[:self.size, i].copy() for i, n in enumerate(self.names)})
        for a in out.values():
            a.flags.writeable = False
        return out
