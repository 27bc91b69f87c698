"""The Dirac-GAN of Mescheder, Geiger & Nowozin (2018): the smallest GAN, whose training can cycle.

The data is one point, p_data = δ(0); the generator is one point too, G_θ = δ(θ); the
discriminator is a line through the origin, D_ψ(x) = ψ·x. In the paper's sign convention D
ascends
    V(θ, ψ) = f(D(fake)) + f(−D(real)) = f(ψθ) + f(0),      f(t) = −log(1 + e^−t)  (GAN losses)
                                                           f(t) = t               (WGAN)
(σ(ψx) is then D's belief that x is fake: flipping ψ's sign gives the usual "high on real"
convention and mirrors every picture, while no eigenvalue modulus changes). G descends
    minimax:        f(ψθ)       (V itself: the zero-sum game)
    non-saturating: −f(−ψθ)     (−log D(G(z)) in the usual convention)
    wgan, wgan-gp:  ψθ          (the critic's score of the fake; no weight clipping here)
The unique equilibrium is (θ, ψ) = (0, 0). Everything here is vectorised numpy; no torch.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field as _dc_field
from enum import Enum
from typing import Any, Callable

import numpy as np

from gancore.config import ConfigError, Spec

Array = np.ndarray
# Spectral radii within this of 1 count as 1: a rotation's eigenvalues come out of eigvals as 1 ± 1e-16.
RADIUS_TOLERANCE = 1e-9
# Gauss–Hermite nodes for the instance-noise expectation E_ε[·], ε ~ N(0, σ²). The integrands are
# logistic curves of slope |ψ|σ: the rule's error is below 1e-10 where |ψ|σ ≤ 1, about 2e-6 at 2
# and 7e-4 at 4 (measured against a fine trapezoid rule, as tests/test_dirac.py does at one point).
NOISE_NODES = 24
_Z, _W = np.polynomial.hermite_e.hermegauss(NOISE_NODES)
_W = _W / _W.sum()                      # probabilists' weights sum to √(2π): normalise to a mean
_W.setflags(write=False)


# ---- losses: f, its derivatives, and G's objective --------------------------------------------
def _logistic_slope(t: Array) -> Array:
    # f'(t) = 1/(1 + e^t) = σ(−t), written with tanh so it never overflows.
    return 0.5 * (1.0 - np.tanh(0.5 * t))


def _logistic_curvature(t: Array) -> Array:
    # f''(t) = −σ(t)σ(−t); −1/4 at 0.
    return -0.25 / np.cosh(0.5 * t) ** 2


def _one(t: Array) -> Array:
    return np.ones_like(t)


def _zero(t: Array) -> Array:
    return np.zeros_like(t)


@dataclass(frozen=True)
class DiracLoss:
    """One objective of the Dirac game, through f and G's objective as functions of t = ψθ."""

    label: str
    f_slope: Callable[[Array], Array]       # f'(t): D ascends V = f(ψθ) + f(0)
    f_curvature: Callable[[Array], Array]   # f''(t): at 0 it sets how much instance noise damps D
    g_slope: Callable[[Array], Array]       # d/dt of G's objective at t = ψθ; G descends it
    needs_gp: bool = False                  # only meaningful with a gradient penalty (gp_weight > 0)


DIRAC_LOSSES: dict[str, DiracLoss] = {
    # G descends f(ψθ): d/dt f(t) = f'(t).
    "minimax": DiracLoss("Minimax (saturating): G minimises f(ψθ)", _logistic_slope, _logistic_curvature,
                         _logistic_slope),
    # G descends −f(−ψθ): d/dt[−f(−t)] = f'(−t); the same slope at t = 0, larger where D wins (t > 0).
    "nonsaturating": DiracLoss("Non-saturating: G minimises −f(−ψθ)", _logistic_slope, _logistic_curvature,
                               lambda t: _logistic_slope(-t)),
    "wgan": DiracLoss("Wasserstein, unconstrained critic: f(t) = t", _one, _zero, _one),
    "wgan-gp": DiracLoss("Wasserstein with gradient penalty λ(|ψ| − 1)²", _one, _zero, _one, needs_gp=True),
}


