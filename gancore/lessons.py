"""The course: a registry of lessons, each a link-able set of settings and the claim a seeded test checks.

A lesson is only settings: run A's config, run B's differences from it (a compare pair) or none,
which view to show and how, and how many steps its claim needs. What it says in words lives in
playground/lesson_texts.py; that its claim holds is pinned down by tests/test_lessons.py, which
trains exactly these configs for exactly `steps`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig
from gancore.dirac import DIRAC_FIELDS, DiracConfig

AnyConfig = TrainConfig | DiracConfig


class View(Enum):
    """Which picture a lesson is about."""

    PLANE_2D = "2d"        # the 2D plane: real and fake points, D's surface
    LINE_1D = "1d"         # 1D densities and D's curve
    DIRAC = "dirac"        # the Dirac-GAN's (θ, ψ) plane


# The app's view options a lesson sets, per view (plain bools; the app's defaults rule the rest).
VIEW_TOGGLES: dict[View, tuple[str, ...]] = {
    View.PLANE_2D: ("arrows", "manifold", "optimal"),
    View.LINE_1D: (),
    View.DIRAC: (),
}


# eq=False: lessons are compared by identity; their mappings are read-only views, not hashable.
@dataclass(frozen=True, eq=False)
class Lesson:
    """One lesson: what to train (one run or a compare pair), what to show, and for how long."""

    key: str                                   # its URL value: ?lesson=<key>
    view: View
    claim: str                                 # id of the claim tests/test_lessons.py asserts
    steps: int                                 # iterations the claim needs (Dirac: G steps, = dirac.steps)
    config: TrainConfig | None = None          # run A, for the 2D and 1D views
    dirac: DiracConfig | None = None           # run A, for the Dirac view
    compare: Mapping[str, Any] = field(default_factory=dict)   # run B = run A with these fields; {}: one run
    toggles: Mapping[str, bool] = field(default_factory=dict)  # view options, exactly VIEW_TOGGLES[view]

    def __post_init__(self) -> None:
        object.__setattr__(self, "compare", MappingProxyType(dict(self.compare)))
        object.__setattr__(self, "toggles", MappingProxyType(dict(self.toggles)))
        self.validate()

    @property
    def base(self) -> AnyConfig:
        """Run A's config, of whichever engine the view needs."""
        return self.dirac if self.view is View.DIRAC else self.config

    @property
    def run_b(self) -> AnyConfig | None:
        """Run B's config (run A with `compare` applied), or None for a one-run lesson."""
        return self.base.replace(**self.compare) if self.compare else None

    @property
    def runs(self) -> tuple[AnyConfig, ...]:
        """(A,) or (A, B): the configs the app starts and the claim test trains."""
        return (self.base,) if not self.compare else (self.base, self.run_b)

    def validate(self) -> "Lesson":
        """Raise ConfigError naming the lesson and what is wrong; return self so calls chain."""
        where = f"lesson {self.key!r}"
        if not isinstance(self.key, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.key):
            raise ConfigError("key", f"{self.key!r} must be lowercase letters and digits, words joined by '-'")
        _check_engine(self, where)
        _check_compare(self, where)
        wanted = VIEW_TOGGLES[self.view]
        if set(self.toggles) != set(wanted) or not all(isinstance(v, bool) for v in self.toggles.values()):
            raise ConfigError("toggles", f"{where}: needs exactly {', '.join(wanted) or 'none'}, as bools")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise ConfigError("steps", f"{where}: {self.steps!r} is not a whole number of steps >= 1")
        if self.view is View.DIRAC and self.steps != self.dirac.steps:
            raise ConfigError("steps", f"{where}: {self.steps} differs from its Dirac config's {self.dirac.steps}")
        return self


def _check_engine(lesson: Lesson, where: str) -> None:
    """A Dirac lesson holds a DiracConfig and no TrainConfig; the others the other way round."""
    dirac_view = lesson.view is View.DIRAC
    if dirac_view != (lesson.dirac is not None) or dirac_view == (lesson.config is not None):
        wanted = ("a DiracConfig (dirac=) and no TrainConfig" if dirac_view
                  else "a TrainConfig (config=) and no DiracConfig")
        raise ConfigError("config", f"{where}: the {lesson.view.value} view needs {wanted}")
    lesson.base.validate()


