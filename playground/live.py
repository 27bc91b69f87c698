"""The live part of the page: run views fed by the frame feed, status lines and charts on timers."""
from __future__ import annotations

import math
import time

import streamlit as st

from gancore.snapshot import Snapshot
from playground import controls, framefeed, kept
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
    with st.container():                   # appears and goes with pausing: never shifts what follows
        moment = timeline_controls(runs)
    cols = st.columns(len(names)) if compare else [st.container()]
    for col, name in zip(cols, names):
        with col:
            with st.container():           # a diverged run's message must not shift the chart below
                run_status(name, compare)
            live_chart(source=framefeed.url(runs.token, name, opts, moment), key=f"view-{name}",
                       height=520 if compare else 600)


REPLAY_SPEEDS = {"5 frames/s": 5.0, "10 frames/s": 10.0, "20 frames/s": 20.0, "40 frames/s": 40.0}


def _live() -> None:
    kept.put("scrub", None)
    kept.put("replay_from", None)


def _scrub() -> None:
    kept.put("scrub", kept.get("scrub_step"))
    kept.put("replay_from", None)


def _replay() -> None:
    kept.put("scrub", None)
    kept.put("replay_from", time.time())


def timeline_controls(runs) -> framefeed.Moment:
    """While paused: a slider over the recorded moments of the run (compare mode: both runs at the
    same step), a replay of them all, and back to the present. Playing always shows the present."""
    if runs["a"].running:
        _live()
        return framefeed.LIVE
    steps = [int(s) for s in runs["a"].recorded_steps()]
    if len(steps) < 2:
        return framefeed.LIVE
    scrub, replay_from = kept.get("scrub", None), kept.get("replay_from", None)
    kept.put("scrub_step", min(steps, key=lambda s: abs(s - (steps[-1] if scrub is None else scrub))))
    cols = st.columns([6, 1.3, 1.6, 1.1], vertical_alignment="bottom")
    cols[0].select_slider("moment of the run (step): drag, or use the arrow keys", steps, format_func="{:,}".format,
                          help="Every frame the view showed is recorded (thinned as the run grows). "
                               "Pick one to see the picture as it was then.",
                          **kept.bind("scrub_step", then=_scrub))
    cols[1].button("Replay", key="replay", icon=":material/replay:", on_click=_replay, width="stretch",
                   help="Play the recorded frames as an animation, from the first.")
    cols[2].selectbox("replay speed", list(REPLAY_SPEEDS), label_visibility="collapsed",
                      **kept.bind("replay_speed", "10 frames/s"))
    cols[3].button("Live", key="live", on_click=_live, width="stretch", disabled=scrub is None and replay_from is None,
                   help="Back to the present frame.")
    if replay_from is not None:
        return framefeed.Moment(replay_from=replay_from, fps=REPLAY_SPEEDS[kept.get("replay_speed")])
    return framefeed.LIVE if scrub is None else framefeed.Moment(step=scrub)


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
    marks = {name: list(snap.events) for name, snap in snaps.items()}
    if kept.get("scrub", None) is not None:        # where the picture is, when it shows the past
        marks["a"].append((kept.get("scrub"), "shown"))
    live_chart(charts(snaps, marks=marks), key="charts", height=540)
    st.caption(metrics_caption(snaps))
