"""The one frozen training configuration, its field specs, validation and parsing from text."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from gancore.losses import LOSSES
from gancore.nets import ACTIVATIONS
from gancore.noise import NOISES
from gancore.optim import OPTIMIZERS
from gancore.points import MIN_POINTS
from gancore.targets import TARGETS, TargetParams


class ConfigError(ValueError):
    """A setting is out of range or of the wrong type; the message names the field."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.field, self.message = name, message

    def __reduce__(self):
        # Rebuilt from its two parts, so it survives the pipe of a process-backed runner.
        return (ConfigError, (self.field, self.message))


@dataclass(frozen=True)
class Spec:
    """What a field may hold, how it is shown, and whether a live run can take a new value."""

    help: str
    group: str
    label: str = ""                 # words for people (widgets); the field's name is for links and flags
    live: bool = False              # True: changes apply to a running run, optimiser state kept
    low: float | None = None        # inclusive numeric bounds
    high: float | None = None
    choices: tuple[str, ...] = ()   # for categorical fields: the registry's keys
    log: bool = False               # shown on a log scale (learning rates)
    optional: bool = False          # None allowed (means "the loss's own default")
    text: bool = True               # settable from text (URL, CLI); False for bulk data


def _f(default: Any, **spec: Any) -> Any:
    return field(default=default, metadata={"spec": Spec(**spec)})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Same config (seed included), same run."""

    # data
    target: str = _f("ring8", label="target distribution", group="Data", choices=tuple(TARGETS), help="The distribution the generator must learn: a shape in the plane, or a density on a line (the *1d targets).")
    ring_radius: float = _f(2.0, label="ring radius", group="Data", low=0.1, high=10.0, help="ring8: radius of the circle of modes.")
    ring_std: float = _f(0.02, label="mode spread σ (ring)", group="Data", low=0.001, high=2.0, help="ring8: standard deviation of each mode.")
    grid_spacing: float = _f(2.0, label="grid spacing", group="Data", low=0.1, high=5.0, help="grid25: distance between neighbouring modes.")
    grid_std: float = _f(0.05, label="mode spread σ (grid)", group="Data", low=0.001, high=2.0, help="grid25: standard deviation of each mode.")
    data_noise: float = _f(0.05, label="shape noise", group="Data", low=0.0, high=1.0, help="Noise added to the non-mixture shapes (moons, swiss roll, your points).")
    points: tuple[tuple[float, float], ...] = _f((), label="your points", group="Data", text=False, help="Your own points, for the 'points' target.")
    # noise prior p_z
    noise: str = _f("gaussian", label="noise prior p_z", group="Networks", choices=tuple(NOISES), help="The noise prior p_z that G maps to data space. On a line the paper draws z uniformly (uniform).")
    noise_dim: int = _f(2, label="noise dimension (size of z)", group="Networks", low=1, high=8, help="Dimension of z. With 1 the generator's manifold is a curve. A 1D target ignores it: its z is one number (the paper's z line).")
    # networks: MLPs, D outputs a logit (or a critic score)
    g_layers: int = _f(2, label="G: hidden layers", group="Networks", low=0, high=6, help="Hidden layers of the generator.")
    g_width: int = _f(128, label="G: units per layer", group="Networks", low=1, high=512, help="Units per hidden layer of the generator.")
    d_layers: int = _f(2, label="D: hidden layers", group="Networks", low=0, high=6, help="Hidden layers of the discriminator.")
    d_width: int = _f(128, label="D: units per layer", group="Networks", low=1, high=512, help="Units per hidden layer of the discriminator.")
    activation: str = _f("relu", label="activation", group="Networks", choices=tuple(ACTIVATIONS), help="Hidden-layer nonlinearity of both networks.")
    # optimisation
    loss: str = _f("nonsaturating", label="loss", group="Training", live=True, choices=tuple(LOSSES), help="The objective D and G optimise.")
    d_optimizer: str = _f("adam", label="optimiser (D)", group="Training", choices=tuple(OPTIMIZERS), help="Optimiser of the discriminator.")
    g_optimizer: str = _f("adam", label="optimiser (G)", group="Training", choices=tuple(OPTIMIZERS), help="Optimiser of the generator.")
    d_lr: float = _f(1e-3, label="learning rate (D)", group="Training", live=True, low=0.0, high=10.0, log=True, help="Discriminator learning rate (0 freezes D).")
    g_lr: float = _f(1e-3, label="learning rate (G)", group="Training", live=True, low=0.0, high=10.0, log=True, help="Generator learning rate (0 freezes G).")
    adam_beta1: float = _f(0.5, label="Adam β₁ (momentum)", group="Training", live=True, low=0.0, high=0.999, help="Adam's first-moment decay (0.5 is the usual GAN choice).")
    adam_beta2: float = _f(0.999, label="Adam β₂", group="Training", live=True, low=0.0, high=0.9999, help="Adam's second-moment decay.")
    d_steps: int = _f(1, label="k: D steps per G step", group="Training", live=True, low=0, high=20, help="k: discriminator steps per iteration (Algorithm 1).")
    g_steps: int = _f(1, label="G steps per iteration", group="Training", live=True, low=1, high=10, help="Generator steps per iteration.")
    batch_size: int = _f(256, label="batch size", group="Training", live=True, low=1, high=4096, help="Minibatch size m, for real and for fake samples.")
    gp_weight: float | None = _f(None, label="gradient penalty λ", group="Training", live=True, low=0.0, high=1000.0, optional=True,
                                  help="λ of the gradient penalty E(‖∇D(x̂)‖−1)² (Gulrajani et al. 2017). Empty: the loss's own (10 for wgan-gp, else 0).")
    r1_weight: float = _f(0.0, label="R1 penalty γ", group="Training", live=True, low=0.0, high=1000.0,
                          help="γ of the R1 penalty γ/2·E‖∇D(x)‖² on real data (Mescheder et al. 2018). 0 = off.")
    d_head_start: int = _f(0, label="D head start (steps)", group="Training", low=0, high=100_000,
                           help="Discriminator-only steps before the first generator step. With loss minimax, G's gradient norm then collapses; "
                                "G itself stalls only with g_optimizer sgd (say g_lr 0.02): Adam rescales a tiny gradient into a full-size step.")
    # reproducibility
    seed: int = _f(0, label="random seed", group="Run", low=0, high=2**31 - 1, help="Seeds weights, data and noise. Same seed, same run.")
    device: str = _f("auto", label="device", group="Run", choices=("auto", "cpu", "cuda"), help="Where to train; auto picks cuda when present.")

    def validate(self) -> "TrainConfig":
        """Raise ConfigError naming the first bad field; return self so calls chain."""
        for f in dataclasses.fields(self):
            _check(f.name, getattr(self, f.name), spec_of(f.name))
        if self.target == "points" and len(self.points) < MIN_POINTS:
            raise ConfigError("points", f"the 'points' target needs at least {MIN_POINTS} points, got {len(self.points)}")
        return self

    @property
    def effective_gp_weight(self) -> float:
        return LOSSES[self.loss].default_gp if self.gp_weight is None else self.gp_weight

    def target_params(self) -> TargetParams:
        names = {f.name for f in dataclasses.fields(TargetParams)}
        return TargetParams(**{n: getattr(self, n) for n in names})

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def changed_fields(before: TrainConfig, after: TrainConfig) -> list[str]:
    """The names of the fields whose values differ, in the config's order."""
    return [f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)]


