"""Sidebar widgets generated from TrainConfig's field specs: one registry entry per kind of field."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from gancore.config import FIELDS, TEXT_FIELDS, Spec, spec_of
from gancore.losses import LOSSES

# 0, then 1-2-5 steps per decade from 1e-5 to 10: the range learning rates actually span.
LOG_GRID = [0.0] + [m * 10.0 ** e for e in range(-5, 1) for m in (1, 2, 5)] + [10.0]
SLIDER_SPAN = 20      # whole-number fields with at most this many values get a slider
# Which target parameters matter for which target; the rest are hidden so the sidebar stays short.
TARGET_PARAMS = {"ring8": ("ring_radius", "ring_std"), "grid25": ("grid_spacing", "grid_std")}
NOISE_PARAMS = ("data_noise",)


def key_of(name: str, prefix: str) -> str:
    return f"{prefix}{name}"


def kind_of(name: str) -> str:
    spec, typ = spec_of(name), FIELDS[name].type
    if spec.choices:
        return "choice"
    if spec.optional:
        return "optional"
    if spec.log:
        return "log"
    if typ == "int":
        return "slider" if spec.high - spec.low <= SLIDER_SPAN else "int"
    return "float"


def _help(name: str, spec: Spec) -> str:
    when = "Applies to the running run at once." if spec.live else "Changing it starts a fresh run."
    return f"{spec.help} {when}"


def _choice(name: str, key: str, spec: Spec) -> None:
    labels = {"loss": lambda k: f"{k} — {LOSSES[k].label}"}.get(name, str)
    st.selectbox(name, spec.choices, key=key, help=_help(name, spec), format_func=labels)


def _log(name: str, key: str, spec: Spec) -> None:
    options = sorted(set(LOG_GRID) | {st.session_state[key]})
    st.select_slider(name, options, key=key, help=_help(name, spec) + " Log scale.", format_func=lambda v: f"{v:g}")


def _optional(name: str, key: str, spec: Spec) -> None:
    st.number_input(name, min_value=spec.low, max_value=spec.high, key=key, help=_help(name, spec),
                    placeholder="auto", format="%g")


def _slider(name: str, key: str, spec: Spec) -> None:
    st.slider(name, int(spec.low), int(spec.high), key=key, help=_help(name, spec))


def _int(name: str, key: str, spec: Spec) -> None:
    st.number_input(name, int(spec.low), int(spec.high), key=key, step=1, help=_help(name, spec))


def _float(name: str, key: str, spec: Spec) -> None:
    st.number_input(name, float(spec.low), float(spec.high), key=key, help=_help(name, spec), format="%g")


WIDGETS: dict[str, Callable[[str, str, Spec], None]] = {
    "choice": _choice, "log": _log, "optional": _optional, "slider": _slider, "int": _int, "float": _float,
}


def seed_state(values: dict[str, Any], prefix: str, overwrite: bool) -> None:
    """Put config values into session state, where the widgets read them (URL first, then the user)."""
    for name in TEXT_FIELDS:
        key = key_of(name, prefix)
        if overwrite or key not in st.session_state:
            st.session_state[key] = values[name]


def draw(name: str, prefix: str) -> Any:
    """One field's widget; returns its current value."""
    key = key_of(name, prefix)
    WIDGETS[kind_of(name)](name, key, spec_of(name))
    return st.session_state[key]


def visible(name: str, target: str) -> bool:
    """Target parameters show only for the targets that use them."""
    if name in NOISE_PARAMS:
        return target not in TARGET_PARAMS
    owners = [t for t, names in TARGET_PARAMS.items() if name in names]
    return not owners or target in owners


def draw_group(group: str, prefix: str, target: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every text field of a group (as TrainConfig orders them), with the values they hold."""
    values = {}
    for name in TEXT_FIELDS:
        if spec_of(name).group == group and name not in skip:
            values[name] = draw(name, prefix) if visible(name, target) else st.session_state[key_of(name, prefix)]
    return values


def groups() -> list[str]:
    seen: list[str] = []
    for name in TEXT_FIELDS:
        if spec_of(name).group not in seen:
            seen.append(spec_of(name).group)
    return seen
