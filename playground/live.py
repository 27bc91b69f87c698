"""The live part of the page: run views fed by the frame feed, status lines and charts on timers."""
from __future__ import annotations

import math

import streamlit as st

from gancore.snapshot import Snapshot
from playground import controls, framefeed
from playground.figures import ViewOptions, charts, metrics_caption
from playground.live_chart import live_chart
from playground.sessions import session_runs

STATUS_EVERY_S = 0.5     # the status line (step, rate, D values); the picture carries its own step
CHARTS_EVERY_S = 1.0     # the history charts carry more data and change slowly


def _snapshots() -> dict[str, Snapshot]:
    runs = session_runs()
    return {name: runs[name].snapshot() for name in controls.names(runs)}


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "–" if v is None or not math.isfinite(v) else format(v, spec)


def run_views(opts: ViewOptions) -> None:
    """Status line and D-surface view of each run, side by side in compare mode.

    The views are charts fed by playground/framefeed.py: they stay on the page across reruns
    and fetch each new frame themselves. Only the status lines rerun, on a slower timer.
    """
    runs = session_runs()
    names = controls.names(runs)
    compare = len(names) > 1
    cols = st.columns(len(names)) if compare else [st.container()]
    for col, name in zip(cols, names):
        with col:
            with st.container():           # a diverged run's message must not shift the chart below
                run_status(name, compare)
            live_chart(source=framefeed.url(runs.token, name, opts), key=f"view-{name}",
                       height=520 if compare else 600)


@st.fragment(run_every=STATUS_EVERY_S)
def run_status(name: str, compare: bool) -> None:
    runs = session_runs()
    if runs.has(name):                    # a timer tick can outlive the run (compare mode left)
        _status(name, runs[name].snapshot(), compare)


def _status(name: str, snap: Snapshot, compare: bool) -> None:
    last = snap.last()
    label = f"**Run {name.upper()}** · " if compare else ""
    st.markdown(
        f"{label}step **{snap.step:,}** · {snap.rate} · {snap.status} · "
        f"D(real) {_fmt(last['d_real'])} · D(fake) {_fmt(last['d_fake'])} · "
        f"‖∇G‖ {_fmt(last['g_grad_norm'], '.2e')}",
        help="it/s: iterations of Algorithm 1 per second, over the last second. D(real), D(fake): mean D output "
             "on the latest minibatches (1/2 at equilibrium for the sigmoid and least-squares losses).")
    if snap.failed:
        st.error(f"Run {name.upper()} {snap.status}. The picture shows step {snap.step:,}, its last good frame. "
                 "Lower the learning rates, pick a stabler loss or add a gradient penalty, then press Reset.")
        st.button("Reset this run", key=f"reset-failed-{name}", on_click=_reset_one, args=(name,))


def _reset_one(name: str) -> None:
    session_runs()[name].reset()


@st.fragment(run_every=CHARTS_EVERY_S)
def history_charts() -> None:
    """Losses, D(real)/D(fake), gradient norms and divergences; two runs overlaid in compare mode;
    a dotted mark where a setting was changed live."""
    snaps = _snapshots()
    live_chart(charts(snaps, marks={name: list(snap.events) for name, snap in snaps.items()}), key="charts",
               height=540)
    st.caption(metrics_caption(snaps))
