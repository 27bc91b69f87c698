"""The page's settings in the URL query string, so a copied link reproduces the experiment."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gancore import dirac
from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig, from_text, machine_allows, parse_field
from playground import viewstate
from playground.figures import ViewOptions
from playground.theory import LANGUAGES

B_PREFIX = "b."            # run B's settings that differ from run A's: b.loss=minimax
VIEW_PREFIX = "view."      # view options that differ from the defaults: view.arrows=0
DIRAC_PREFIX = "dirac."    # the Dirac-GAN's settings that differ from its defaults: dirac.h=0.5
COMPARE_KEY = "compare"
LANG_KEY = "lang"
PAGE_KEY = "page"
PAGES = ("plane", "dirac")  # what the page shows: a GAN on 2D data, or the Dirac-GAN
PAGE_KEYS = (COMPARE_KEY, LANG_KEY, PAGE_KEY)
PREFIXES = (B_PREFIX, VIEW_PREFIX, DIRAC_PREFIX)
DEFAULT = TrainConfig()
DEFAULT_DIRAC = dirac.DiracConfig()
DEFAULT_LANG = next(iter(LANGUAGES))


@dataclass(frozen=True)
class PageState:
    """What a URL can say: run A's config, whether to compare, run B's differences, the view, the language."""

    config: TrainConfig = DEFAULT
    compare: bool = False
    b_overrides: dict[str, Any] = field(default_factory=dict)
    view: ViewOptions = ViewOptions()
    lang: str = DEFAULT_LANG
    page: str = PAGES[0]
    dirac: dirac.DiracConfig = DEFAULT_DIRAC
    notices: tuple[str, ...] = ()       # one line per value that was ignored, for the page to show


def read(params: Mapping[str, str]) -> PageState:
    """Parse query parameters; anything unknown or invalid is ignored with a notice."""
    a_values = {k: v for k, v in params.items() if not k.startswith(PREFIXES) and k not in PAGE_KEYS}
    config, notices = from_text(a_values)
    compare_text = params.get(COMPARE_KEY, "0")
    if compare_text not in ("0", "1"):
        notices.append(f"ignored {COMPARE_KEY}: {compare_text[:20]!r} is not 0 or 1")
    lang = params.get(LANG_KEY, DEFAULT_LANG)
    if lang not in LANGUAGES:
        notices.append(f"ignored {LANG_KEY}: {lang[:20]!r} is not one of {', '.join(LANGUAGES)}")
        lang = DEFAULT_LANG
    view, problems = viewstate.from_params(
        {k[len(VIEW_PREFIX):]: v for k, v in params.items() if k.startswith(VIEW_PREFIX)}, strict=False)
    notices += [f"ignored view option {p}" for p in problems]
    page = params.get(PAGE_KEY, PAGES[0])
    if page not in PAGES:
        notices.append(f"ignored {PAGE_KEY}: {page[:20]!r} is not one of {', '.join(PAGES)}")
        page = PAGES[0]
    overrides = _b_overrides(params, config, notices)
    return PageState(config, compare_text == "1", overrides, view, lang, page, _dirac(params, notices), tuple(notices))


def _dirac(params: Mapping[str, str], notices: list[str]) -> dirac.DiracConfig:
    values = {}
    for key, text in params.items():
        if key.startswith(DIRAC_PREFIX):
            try:
                values[key[len(DIRAC_PREFIX):]] = dirac.parse_field(key[len(DIRAC_PREFIX):], text)
            except ConfigError as err:
                notices.append(f"ignored the Dirac-GAN's {err}")
    try:
        return DEFAULT_DIRAC.replace(**values).validate()
    except ConfigError as err:
        notices.append(f"ignored the Dirac-GAN's settings: {err}")
        return DEFAULT_DIRAC


def _b_overrides(params: Mapping[str, str], config: TrainConfig, notices: list[str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
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
        return {}
    return overrides


def write(state: PageState) -> dict[str, str]:
    """Query parameters for a state: settings that differ from the defaults, and always the seed."""
    params = {n: _text(v) for n, v in state.config.to_dict().items()
              if n in TEXT_FIELDS and (v != getattr(DEFAULT, n) or n == "seed")}
    if state.compare:
        params[COMPARE_KEY] = "1"
        params.update({B_PREFIX + n: _text(v) for n, v in state.b_overrides.items()})
    params.update({VIEW_PREFIX + n: v for n, v in viewstate.to_params(state.view, only_changed=True).items()})
    if state.lang != DEFAULT_LANG:
        params[LANG_KEY] = state.lang
    if state.page != PAGES[0]:
        params[PAGE_KEY] = state.page
    params.update({DIRAC_PREFIX + n: _text(v) for n, v in state.dirac.to_dict().items()
                   if v != getattr(DEFAULT_DIRAC, n)})
    return params


def _text(value: Any) -> str:
    return "auto" if value is None else str(value)
