"""The Dirac-GAN page: its settings in the sidebar, and the field with a trajectory, redrawn at once.

No training thread: gancore/dirac.py simulates 500 steps in about a millisecond, so each change of
a setting simply redraws (benchmarks/dirac.py measures the whole figure).
"""
from __future__ import annotations

import streamlit as st

from gancore.config import ConfigError
from gancore.dirac import DIRAC_FIELDS, DiracConfig
from playground import kept, widgets
from playground.dirac_view import dirac_figure
from playground.live_chart import live_chart

PREFIX = "dirac."
NAMES = tuple(DIRAC_FIELDS)
WHEN = "The picture redraws at once."
CLICKS = "dirac_clicks"          # kept counter: a new chart (no old clicks) after each click is used


def seed(config: DiracConfig) -> None:
    """Make `config` the Dirac settings' values (a link, a lesson)."""
    widgets.seed_state(config.to_dict(), PREFIX, overwrite=True, names=NAMES)


def sidebar() -> DiracConfig | None:
    """The Dirac settings, by group; None (and a message) if they do not make a valid game."""
    values, groups = {}, list(dict.fromkeys(widgets.spec_of(n, DIRAC_FIELDS).group for n in NAMES))
    for group in groups:
        with st.expander(group, expanded=True):
            for name in NAMES:
                if widgets.spec_of(name, DIRAC_FIELDS).group == group:
                    values[name] = widgets.draw(name, PREFIX, DIRAC_FIELDS, WHEN)
    try:
        return DiracConfig(**values).validate()
    except ConfigError as err:
        st.error(f"Not drawn: {err}")
        return None


def view(config: DiracConfig | None, lang: str, run_b: dict | None = None) -> None:
    """The figure (two side by side when a lesson compares); a click on a left panel starts the
    trajectory there."""
    st.caption("p_data = δ(0), G puts all its mass at θ, D(x) = ψ·x (Mescheder et al. 2018). "
               "Click the left panel to start the trajectory there.")
    if config is None:
        return
    configs = {"A": config} if not run_b else {"A": config, "B: " + _differs(run_b): config.replace(**run_b)}
    for col, (name, each) in zip(st.columns(len(configs)), configs.items()):
        with col:
            if len(configs) > 1:
                st.markdown(f"**{name}**")
            clicks = live_chart(dirac_figure(each, lang=lang), key=f"dirac-{name[0]}-{kept.get(CLICKS, 0)}",
                                height=520, click_to_add=True)
            if clicks:
                _start_at(*clicks[-1])


def _differs(run_b: dict) -> str:
    return ", ".join(f"{widgets.spec_of(n, DIRAC_FIELDS).label} = {v:g}" if isinstance(v, float)
                     else f"{widgets.spec_of(n, DIRAC_FIELDS).label} = {v}" for n, v in run_b.items())


def _start_at(theta: float, psi: float) -> None:
    for name, v in (("theta0", theta), ("psi0", psi)):
        spec = widgets.spec_of(name, DIRAC_FIELDS)
        widgets.set_value(name, PREFIX, round(min(max(float(v), spec.low), spec.high), 2))
    kept.put(CLICKS, kept.get(CLICKS, 0) + 1)
    st.rerun()


def current() -> DiracConfig:
    """The Dirac settings as kept (for the URL), whether or not the page is on screen."""
    return DiracConfig(**{n: widgets.value(n, PREFIX) for n in NAMES})