def _plain(value: Any) -> Any:
    return [list(p) for p in value] if isinstance(value, tuple) else value


def spec_of(name: str) -> Spec:
    return FIELDS[name].metadata["spec"]


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(TrainConfig)}
LIVE_FIELDS: frozenset[str] = frozenset(n for n in FIELDS if spec_of(n).live)
TEXT_FIELDS: tuple[str, ...] = tuple(n for n in FIELDS if spec_of(n).text)


def _is_int(name: str) -> bool:
    return FIELDS[name].type == "int"


def _check(name: str, value: Any, spec: Spec) -> None:
    """One field's type and range; messages give the value and what is allowed."""
    if value is None and spec.optional:
        return
    if spec.choices:
        if value not in spec.choices:
            raise ConfigError(name, f"{value!r} is not one of {', '.join(spec.choices)}")
        return
    if name == "points":
        _check_points(value)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"{value!r} is not a number")
    if _is_int(name) and not isinstance(value, int):
        raise ConfigError(name, f"{value!r} is not a whole number")
    if not math.isfinite(value):
        raise ConfigError(name, f"{value!r} is not a finite number")
    if not spec.low <= value <= spec.high:
        raise ConfigError(name, f"{value!r} is outside the range {spec.low:g} to {spec.high:g}")


def _check_points(points: Any) -> None:
    if not isinstance(points, tuple):
        raise ConfigError("points", "must be a tuple of (x, y) pairs")
    for p in points:
        if len(p) != 2 or not all(isinstance(v, float) and math.isfinite(v) for v in p):
            raise ConfigError("points", f"{p!r} is not a pair of finite numbers")


