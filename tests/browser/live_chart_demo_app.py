"""Streamlit app for the live chart browser tests: an animated chart redrawn ten times a second and a chart to draw on."""

from __future__ import annotations

import json
import time

import numpy as np
import streamlit as st

from playground.live_chart import live_chart

GRID_SIZE = 60  # heatmap cells per side, as in the real app's discriminator map
N_POINTS = 512  # scatter points, as in the real app
DRAW_RANGE = (0.0, 10.0)  # both axes of the draw chart, so tests can turn pixels into coordinates
DRAW_MARGIN = {"l": 50, "r": 20, "t": 20, "b": 40}  # fixed, so tests know where the plot area is
DRAW_HEIGHT = 300
DEMO_RANGE = (-2.0, 2.0)  # both axes of the animated chart
DEMO_MARGIN = {"l": 40, "r": 20, "t": 40, "b": 30}

# Fixed noise, so points move smoothly between frames instead of jumping.
_POINTS = np.random.default_rng(0).normal(size=(N_POINTS, 2)) * 0.5


def demo_figure(frame: int, t: float) -> dict:
    """A 60x60 heatmap and a 512-point scatter that drift with time `t`, tagged with `frame`."""
    axis = np.linspace(*DEMO_RANGE, GRID_SIZE)
    heat = np.sin(axis[None, :] * 2 + t) * np.cos(axis[:, None] * 2 - t)  # (GRID_SIZE, GRID_SIZE)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    points = _POINTS @ turn.T + [0.8 * np.sin(t), 0.0]  # (N_POINTS, 2)
    axis_layout = {"range": list(DEMO_RANGE), "automargin": False}
    return {
        "data": [
            {"type": "heatmap", "x": axis, "y": axis, "z": heat, "colorscale": "RdBu", "showscale": False},
            {"type": "scatter", "mode": "markers", "x": points[:, 0], "y": points[:, 1]},
        ],
        "layout": {
            "meta": frame,
            "title": {"text": f"frame {frame}"},
            "xaxis": axis_layout,
            "yaxis": axis_layout,
            "margin": DEMO_MARGIN,
            "showlegend": False,
        },
    }


def draw_figure(points: list[list[float]] | None) -> dict:
    """An empty square of known range that shows the points drawn so far."""
    xy = np.array(points or [], dtype=float).reshape(-1, 2)
    axis = {"range": list(DRAW_RANGE), "autorange": False, "automargin": False}
    return {
        "data": [{"type": "scatter", "mode": "markers", "x": xy[:, 0], "y": xy[:, 1]}],
        "layout": {"xaxis": axis, "yaxis": axis, "margin": DRAW_MARGIN, "showlegend": False},
    }


@st.fragment(run_every=0.1)
def animated_chart() -> None:
    frame = st.session_state.get("frame", 0) + 1
    st.session_state["frame"] = frame
    live_chart(demo_figure(frame, time.monotonic()), key="demo")


# A fragment of its own, so a click reruns only this part, never the whole script: in Streamlit
# 1.67 a full rerun that meets a tick of the 10 Hz fragment can drop and re-create that fragment's
# chart (a new iframe) and leave the elements after it hidden.
@st.fragment
def draw_panel() -> None:
    points = live_chart(
        draw_figure(st.session_state.get("draw")), key="draw", height=DRAW_HEIGHT, click_to_add=True
    )
    st.text(f"drawn points: {json.dumps(points)}")


if __name__ == "__main__":
    animated_chart()
    draw_panel()
