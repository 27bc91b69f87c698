"""The registry of noise priors p_z that the generator maps into data space."""
from __future__ import annotations

import math
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

# Each prior's quantile function (inverse CDF) of one coordinate: u in (0, 1) -> z. Evenly spaced u
# give z spread as the prior is (even steps for the uniform prior), as the 1D view's z -> x map needs.
NOISE_QUANTILE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gaussian": lambda u: math.sqrt(2.0) * torch.special.erfinv(2 * u - 1),
    "uniform": lambda u: 2 * u - 1,
}


def noise_quantiles(noise: str, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """z at the prior's n quantiles (i + 1/2) / n, i = 0..n-1: (n, 1), increasing. A deterministic
    sample of a 1D prior: each z stands for the same share 1/n of p_z, with no sampling noise."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return NOISE_QUANTILE[noise](u).to(torch.float32)[:, None].to(device)
