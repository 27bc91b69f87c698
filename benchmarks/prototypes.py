"""Prototypes of engine changes, built on gancore's classes so the benchmarks can measure them.

Nothing here is used by the app: each prototype is a suggestion for gancore, with its effect
measured by `python -m benchmarks.proposals`.
"""
from __future__ import annotations

import functools

import torch

from gancore.trainer import Trainer


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