# ---- the field v = (−∂L_G/∂θ, +∂V/∂ψ) ---------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _noise(std: float) -> tuple[float | Array, Array | None]:
    """Offsets ε of the quadrature nodes and their weights; (0, None) without noise: plain scalars.

    Cached: a simulation asks for them twice a step. The arrays are shared, hence read-only.
    """
    if std == 0:
        return 0.0, None
    eps = std * _Z
    eps.setflags(write=False)
    return eps, _W


def _at_nodes(x: Any, weights: Array | None) -> Any:
    # With noise every value gets a trailing axis of quadrature nodes: (...) -> (..., 1).
    return x if weights is None else np.asarray(x, dtype=float)[..., None]


def _mean(values: Any, weights: Array | None) -> Any:
    return values if weights is None else values @ weights


def _g_velocity(cfg: DiracConfig, theta: Any, psi: Any) -> Any:
    """−∂/∂θ of G's objective E_ε g(ψ(θ + ε)): G sees D's score of its noisy sample."""
    eps, w = _noise(cfg.noise_std)
    fake = _at_nodes(theta, w) + eps
    return -psi * _mean(DIRAC_LOSSES[cfg.loss].g_slope(_at_nodes(psi, w) * fake), w)


def _d_velocity(cfg: DiracConfig, theta: Any, psi: Any) -> Any:
    """+∂/∂ψ of V − penalties, with V = E f(ψ(θ + ε₁)) + E f(−ψε₂).

    R1 is γ/2·E_pdata|D'(x)|² = γ/2·ψ²: slope γψ. The WGAN-GP penalty λ·E(|D'(x̂)| − 1)² is
    λ(|ψ| − 1)² for every interpolate x̂, since D' = ψ everywhere: slope 2λ(ψ − sign ψ), which
    jumps by 4λ across ψ = 0. Instance noise on a linear D leaves the WGAN field unchanged
    (E[θ + ε₁] − E[ε₂] = θ); for the GAN losses E f'(·) of a Gaussian has no closed form and is
    taken by Gauss–Hermite quadrature (NOISE_NODES).
    """
    f_slope = DIRAC_LOSSES[cfg.loss].f_slope
    eps, w = _noise(cfg.noise_std)
    fake, p = _at_nodes(theta, w) + eps, _at_nodes(psi, w)
    # fake term f(ψx̃) gives x̃·f'(ψx̃); real term f(−ψε) gives −ε·f'(−ψε), zero without noise
    ascent = _mean(fake * f_slope(p * fake) - eps * f_slope(-p * eps), w)
    return ascent - cfg.r1_weight * psi - 2.0 * cfg.gp_weight * (psi - np.sign(psi))


def _field_jacobian(cfg: DiracConfig) -> Array:
    """∂v/∂(θ, ψ) at (0, 0) in closed form: [[0, −g'(0)], [f'(0), 2σ²f''(0) − γ − 2λ]].

    At ψ = 0 every noisy score ψ(θ + ε) is 0, so the noise only enters through ∂²V/∂ψ² =
    E[(θ+ε₁)² + ε₂²]·f''(0) = 2σ²f''(0) (Mescheder et al.'s instance-noise Jacobian). −2λ is the
    gradient penalty's slope off its kink at ψ = 0 (see _d_velocity and classify).
    """
    loss, zero = DIRAC_LOSSES[cfg.loss], np.zeros(())
    a_g, a_d = float(loss.g_slope(zero)), float(loss.f_slope(zero))
    damping = 2 * cfg.noise_std ** 2 * float(loss.f_curvature(zero)) - cfg.r1_weight - 2 * cfg.gp_weight
    return np.array([[0.0, -a_g], [a_d, damping]])


