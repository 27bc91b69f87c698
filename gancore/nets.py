"""The two networks: plain MLPs for the generator and the discriminator."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


def make_mlp(n_in: int, n_out: int, layers: int, width: int, activation: str,
             generator: torch.Generator) -> nn.Sequential:
    """An MLP with `layers` hidden layers of `width` units, initialised from `generator` alone."""
    sizes = [n_in] + [width] * layers + [n_out]
    modules: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(_linear(a, b, generator))
        if i < len(sizes) - 2:
            modules.append(ACTIVATIONS[activation]())
    return nn.Sequential(*modules)


def _linear(n_in: int, n_out: int, generator: torch.Generator) -> nn.Linear:
    # PyTorch's default init (Kaiming-uniform, a=sqrt(5)) drawn from our generator, so that the
    # same seed gives the same weights whatever else has touched the global RNG.
    layer = nn.Linear(n_in, n_out)
    bound = 1.0 / n_in ** 0.5
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer
