"""The registry of noise priors p_z that the generator maps into data space."""
from __future__ import annotations

from typing import Callable

import torch

# Each prior: (n, dim, generator) -> (n, dim) float32 tensor, made on the generator's own device:
# a CUDA generator can only fill CUDA tensors, and drawing there spares a copy. On the CPU the
# numbers are the same as they always were, so a seed still gives the same run.
NOISES: dict[str, Callable[[int, int, torch.Generator], torch.Tensor]] = {
    "gaussian": lambda n, dim, g: torch.randn(n, dim, generator=g, device=g.device),
    "uniform": lambda n, dim, g: torch.rand(n, dim, generator=g, device=g.device) * 2 - 1,   # U(-1, 1)
}

# Range of each prior's first two coordinates for drawing the generator's manifold:
# +-2 std covers 95% of a Gaussian's mass; the uniform prior is bounded.
NOISE_SPAN: dict[str, float] = {"gaussian": 2.0, "uniform": 1.0}