# ---- the discrete updates -----------------------------------------------------------------------
def _simultaneous(cfg: DiracConfig, theta: Any, psi: Any) -> tuple[Any, Any]:
    # both players step from the same point
    return theta + cfg.h * _g_velocity(cfg, theta, psi), psi + cfg.h * _d_velocity(cfg, theta, psi)


def _alternating(cfg: DiracConfig, theta: Any, psi: Any) -> tuple[Any, Any]:
    # Algorithm 1: k D steps with G fixed, then one G step against the updated D
    for _ in range(cfg.d_steps):
        psi = psi + cfg.h * _d_velocity(cfg, theta, psi)
    return theta + cfg.h * _g_velocity(cfg, theta, psi), psi


def _simultaneous_linear(j: Array, h: float, k: int) -> Array:
    return np.eye(2) + h * j


def _alternating_linear(j: Array, h: float, k: int) -> Array:
    d_step = np.eye(2) + h * np.array([[0.0, 0.0], j[1]])     # ψ moves, θ stays
    g_step = np.eye(2) + h * np.array([j[0], [0.0, 0.0]])     # θ moves, ψ stays
    return g_step @ np.linalg.matrix_power(d_step, k)


@dataclass(frozen=True)
class Update:
    """A training rule: one G step (with its D steps) and the Jacobian of that map at (0, 0)."""

    label: str
    step: Callable[[DiracConfig, Any, Any], tuple[Any, Any]]
    linear: Callable[[Array, float, int], Array]       # (field Jacobian, h, k) -> update Jacobian


UPDATES: dict[str, Update] = {
    "simultaneous": Update("Simultaneous: both step from the same point", _simultaneous, _simultaneous_linear),
    "alternating": Update("Alternating: k D steps, then G", _alternating, _alternating_linear),
}


# ---- the configuration --------------------------------------------------------------------------
def _f(default: Any, **spec: Any) -> Any:
    return _dc_field(default=default, metadata={"spec": Spec(**spec)})


@dataclass(frozen=True)
class DiracConfig:
    """One Dirac-GAN experiment: the game, the training rule, the start, the regularisers."""

    loss: str = _f("nonsaturating", label="loss", group="Game", choices=tuple(DIRAC_LOSSES),
                   help="The objective D ascends and G descends.")
    update: str = _f("alternating", label="update rule", group="Training", choices=tuple(UPDATES),
                     help="Alternating: G steps against D's new slope. Simultaneous: both step from the same point.")
    d_steps: int = _f(1, label="k: D steps per G step", group="Training", low=1, high=20,
                      help="D steps per G step (alternating; simultaneous takes exactly 1).")
    h: float = _f(0.2, label="step size h", group="Training", low=1e-3, high=2.0, log=True,
                  help="Learning rate of both players.")
    steps: int = _f(500, label="G steps", group="Training", low=0, high=100_000, help="G steps simulated.")
    theta0: float = _f(1.0, label="start θ₀", group="Start", low=-10.0, high=10.0, help="Where G puts its point at the start.")
    psi0: float = _f(1.0, label="start ψ₀", group="Start", low=-10.0, high=10.0, help="D's slope at the start.")
    r1_weight: float = _f(0.0, label="R1 penalty γ", group="Regularisers", low=0.0, high=100.0,
                          help="γ of R1, γ/2·E|D'(x)|² on real data = γ/2·ψ² here (Mescheder et al. 2018). 0 = off.")
    gp_weight: float = _f(0.0, label="gradient penalty λ", group="Regularisers", low=0.0, high=100.0,
                          help="λ of λ·E(|D'(x̂)|−1)² = λ(|ψ|−1)² here (Gulrajani et al. 2017). 0 = off; wgan-gp needs > 0.")
    noise_std: float = _f(0.0, label="instance noise σ", group="Regularisers", low=0.0, high=2.0,
                          help="Std of the Gaussian noise added to real and fake samples. 0 = off.")

    def validate(self) -> "DiracConfig":
        """Raise ConfigError naming the first bad field; return self so calls chain."""
        for f in dataclasses.fields(self):
            _check(f.name, getattr(self, f.name), f.metadata["spec"], f.type == "int")
        if self.update == "simultaneous" and self.d_steps != 1:
            raise ConfigError("d_steps", f"{self.d_steps}: simultaneous updates take exactly 1 D step per G step")
        if DIRAC_LOSSES[self.loss].needs_gp and self.gp_weight == 0:
            raise ConfigError("gp_weight", f"{self.loss} needs a penalty weight above 0 (up to 100); 0 is plain wgan")
        return self

    def replace(self, **changes: Any) -> "DiracConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


