"""The GAN training loop a user would write by hand in plain PyTorch: the engine's yardstick.

Same target sampler, MLP shapes, batch size, k and Adam settings as a Trainer built from the same
TrainConfig, but written the textbook way: PyTorch's default Adam (not fused), BCEWithLogitsLoss,
separate D(real) and D(fake) passes, and `.item()` on both losses every iteration for logging.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gancore.config import TrainConfig
from gancore.targets import make_target


def mlp(n_in: int, n_out: int, layers: int, width: int) -> nn.Sequential:
    """Linear+ReLU hidden layers, a linear output: what `gancore.nets.make_mlp` builds for relu."""
    sizes = [n_in] + [width] * layers + [n_out]
    modules: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*modules[:-1])     # no ReLU after the output layer


class HandLoop:
    """Nets, optimisers and data of one hand-written GAN; `step()` is one iteration."""

    def __init__(self, config: TrainConfig, seed: int = 0):
        torch.manual_seed(seed)
        c = config
        self.batch, self.noise_dim, self.k = c.batch_size, c.noise_dim, c.d_steps
        self.target = make_target(c.target, c.target_params())
        self.rng = np.random.default_rng(seed)
        self.G = mlp(c.noise_dim, 2, c.g_layers, c.g_width)
        self.D = mlp(2, 1, c.d_layers, c.d_width)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()
        self.last_losses = (float("nan"), float("nan"))

    def step(self) -> None:
        # k discriminator steps, each on a fresh real batch and fresh fakes
        for _ in range(self.k):
            real = torch.from_numpy(self.target.sample(self.batch, self.rng))
            fake = self.G(torch.randn(self.batch, self.noise_dim)).detach()
            self.opt_d.zero_grad()
            out_real, out_fake = self.D(real), self.D(fake)
            loss_d = (self.bce(out_real, torch.ones_like(out_real))
                      + self.bce(out_fake, torch.zeros_like(out_fake)))
            loss_d.backward()
            self.opt_d.step()
        # one generator step, non-saturating: G wants D to call its fakes real
        self.opt_g.zero_grad()
        out = self.D(self.G(torch.randn(self.batch, self.noise_dim)))
        loss_g = self.bce(out, torch.ones_like(out))
        loss_g.backward()
        self.opt_g.step()
        # read back for logging, as a user printing or plotting the losses would
        self.last_losses = (loss_d.item(), loss_g.item())
