"""The registry of GAN objectives, each written on D's raw outputs (logits) for numerical stability.

Every loss is a pair of quantities to *minimise*: the discriminator's and the generator's.
D's raw output `s` is a logit for the sigmoid losses, so D(x) = sigmoid(s), and
    -log D(x)      = softplus(-s)
    -log(1 - D(x)) = softplus(s)
which stay finite where log(sigmoid(s)) would round to log(0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


@dataclass(frozen=True)
class Loss:
    """One objective: D's and G's losses from raw outputs, and how to read D's output."""

    label: str
    d_loss: Callable[[Tensor, Tensor], Tensor]   # (real scores (B,), fake scores (B,)) -> scalar
    g_loss: Callable[[Tensor], Tensor]           # fake scores (B,) -> scalar
    readout: Callable[[Tensor], Tensor]          # raw score -> what the UI shows as "D(x)"
    equilibrium: float | None                    # the readout's value everywhere at the optimum, if any
    probability: bool                            # readout is a probability in (0, 1)
    default_gp: float                            # gradient-penalty weight when the config leaves it empty
    d_latex: str                                 # D's objective, as D minimises it
    g_latex: str                                 # G's objective, as G minimises it


def _bce_d(real: Tensor, fake: Tensor) -> Tensor:
    # -E log D(x) - E log(1 - D(G(z))): minus V(D, G), so minimising it is Algorithm 1's ascent.
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _identity(s: Tensor) -> Tensor:
    return s


_D_BCE = r"-\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]"

LOSSES: dict[str, Loss] = {
    "minimax": Loss(
        label="Minimax (saturating, the paper's zero-sum game)",
        d_loss=_bce_d,
        # G minimises E log(1 - D(G(z))) = -E softplus(s): flat when D(G(z)) -> 0.
        g_loss=lambda fake: -F.softplus(fake).mean(),
        readout=torch.sigmoid, equilibrium=0.5, probability=True, default_gp=0.0,
        d_latex=_D_BCE, g_latex=r"\mathbb{E}_z[\log(1 - D(G(z)))]",
    ),
    "nonsaturating": Loss(
        label="Non-saturating (the paper's practical G loss)",
        d_loss=_bce_d,
        g_loss=lambda fake: F.softplus(-fake).mean(),
        readout=torch.sigmoid, equilibrium=0.5, probability=True, default_gp=0.0,
        d_latex=_D_BCE, g_latex=r"-\mathbb{E}_z[\log D(G(z))]",
    ),
    "lsgan": Loss(
        label="Least squares (Mao et al. 2017)",
        # a=0, b=1, c=1: the optimal D is again p_data / (p_data + p_g), so 1/2 at equilibrium.
        d_loss=lambda real, fake: 0.5 * ((real - 1).square().mean() + fake.square().mean()),
        g_loss=lambda fake: 0.5 * (fake - 1).square().mean(),
        readout=_identity, equilibrium=0.5, probability=False, default_gp=0.0,
        d_latex=r"\tfrac12\mathbb{E}_x[(D(x)-1)^2] + \tfrac12\mathbb{E}_z[D(G(z))^2]",
        g_latex=r"\tfrac12\mathbb{E}_z[(D(G(z))-1)^2]",
    ),
    "hinge": Loss(
        label="Hinge (Lim & Ye 2017; Miyato et al. 2018)",
        d_loss=lambda real, fake: F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
        g_loss=lambda fake: -fake.mean(),
        readout=_identity, equilibrium=None, probability=False, default_gp=0.0,
        d_latex=r"\mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]",
        g_latex=r"-\mathbb{E}_z[D(G(z))]",
    ),
    "wgan-gp": Loss(
        label="Wasserstein with gradient penalty (Gulrajani et al. 2017)",
        d_loss=lambda real, fake: fake.mean() - real.mean(),
        g_loss=lambda fake: -fake.mean(),
        readout=_identity, equilibrium=None, probability=False, default_gp=10.0,
        d_latex=r"\mathbb{E}_z[D(G(z))] - \mathbb{E}_x[D(x)] + \lambda\,\mathbb{E}_{\hat x}[(\|\nabla D(\hat x)\|-1)^2]",
        g_latex=r"-\mathbb{E}_z[D(G(z))]",
    ),
}


def get_loss(key: str) -> Loss:
    try:
        return LOSSES[key]
    except KeyError:
        raise KeyError(f"unknown loss {key!r}; choose one of {', '.join(LOSSES)}") from None


def gradient_penalty(d: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, eps: Tensor) -> Tensor:
    """E(‖∇D(x̂)‖ - 1)² at x̂ = eps·real + (1-eps)·fake, eps ~ U(0,1) per sample, shape (B, 1)."""
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x_hat).sum(), x_hat, create_graph=True)
    return (grad.norm(dim=1) - 1).square().mean()


def r1_penalty(d: Callable[[Tensor], Tensor], real: Tensor) -> Tensor:
    """½ E‖∇D(x)‖² on real data; the config's γ multiplies it (Mescheder et al. 2018)."""
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x).sum(), x, create_graph=True)
    return 0.5 * grad.square().sum(dim=1).mean()
