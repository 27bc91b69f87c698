"""The view options as text, both ways: the frame feed's query and the page's shareable link use it.

Generated from ViewOptions' own fields, so a new toggle reaches the feed and the link without a
second list to keep (a slider once did not: the feed's URL carried only some options).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

from playground.figures import ViewOptions

DEFAULT = ViewOptions()
FIELDS = {f.name: f for f in dataclasses.fields(ViewOptions)}
FLAGS = {"0": False, "1": True}


class ViewError(ValueError):
    """A view option's text that cannot be read; the message names the option."""


def to_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, bool) else repr(float(value))


def to_params(opts: ViewOptions, only_changed: bool = False) -> dict[str, str]:
    """{field: text} for every option (the feed) or only those that differ from the defaults (a link)."""
    return {name: to_text(getattr(opts, name)) for name in FIELDS
            if not only_changed or getattr(opts, name) != getattr(DEFAULT, name)}


def parse_value(name: str, text: str) -> Any:
    if name not in FIELDS:
        raise ViewError(f"{name[:30]} is not a view option; options are {', '.join(FIELDS)}")
    if isinstance(getattr(DEFAULT, name), bool):
        if text not in FLAGS:
            raise ViewError(f"{name} must be 0 or 1, not {text[:20]!r}")
        return FLAGS[text]
    try:
        value = float(text)
    except ValueError:
        raise ViewError(f"{name} must be a number, not {text[:20]!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ViewError(f"{name} must be a positive number, not {text[:20]!r}")
    return value


def from_params(params: Mapping[str, str], strict: bool = True,
                base: ViewOptions = DEFAULT) -> tuple[ViewOptions, list[str]]:
    """ViewOptions from {field: text} over `base`; unknown names and bad values raise (strict) or are
    listed and skipped."""
    values, problems = {}, []
    for name, text in params.items():
        try:
            values[name] = parse_value(name, text)
        except ViewError as err:
            if strict:
                raise
            problems.append(str(err))
    return dataclasses.replace(base, **values), problems