def _check_compare(lesson: Lesson, where: str) -> None:
    """Run B differs from A in settings a link can carry, never in the seed, and each one really differs."""
    settable = DIRAC_FIELDS if lesson.view is View.DIRAC else TEXT_FIELDS
    for name, value in lesson.compare.items():
        if name not in settable or name == "seed":
            raise ConfigError(name, f"{where}: run B cannot differ in {name!r}")
        if getattr(lesson.base, name) == value:
            raise ConfigError(name, f"{where}: run B's {name} = {value!r} is run A's too")
    if lesson.view is View.DIRAC and "steps" in lesson.compare:
        raise ConfigError("steps", f"{where}: both Dirac runs take the lesson's steps")
    if lesson.compare:
        lesson.run_b.validate()


# ---- the lessons --------------------------------------------------------------------------------
# Course order. Nets of 64 units and batches of 64-128 keep every claim test to seconds on one CPU
# core; what each lesson shows was measured on these settings (tests/test_lessons.py notes the
# figures, for other seeds too). Every run A has seed 0, and run B shares it: a fair comparison.
# They run on the CPU, where nets this small are fastest, and because a seed gives the same run
# only on the same device: the app then shows the very runs the claim tests check.
_SMALL = dict(g_width=64, d_width=64, batch_size=128, device="cpu")

# G takes 5 steps for each D step: the setting that collapses, and that the fixes lesson starts from.
_COLLAPSE = TrainConfig(g_width=64, d_width=64, batch_size=64, g_steps=5, seed=0, device="cpu")

LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in (
    # Figure 1 of Goodfellow et al. (2014), live: on a line, D flattens to 1/2 as p_g meets p_data.
    # Slow, small rates and a big batch so the game settles instead of oscillating (4,000 steps: JS 0.03).
    Lesson("game", View.LINE_1D, claim="d_flattens_to_one_half", steps=4000,
           config=TrainConfig(target="gauss1d", noise="uniform", g_layers=2, g_width=32, d_layers=2, d_width=32,
                              d_lr=5e-4, g_lr=1e-4, batch_size=512, loss="nonsaturating", seed=0, device="cpu")),
    # Algorithm 1's k, one against five: D(x) - D(G(z)) about 0.1 against 0.5.
    Lesson("k-steps", View.PLANE_2D, claim="more_d_steps_separate_more", steps=400,
           config=TrainConfig(**_SMALL, d_steps=1, seed=0), compare={"d_steps": 5},
           toggles=dict(arrows=True, manifold=False, optimal=True)),
    # 300 D-only iterations until D(G(z)) ~ 0.003, then 300 G steps. G uses SGD: Adam divides each
    # step by the gradient's running size, so with Adam the minimax G moves as far as the other.
    Lesson("saturating", View.PLANE_2D, claim="minimax_g_stalls", steps=600,
           config=TrainConfig(**_SMALL, loss="minimax", g_optimizer="sgd", g_lr=0.01, d_head_start=300, seed=0),
           compare={"loss": "nonsaturating"},
           toggles=dict(arrows=True, manifold=False, optimal=False)),
    # The fakes shrink to one clump that hops round the ring (the paper's "Helvetica scenario").
    Lesson("collapse", View.PLANE_2D, claim="fakes_collapse_and_hop", steps=800, config=_COLLAPSE,
           toggles=dict(arrows=True, manifold=True, optimal=False)),
    # Run A changes only the collapse setting's loss, run B only adds R1. R1 with gamma = 10 rescues
    # some seeds and not others; 30 spreads the fakes over all 8 modes in every seed tried.
    Lesson("fixes", View.PLANE_2D, claim="r1_spreads_wgan_gp_stays", steps=1000,
           config=_COLLAPSE.replace(loss="wgan-gp"), compare={"loss": "nonsaturating", "r1_weight": 30.0},
           toggles=dict(arrows=True, manifold=True, optimal=False)),
    # Plain alternating training circles the equilibrium; R1 makes it converge.
    Lesson("dirac", View.DIRAC, claim="r1_converges_plain_cycles", steps=500,
           dirac=DiracConfig(loss="nonsaturating", update="alternating", steps=500), compare={"r1_weight": 1.0}),
    # D's rate 100 times G's, then a tenth of it. G's rate is small (1e-4) so that the fast D
    # really wins (with g_lr = 1e-3 and d_lr = 1e-2 D(x) only reaches about 0.7).
    Lesson("balance", View.PLANE_2D, claim="strong_d_separates_weak_d_half", steps=500,
           config=TrainConfig(**_SMALL, d_lr=1e-2, g_lr=1e-4, seed=0), compare={"d_lr": 1e-5},
           toggles=dict(arrows=False, manifold=False, optimal=True)),
)}


def get_lesson(key: str) -> Lesson:
    """The lesson registered under key; an unknown key raises KeyError naming the valid ones."""
    try:
        return LESSONS[key]
    except KeyError:
        raise KeyError(f"unknown lesson {key!r}; valid lessons: {', '.join(LESSONS)}") from None
