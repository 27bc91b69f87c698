"""Sidebar widgets generated from TrainConfig's field specs: one registry entry per kind of field."""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Mapping

import streamlit as st

from gancore.config import FIELDS, TEXT_FIELDS, Spec, machine_allows
from gancore.targets import TARGET_PARAMS, TargetParams, make_target
from gancore.losses import LOSSES
from playground import kept

# 0, then 1-2-5 steps per decade from 1e-5 to 10: the range learning rates actually span.
LOG_GRID = [0.0] + [m * 10.0 ** e for e in range(-5, 1) for m in (1, 2, 5)] + [10.0]
SLIDER_SPAN = 20      # whole-number fields with at most this many values get a slider
TARGET_FIELDS = frozenset(f.name for f in dataclasses.fields(TargetParams))
Fields = Mapping[str, dataclasses.Field]        # a config's field table: TrainConfig's, DiracConfig's


def key_of(name: str, prefix: str) -> str:
    """Where a setting is kept (playground/kept.py): "cfg.loss" for run A, "b.loss" for run B."""
    return f"{prefix}{name}"


def value(name: str, prefix: str) -> Any:
    return kept.get(key_of(name, prefix))


def set_value(name: str, prefix: str, new: Any) -> None:
    """Change a setting from code (a thumbnail, a lesson, a link): its widget shows it on its next draw."""
    kept.put(key_of(name, prefix), new)


def spec_of(name: str, fields: Fields = FIELDS) -> Spec:
    return fields[name].metadata["spec"]


def kind_of(name: str, fields: Fields = FIELDS) -> str:
    spec, typ = spec_of(name, fields), fields[name].type
    if spec.choices:
        return "choice"
    if spec.optional:
        return "optional"
    if spec.log:
        return "log"
    if typ == "int":
        return "slider" if spec.high - spec.low <= SLIDER_SPAN else "int"
    return "float"


def _help(name: str, spec: Spec, when: str | None = None) -> str:
    when = when or ("Applies to the running run at once." if spec.live else "Changing it starts a fresh run.")
    return f"{spec.help} {when} In links and on the command line: `{name}`."


def _choice(name: str, spec: Spec, **kw: Any) -> None:
    labels = {"loss": lambda k: f"{k} — {LOSSES[k].label}"}.get(name, str) if spec.choices == tuple(LOSSES) else str
    options = tuple(c for c in spec.choices if machine_allows(name, c))     # cuda only where there is one
    st.selectbox(spec.label, options, format_func=labels, **kw)


def _log(name: str, spec: Spec, **kw: Any) -> None:
    options = sorted(set(LOG_GRID) | {st.session_state[kw["key"]]})      # bind() put the value there
    kw["help"] += " Log scale."
    st.select_slider(spec.label, options, format_func=lambda v: f"{v:g}", **kw)


def _optional(name: str, spec: Spec, **kw: Any) -> None:
    st.number_input(spec.label, min_value=spec.low, max_value=spec.high, placeholder="auto", format="%g", **kw)


def _slider(name: str, spec: Spec, **kw: Any) -> None:
    st.slider(spec.label, int(spec.low), int(spec.high), **kw)


def _int(name: str, spec: Spec, **kw: Any) -> None:
    st.number_input(spec.label, int(spec.low), int(spec.high), step=1, **kw)


def _float(name: str, spec: Spec, **kw: Any) -> None:
    st.number_input(spec.label, float(spec.low), float(spec.high), format="%g", **kw)


WIDGETS: dict[str, Callable[..., None]] = {
    "choice": _choice, "log": _log, "optional": _optional, "slider": _slider, "int": _int, "float": _float,
}


def seed_state(values: dict[str, Any], prefix: str, overwrite: bool, names: tuple[str, ...] = TEXT_FIELDS) -> None:
    """Keep config values as the settings' values (URL first, then the user)."""
    for name in names:
        if overwrite or not kept.has(key_of(name, prefix)):
            set_value(name, prefix, values[name])


def draw(name: str, prefix: str, fields: Fields = FIELDS, when: str | None = None) -> Any:
    """One field's widget, showing the kept value; returns it. `when` says when a change applies."""
    spec = spec_of(name, fields)
    WIDGETS[kind_of(name, fields)](name, spec, help=_help(name, spec, when), **kept.bind(key_of(name, prefix)))
    return value(name, prefix)


# Settings a target on a line ignores (its z is one number): hidden there, kept for the plane.
IGNORED_ON_A_LINE = frozenset({"noise_dim"})


def visible(name: str, target: str) -> bool:
    """Target parameters show only for the targets that read them (gancore.targets.TARGET_PARAMS),
    and what a target on a line ignores only for targets in the plane."""
    if name in IGNORED_ON_A_LINE and target_dim(target) == 1:
        return False
    return name not in TARGET_FIELDS or name in TARGET_PARAMS[target]


@functools.cache
def target_dim(target: str) -> int:
    try:
        return make_target(target, TargetParams(points=((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)))).dim
    except ValueError:
        return 2


def draw_group(group: str, prefix: str, target: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every text field of a group (as TrainConfig orders them), with the values they hold; those in
    `skip` (hidden by a classroom link) and those the target does not read are not drawn but kept."""
    values = {}
    for name in TEXT_FIELDS:
        if spec_of(name).group == group:
            shown = visible(name, target) and name not in skip
            values[name] = draw(name, prefix) if shown else value(name, prefix)
    return values


def groups() -> list[str]:
    seen: list[str] = []
    for name in TEXT_FIELDS:
        if spec_of(name).group not in seen:
            seen.append(spec_of(name).group)
    return seen