def _device_present(value: str) -> str | None:
    import torch                 # already loaded by the losses; imported here to keep the check beside its use
    if value == "cuda" and not torch.cuda.is_available():
        return "cuda was asked for but this machine has no CUDA device; use auto or cpu"
    return None


# Checks that depend on the machine, not on the value alone: field -> (value -> problem or None).
# A link made on a machine with a GPU must still open on one without.
MACHINE_CHECKS: dict[str, Any] = {"device": _device_present}


def machine_allows(name: str, value: Any) -> bool:
    check = MACHINE_CHECKS.get(name)
    return check is None or check(value) is None


def check_machine(config: TrainConfig) -> TrainConfig:
    """Raise ConfigError if this machine cannot run the config (e.g. cuda without a GPU)."""
    for name, check in MACHINE_CHECKS.items():
        problem = check(getattr(config, name))
        if problem:
            raise ConfigError(name, problem)
    return config


def parse_field(name: str, text: str) -> Any:
    """Turn one field's text (URL value, CLI flag) into a typed value; ConfigError if it cannot."""
    if name not in FIELDS or not spec_of(name).text:
        raise ConfigError(name, "is not a setting")
    spec = spec_of(name)
    text = text.strip()
    if spec.optional and text.lower() in ("", "none", "auto"):
        return None
    if spec.choices:
        value: Any = text
    else:
        try:
            value = int(text) if _is_int(name) else float(text)
        except ValueError:
            raise ConfigError(name, f"{text!r} is not a {'whole number' if _is_int(name) else 'number'}") from None
    _check(name, value, spec)
    return value


def config_from_dict(data: Any) -> TrainConfig:
    """A config from its to_dict() form (a saved config.json); ConfigError names the first bad field."""
    if not isinstance(data, dict):
        raise ConfigError("config", "must be a JSON object of settings")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise ConfigError(str(unknown[0])[:30], f"is not a setting; settings are {', '.join(FIELDS)}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "points":
            try:
                values[name] = tuple((float(x), float(y)) for x, y in value)
            except (TypeError, ValueError):
                raise ConfigError("points", "must be a list of [x, y] pairs") from None
        elif value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
            values[name] = parse_field(name, "auto" if value is None else str(value))
        else:
            raise ConfigError(name, f"{value!r} is not a value for this setting")
    return TrainConfig(**values).validate()


def from_text(values: Mapping[str, str], base: TrainConfig = TrainConfig()) -> tuple[TrainConfig, list[str]]:
    """Build a config from text values, keeping `base` for every value that is unknown or invalid.

    Returns the config and one message per value that was ignored, so a bad link never loses a run.
    """
    good: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in values.items():
        try:
            good[name] = parse_field(name, text)
        except ConfigError as err:
            problems.append(f"ignored {err}")
    for name in [n for n in good if not machine_allows(n, good[n])]:
        problems.append(f"ignored {ConfigError(name, MACHINE_CHECKS[name](good.pop(name)))}")
    config = base.replace(**good)
    try:
        config.validate()
    except ConfigError as err:
        problems.append(f"ignored {err}")
        config = base
    return config, problems
