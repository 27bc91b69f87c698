"""The page's commands: keeping the session's runs in line with the settings, and the run controls."""
from __future__ import annotations

import functools

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from gancore import CapacityError, ConfigError, TrainConfig
from gancore.config import changed_fields
from playground import kept
from playground.sessions import SessionRuns

SPEEDS = {"1 / s": 1.0, "10 / s": 10.0, "100 / s": 100.0, "max": None}
MESSAGE = "_controls_message"      # session key of a one-off notice for the next page run


def page_run_only(command):
    """Run a page-level button's command only in a page run, never in a fragment's run.

    With timed fragments, a click's trigger can reach the server twice: in a fragment rerun that
    overtakes the page rerun, then in the page rerun (seen with Streamlit 1.67 at 10 Hz: one click
    on Step made two steps). These buttons live outside every fragment, so their own run is the
    page's; the fragment-run call is the echo.
    """
    @functools.wraps(command)
    def wrapper(*args):
        ctx = get_script_run_ctx()
        if ctx is not None and ctx.fragment_ids_this_run:
            return
        command(*args)
    return wrapper


def say(kind: str, text: str) -> None:
    """Queue a notice (info, warning, error) to show on the next page run."""
    st.session_state.setdefault(MESSAGE, []).append((kind, text))


def show_messages() -> None:
    for kind, text in st.session_state.pop(MESSAGE, []):
        getattr(st, kind)(text)


def sync(runs: SessionRuns, config_a: TrainConfig, config_b: TrainConfig | None) -> None:
    """Bring the runs in line with the settings: live fields in place, others by a fresh run."""
    if config_b is None:
        if runs.has("b"):
            runs.drop("b")
    elif not runs.has("b"):
        # Entering compare mode: both runs restart together from the same initial weights, each in
        # a process of its own (started ahead of need) so that they train side by side at full speed.
        playing = runs.has("a") and runs["a"].running
        with st.spinner("Starting two runs side by side…"):
            runs.replace({"a": config_a, "b": config_b}, place="process")
        say("info", "Compare mode: both runs start from step 0 with the same seed and initial weights.")
        if playing:
            play(runs)
    for name, config in (("a", config_a), ("b", config_b)):
        if config is not None:
            _apply(runs, name, config)
    speed = SPEEDS[kept.get("speed", "max")]
    for name in names(runs):
        if runs[name].max_steps_per_s != speed:
            runs[name].max_steps_per_s = speed


def _apply(runs: SessionRuns, name: str, config: TrainConfig) -> None:
    runner = runs.get(name, config)
    before = runner.config
    if before == config:
        return
    playing = runner.running
    try:
        kept_run = runner.update(config)
    except (ConfigError, ValueError) as err:
        say("error", f"Run {name.upper()} keeps its settings: {err}")
        return
    if not kept_run:
        say("info", f"Run {name.upper()}: started a fresh run (a structural setting changed: "
                    f"{', '.join(changed_fields(before, config))}).")
        if playing:
            _play_one(runner, name)


def names(runs: SessionRuns) -> list[str]:
    return ["a", "b"] if runs.has("b") else ["a"]


def _play_one(runner, name: str) -> None:
    try:
        runner.play()
    except CapacityError as err:
        say("warning", f"Run {name.upper()} cannot start: {err}")


@page_run_only
def play(runs: SessionRuns) -> None:
    for name in names(runs):
        _play_one(runs[name], name)


@page_run_only
def pause(runs: SessionRuns) -> None:
    for name in names(runs):
        runs[name].pause()


@page_run_only
def step(runs: SessionRuns, kind: str) -> None:
    for name in names(runs):
        runs[name].step(kind)


@page_run_only
def reset(runs: SessionRuns) -> None:
    for name in names(runs):
        runs[name].reset()


def draw_controls(runs: SessionRuns) -> None:
    """Play/pause, step, step D, step G, reset and speed, in one row."""
    running = runs["a"].running
    cols = st.columns([1.2, 1, 1, 1, 1, 2.2])
    cols[0].button("Pause" if running else "Play", key="play", on_click=pause if running else play, args=(runs,),
                   icon=":material/pause:" if running else ":material/play_arrow:", type="primary", width="stretch")
    cols[1].button("Step", key="step", on_click=step, args=(runs, "iteration"), width="stretch",
                   help="One iteration of Algorithm 1: k D-steps, then the G-steps.")
    cols[2].button("Step D", key="step_d", on_click=step, args=(runs, "d"), width="stretch",
                   help="One discriminator update only.")
    cols[3].button("Step G", key="step_g", on_click=step, args=(runs, "g"), width="stretch",
                   help="One generator update only, through a D that is not updated.")
    cols[4].button("Reset", key="reset", on_click=reset, args=(runs,), width="stretch",
                   help="A fresh run from the same seed: same initial weights.")
    cols[5].select_slider("speed (iterations / s)", list(SPEEDS), label_visibility="collapsed",
                          **kept.bind("speed", "max"))
