"""The page's settings in the URL query string, so a copied link reproduces the experiment.

A link may name a lesson (`lesson=saturating`): the lesson's settings are then the starting point
and every other value in the link overrides them, so a link only carries what differs from its
lesson. A classroom link may also hide controls (`hide=loss,d_lr`): their values still apply.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from gancore import dirac
from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig, from_text, machine_allows, parse_field
from gancore.lessons import LESSONS, Lesson, View
from playground import viewstate
from playground.figures import ViewOptions
from playground.theory import LANGUAGES

B_PREFIX = "b."            # run B's settings that differ from run A's: b.loss=minimax
VIEW_PREFIX = "view."      # view options that differ from the defaults: view.arrows=0
DIRAC_PREFIX = "dirac."    # the Dirac-GAN's settings that differ from its defaults: dirac.h=0.5
COMPARE_KEY, LANG_KEY, PAGE_KEY, LESSON_KEY, HIDE_KEY = "compare", "lang", "page", "lesson", "hide"
PAGES = ("plane", "dirac")  # what the page shows: a GAN on 2D data, or the Dirac-GAN
PAGE_OF_VIEW = {View.PLANE_2D: "plane", View.LINE_1D: "plane", View.DIRAC: "dirac"}
PAGE_KEYS = (COMPARE_KEY, LANG_KEY, PAGE_KEY, LESSON_KEY, HIDE_KEY)
PREFIXES = (B_PREFIX, VIEW_PREFIX, DIRAC_PREFIX)
HIDEABLE = TEXT_FIELDS     # controls a classroom link may hide
DEFAULT = TrainConfig()
DEFAULT_DIRAC = dirac.DiracConfig()
DEFAULT_LANG = next(iter(LANGUAGES))


@dataclass(frozen=True)
class PageState:
    """What a URL can say: run A's config, whether to compare, run B's differences, the view, the
    language, the page, the Dirac-GAN's settings, the lesson it started from and the hidden controls."""

    config: TrainConfig = DEFAULT
    compare: bool = False
    b_overrides: dict[str, Any] = field(default_factory=dict)
    view: ViewOptions = ViewOptions()
    lang: str = DEFAULT_LANG
    page: str = PAGES[0]
    dirac: dirac.DiracConfig = DEFAULT_DIRAC
    lesson: str = ""
    hidden: tuple[str, ...] = ()
    dirac_b: dict[str, Any] = field(default_factory=dict)   # a Dirac lesson's second run (not in links)
    notices: tuple[str, ...] = ()       # one line per value that was ignored, for the page to show


def lesson_state(key: str) -> PageState:
    """The state a lesson loads ("" for none: the defaults)."""
    if not key:
        return PageState()
    lesson: Lesson = LESSONS[key]
    view = dataclasses.replace(ViewOptions(), **lesson.toggles)
    if lesson.view is View.DIRAC:
        return PageState(view=view, page="dirac", dirac=lesson.dirac, lesson=key, dirac_b=dict(lesson.compare))
    return PageState(lesson.config, bool(lesson.compare), dict(lesson.compare), view, page=PAGE_OF_VIEW[lesson.view],
                     lesson=key)


def read(params: Mapping[str, str]) -> PageState:
    """Parse query parameters; anything unknown or invalid is ignored with a notice."""
    notices: list[str] = []
    key = params.get(LESSON_KEY, "")
    if key and key not in LESSONS:
        notices.append(f"ignored {LESSON_KEY}: {key[:20]!r} is not one of {', '.join(LESSONS)}")
        key = ""
    base = lesson_state(key)
    a_values = {k: v for k, v in params.items() if not k.startswith(PREFIXES) and k not in PAGE_KEYS}
    config, problems = from_text(a_values, base.config)
    notices += problems
    compare = _choice(params, COMPARE_KEY, {"0": False, "1": True}, base.compare, notices)
    lang = _choice(params, LANG_KEY, {k: k for k in LANGUAGES}, base.lang, notices)
    page = _choice(params, PAGE_KEY, {k: k for k in PAGES}, base.page, notices)
    view, problems = viewstate.from_params(
        {k[len(VIEW_PREFIX):]: v for k, v in params.items() if k.startswith(VIEW_PREFIX)}, strict=False, base=base.view)
    notices += [f"ignored view option {p}" for p in problems]
    overrides = _b_overrides(params, config, base.b_overrides, notices)
    return PageState(config, compare, overrides, view, lang, page, _dirac(params, base.dirac, notices), key,
                     _hidden(params, notices), base.dirac_b, tuple(notices))