DIRAC_FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(DiracConfig)}


def _check(name: str, value: Any, spec: Spec, whole: bool) -> None:
    """One field's type and range; messages give the value and what is allowed."""
    if spec.choices:
        if value not in spec.choices:
            raise ConfigError(name, f"{value!r} is not one of {', '.join(spec.choices)}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"{value!r} is not a number")
    if whole and not isinstance(value, int):
        raise ConfigError(name, f"{value!r} is not a whole number")
    if not math.isfinite(value):
        raise ConfigError(name, f"{value!r} is not a finite number")
    if not spec.low <= value <= spec.high:
        raise ConfigError(name, f"{value!r} is outside the range {spec.low:g} to {spec.high:g}")


def parse_field(name: str, text: str) -> Any:
    """One field's text (a CLI flag, a URL value) as a typed, checked value; ConfigError if not."""
    if name not in DIRAC_FIELDS:
        raise ConfigError(name, f"is not a setting; settings are {', '.join(DIRAC_FIELDS)}")
    f, text = DIRAC_FIELDS[name], text.strip()
    spec, whole = f.metadata["spec"], f.type == "int"
    value: Any = text
    if not spec.choices:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise ConfigError(name, f"{text!r} is not a {'whole number' if whole else 'number'}") from None
    _check(name, value, spec, whole)
    return value


# ---- public API -----------------------------------------------------------------------------------
def field(cfg: DiracConfig, theta: Array, psi: Array) -> tuple[Array, Array]:
    """The gradient vector field v(θ, ψ) = (−∂L_G/∂θ, ∂V/∂ψ) that simultaneous descent/ascent
    follows as h → 0; theta and psi broadcast together (grids of any shape)."""
    cfg.validate()
    theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
    return _g_velocity(cfg, theta, psi), _d_velocity(cfg, theta, psi)


def jacobian(cfg: DiracConfig) -> Array:
    """(2, 2): the Jacobian of one update (θ, ψ) -> next at (0, 0), for cfg's rule, k and h."""
    cfg.validate()
    return UPDATES[cfg.update].linear(_field_jacobian(cfg), cfg.h, cfg.d_steps)


class Verdict(Enum):
    """What the iterates do near the equilibrium (0, 0)."""

    CONVERGES = "converges"
    CYCLES = "cycles"
    DIVERGES = "diverges"

    @property
    def text(self) -> str:
        return _VERDICT_TEXT[self]


_VERDICT_TEXT = {
    Verdict.CONVERGES: "converges to the equilibrium (0, 0)",
    Verdict.CYCLES: "cycles around the equilibrium (0, 0): to first order neither nearer nor farther",
    Verdict.DIVERGES: "moves away from the equilibrium (0, 0)",
}


def smooth_at_equilibrium(cfg: DiracConfig) -> bool:
    """Whether the field is differentiable at (0, 0), so that its eigenvalues decide (not with a GP)."""
    return cfg.gp_weight == 0


def classify(cfg: DiracConfig, radius: float) -> tuple[Verdict, str]:
    """The verdict for an update whose Jacobian at (0, 0) has spectral radius `radius`, and why.

    Near a fixed point the update is its linearisation plus terms of second order in the
    distance, so the error after n steps is J^n times the first error, to first order: it shrinks
    when every |eigenvalue| < 1, grows when one is > 1, and only turns when the largest is 1 (then
    the nonlinear terms decide, slowly). That needs a differentiable field; the gradient penalty's
    kink breaks it: off ψ = 0 the term 2λ·sign ψ pushes ψ towards ±1 however near (0, 0) the
    point is, so the equilibrium repels, and the run circles it or stalls on the line ψ = 0.
    """
    if not smooth_at_equilibrium(cfg):
        return Verdict.DIVERGES, ("the gradient penalty λ(|ψ|−1)² has a kink at ψ = 0 that pushes ψ off 0 "
                                  "however near (0, 0): the equilibrium repels; the eigenvalues (of the "
                                  "smooth part, off ψ = 0) do not decide")
    if radius < 1 - RADIUS_TOLERANCE:
        return Verdict.CONVERGES, f"spectral radius {radius:.6g} < 1: near (0, 0) each step shrinks the distance"
    if radius > 1 + RADIUS_TOLERANCE:
        return Verdict.DIVERGES, f"spectral radius {radius:.6g} > 1: near (0, 0) each step grows the distance"
    return Verdict.CYCLES, "spectral radius 1: to first order each step only turns around (0, 0)"


@dataclass(frozen=True, eq=False)
class DiracResult:
    """A simulated run and the linear analysis of its equilibrium; arrays are read-only."""

    config: DiracConfig
    trajectory: Array       # (steps + 1, 2): (θ, ψ) after each G step; row 0 is the start
    distance: Array         # (steps + 1,): √(θ² + ψ²), the distance to the equilibrium
    jacobian: Array         # (2, 2): the update's Jacobian at (0, 0)
    eigenvalues: Array      # (2,) complex, largest modulus first
    spectral_radius: float
    verdict: Verdict
    detail: str             # why the verdict, for people
    smooth: bool            # the eigenvalues decide the verdict (False at the gradient penalty's kink)


def simulate(cfg: DiracConfig) -> DiracResult:
    """Run cfg.steps G steps of cfg's update from (theta0, psi0); a run that overflows goes on as inf/nan."""
    j = jacobian(cfg)
    step = UPDATES[cfg.update].step
    path = np.empty((cfg.steps + 1, 2))
    theta, psi = path[0] = cfg.theta0, cfg.psi0
    # One point at a time, as plain scalars (with noise: an array over the quadrature nodes), since
    # each step needs the last; ~2 µs a step without noise, ~12 µs with (benchmarks/dirac.py).
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, cfg.steps + 1):
            theta, psi = path[n] = step(cfg, theta, psi)
        distance = np.hypot(path[:, 0], path[:, 1])
    eig = np.linalg.eigvals(j)
    eig = eig[np.argsort(-np.abs(eig), kind="stable")]
    radius = float(np.abs(eig[0]))
    for a in (path, distance, j, eig):
        a.setflags(write=False)
    return DiracResult(cfg, path, distance, j, eig, radius, *classify(cfg, radius), smooth_at_equilibrium(cfg))


def format_eigenvalues(eigenvalues: Array) -> str:
    """'0.995 ± 0.0999i' for a conjugate pair, else each value; 3 significant digits."""
    a, b = eigenvalues
    if a.imag != 0 and np.isclose(a, np.conj(b)):
        return f"{a.real:.3g} ± {abs(a.imag):.3g}i"
    return ", ".join(_complex(z) for z in eigenvalues)


def _complex(z: complex) -> str:
    if z.imag == 0:
        return f"{z.real:.3g}"
    return f"{z.real:.3g} {'+' if z.imag > 0 else '−'} {abs(z.imag):.3g}i"
