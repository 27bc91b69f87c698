"""The page's settings in the URL query string, so a copied link reproduces the experiment."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gancore.config import TEXT_FIELDS, ConfigError, TrainConfig, from_text, parse_field

B_PREFIX = "b."            # run B's settings that differ from run A's: b.loss=minimax
COMPARE_KEY = "compare"
DEFAULT = TrainConfig()


@dataclass(frozen=True)
class PageState:
    """What a URL can say: run A's config, whether to compare, and run B's differences."""

    config: TrainConfig = DEFAULT
    compare: bool = False
    b_overrides: dict[str, Any] = field(default_factory=dict)
    notices: tuple[str, ...] = ()       # one line per value that was ignored, for the page to show


def read(params: Mapping[str, str]) -> PageState:
    """Parse query parameters; anything unknown or invalid is ignored with a notice."""
    a_values = {k: v for k, v in params.items() if not k.startswith(B_PREFIX) and k != COMPARE_KEY}
    config, notices = from_text(a_values)
    compare_text = params.get(COMPARE_KEY, "0")
    if compare_text not in ("0", "1"):
        notices.append(f"ignored {COMPARE_KEY}: {compare_text!r} is not 0 or 1")
    overrides: dict[str, Any] = {}
    for key, text in params.items():
        if key.startswith(B_PREFIX):
            try:
                overrides[key[len(B_PREFIX):]] = parse_field(key[len(B_PREFIX):], text)
            except ConfigError as err:
                notices.append(f"ignored run B's {err}")
    try:
        config.replace(**overrides).validate()
    except ConfigError as err:
        notices.append(f"ignored run B's settings: {err}")
        overrides = {}
    return PageState(config, compare_text == "1", overrides, tuple(notices))


def write(state: PageState) -> dict[str, str]:
    """Query parameters for a state: settings that differ from the defaults, and always the seed."""
    params = {n: _text(v) for n, v in state.config.to_dict().items()
              if n in TEXT_FIELDS and (v != getattr(DEFAULT, n) or n == "seed")}
    if state.compare:
        params[COMPARE_KEY] = "1"
        params.update({B_PREFIX + n: _text(v) for n, v in state.b_overrides.items()})
    return params


def _text(value: Any) -> str:
    return "auto" if value is None else str(value)