def _choice(params: Mapping[str, str], key: str, allowed: dict[str, Any], default: Any, notices: list[str]) -> Any:
    text = params.get(key)
    if text is None:
        return default
    if text not in allowed:
        notices.append(f"ignored {key}: {text[:20]!r} is not one of {', '.join(allowed)}")
        return default
    return allowed[text]


def _hidden(params: Mapping[str, str], notices: list[str]) -> tuple[str, ...]:
    names = [n for n in params.get(HIDE_KEY, "").split(",") if n]
    bad = [n for n in names if n not in HIDEABLE]
    if bad:
        notices.append(f"ignored {HIDE_KEY}: {', '.join(b[:20] for b in bad)} is not a control that can be hidden")
    return tuple(n for n in names if n in HIDEABLE)


def _b_overrides(params: Mapping[str, str], config: TrainConfig, base: dict[str, Any],
                 notices: list[str]) -> dict[str, Any]:
    # Run B's differences in a link replace the lesson's (a removed difference stays removed).
    given = any(k.startswith(B_PREFIX) for k in params)
    overrides: dict[str, Any] = {} if given else dict(base)
    for key, text in params.items():
        if key.startswith(B_PREFIX):
            name = key[len(B_PREFIX):]
            try:
                value = parse_field(name, text)
                if not machine_allows(name, value):
                    raise ConfigError(name, f"{value!r} is not available on this machine")
                overrides[name] = value
            except ConfigError as err:
                notices.append(f"ignored run B's {err}")
    try:
        config.replace(**overrides).validate()
    except ConfigError as err:
        notices.append(f"ignored run B's settings: {err}")
        return dict(base)
    return overrides


def _dirac(params: Mapping[str, str], base: dirac.DiracConfig, notices: list[str]) -> dirac.DiracConfig:
    values = {}
    for key, text in params.items():
        if key.startswith(DIRAC_PREFIX):
            try:
                values[key[len(DIRAC_PREFIX):]] = dirac.parse_field(key[len(DIRAC_PREFIX):], text)
            except ConfigError as err:
                notices.append(f"ignored the Dirac-GAN's {err}")
    try:
        return base.replace(**values).validate()
    except ConfigError as err:
        notices.append(f"ignored the Dirac-GAN's settings: {err}")
        return base


def write(state: PageState) -> dict[str, str]:
    """Query parameters for a state: what differs from its lesson (or the defaults), and always the seed."""
    base = lesson_state(state.lesson)
    params = {LESSON_KEY: state.lesson} if state.lesson else {}
    params.update({n: _text(v) for n, v in state.config.to_dict().items()
                   if n in TEXT_FIELDS and (v != getattr(base.config, n) or n == "seed")})
    if state.compare != base.compare:
        params[COMPARE_KEY] = str(int(state.compare))
    if state.compare and state.b_overrides != base.b_overrides:
        params.update({B_PREFIX + n: _text(v) for n, v in state.b_overrides.items()})
    changed_view = {n: v for n, v in viewstate.to_params(state.view).items()
                    if getattr(state.view, n) != getattr(base.view, n)}
    params.update({VIEW_PREFIX + n: v for n, v in changed_view.items()})
    for key, value, default in ((LANG_KEY, state.lang, base.lang), (PAGE_KEY, state.page, base.page)):
        if value != default:
            params[key] = value
    params.update({DIRAC_PREFIX + n: _text(v) for n, v in state.dirac.to_dict().items()
                   if v != getattr(base.dirac, n)})
    if state.hidden:
        params[HIDE_KEY] = ",".join(state.hidden)
    return params


def _text(value: Any) -> str:
    return "auto" if value is None else str(value)
