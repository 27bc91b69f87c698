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
    d_latex: str                                 # D's own objective, as D minimises it (penalties: d_objective_latex)
    g_latex: str                                 # G's objective, as G minimises it
    d_star: bool                                 # for a fixed G, D's optimum is D* = p_data / (p_data + p_g)
    middle: float | None                         # the readout that means "can't tell" (white); None: only differences count


def _bce_d(real: Tensor, fake: Tensor) -> Tensor:
    # -E log D(x) - E log(1 - D(G(z))): minus V(D, G), so minimising it is Algorithm 1's ascent.
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _identity(s: Tensor) -> Tensor:
    return s


_D_BCE = r"-\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]"

LOSSES: dict[str, Loss] = {
    "minimax": Loss(
        label="Minimax (saturating; the paper's zero-sum game)",
        d_loss=_bce_d,
        # G minimises E log(1 - D(G(z))) = -E softplus(s): flat when D(G(z)) -> 0.
        g_loss=lambda fake: -F.softplus(fake).mean(),
        readout=torch.sigmoid, equilibrium=0.5, probability=True, default_gp=0.0,
        d_latex=_D_BCE, g_latex=r"\mathbb{E}_z[\log(1 - D(G(z)))]", d_star=True, middle=0.5,
    ),
    "nonsaturating": Loss(
        # G no longer minimises what D maximises: a practical fix, not a zero-sum game.
        label="Non-saturating (the paper's practical G loss; not zero-sum)",
        d_loss=_bce_d,
        g_loss=lambda fake: F.softplus(-fake).mean(),
        readout=torch.sigmoid, equilibrium=0.5, probability=True, default_gp=0.0,
        d_latex=_D_BCE, g_latex=r"-\mathbb{E}_z[\log D(G(z))]", d_star=True, middle=0.5,
    ),
    "lsgan": Loss(
        label="Least squares (Mao et al. 2017)",
        # a=0, b=1, c=1: the optimal D is again p_data / (p_data + p_g), so 1/2 at equilibrium.
        d_loss=lambda real, fake: 0.5 * ((real - 1).square().mean() + fake.square().mean()),
        g_loss=lambda fake: 0.5 * (fake - 1).square().mean(),
        readout=_identity, equilibrium=0.5, probability=False, default_gp=0.0,
        d_latex=r"\tfrac12\mathbb{E}_x[(D(x)-1)^2] + \tfrac12\mathbb{E}_z[D(G(z))^2]",
        g_latex=r"\tfrac12\mathbb{E}_z[(D(G(z))-1)^2]", d_star=True, middle=0.5,
    ),
    "hinge": Loss(
        label="Hinge (Lim & Ye 2017; Miyato et al. 2018)",
        d_loss=lambda real, fake: F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
        g_loss=lambda fake: -fake.mean(),
        readout=_identity, equilibrium=None, probability=False, default_gp=0.0,
        d_latex=r"\mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]",
        g_latex=r"-\mathbb{E}_z[D(G(z))]", d_star=False, middle=0.0,   # optimum +-1: the sign of p_data - p_g
    ),
    "wgan-gp": Loss(
        label="Wasserstein with gradient penalty (Gulrajani et al. 2017)",
        d_loss=lambda real, fake: fake.mean() - real.mean(),
        g_loss=lambda fake: -fake.mean(),
        readout=_identity, equilibrium=None, probability=False, default_gp=10.0,
        d_latex=r"\mathbb{E}_z[D(G(z))] - \mathbb{E}_x[D(x)]",
        g_latex=r"-\mathbb{E}_z[D(G(z))]", d_star=False, middle=None,  # a critic: only differences of its score count
    ),
}


# The penalties either loss may carry, in the same notation as the settings (gp_weight, r1_weight).
GP_LATEX = r"\lambda\,\mathbb{E}_{\hat x}[(\|\nabla D(\hat x)\|-1)^2]"
R1_LATEX = r"\tfrac{\gamma}{2}\,\mathbb{E}_x[\|\nabla_x D(x)\|^2]"


def d_objective_latex(loss: str, gp_weight: float | None = None, r1_weight: float = 0.0) -> str:
    """The whole objective D minimises: its loss plus the penalties that are on, with their weights.

    gp_weight None means the loss's own default (as in TrainConfig). This is what the recorded
    `loss_d` measures, so the formula and the chart say the same thing.
    """
    each = get_loss(loss)
    gp = each.default_gp if gp_weight is None else gp_weight
    terms, weights = [each.d_latex], []
    if gp > 0:
        terms.append(GP_LATEX)
        weights.append(rf"\lambda = {gp:g}")
    if r1_weight > 0:
        terms.append(R1_LATEX)
        weights.append(rf"\gamma = {r1_weight:g}")
    formula = " + ".join(terms)
    return formula + (r"\quad (" + r",\ ".join(weights) + ")" if weights else "")


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
