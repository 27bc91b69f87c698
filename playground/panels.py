"""The page's secondary panels: target picker, theory, and the user's own points."""
from __future__ import annotations

import numpy as np
import streamlit as st

from gancore.points import FORMAT, MAX_MEGABYTES, MAX_POINTS, MIN_POINTS, PointsError, normalise, parse_points
from gancore.snapshot import Snapshot
from gancore.targets import make_target
from playground import kept, widgets
from playground.live_chart import live_chart
from playground.sessions import session_runs
from playground.theory import LANGUAGES, LiveNumbers, theory_sections
from playground.thumbnails import pickable, thumbnail

THUMBS_PER_ROW = 3
# Thumbnail buttons carry the target's key: small type so "checkerboard" fits a third of the sidebar.
PICKER_CSS = "<style>[class*='st-key-pick-'] button p {font-size: 0.72rem; white-space: nowrap;}" \
             "[class*='st-key-pick-'] button {padding: 0 2px; min-height: 1.6rem;}</style>"
DRAW_WINDOW = 2.5


def _pick_target(prefix: str, key: str) -> None:
    widgets.set_value("target", prefix, key)
    if make_target(key).dim == 1:
        # The paper's z line: a target on a line starts with uniform noise (the user may change it).
        widgets.set_value("noise", prefix, "uniform")


def target_picker(prefix: str) -> None:
    """Thumbnails of every target, each with a button that picks it."""
    with st.expander("Target distribution", expanded=True):
        st.html(PICKER_CSS)
        keys = pickable()
        for row in range(0, len(keys), THUMBS_PER_ROW):
            for col, key in zip(st.columns(THUMBS_PER_ROW), keys[row:row + THUMBS_PER_ROW]):
                col.image(thumbnail(key), width="stretch")
                col.button(key, key=f"pick-{key}", on_click=_pick_target, args=(prefix, key),
                           width="stretch",
                           type="primary" if widgets.value("target", prefix) == key else "secondary")


def _live_numbers(snap: Snapshot) -> LiveNumbers:
    last, c = snap.last(), snap.config
    return LiveNumbers(step=snap.step, k=c.d_steps, g_steps=c.g_steps, loss=c.loss, d_real=last["d_real"],
                       d_fake=last["d_fake"], g_grad_norm=last["g_grad_norm"], d_grad_norm=last["d_grad_norm"],
                       batch_size=c.batch_size, gp_weight=c.gp_weight, r1_weight=c.r1_weight)


def theory_panel() -> None:
    """The theory the playground teaches, in the chosen language (part of the link)."""
    st.radio("language", list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True,
             label_visibility="collapsed", **kept.bind("lang"))
    _theory_text(kept.get("lang"))


@st.fragment(run_every=5.0)
def _theory_text(lang: str) -> None:
    """The sections, with run A's current numbers filled in every few seconds."""
    for title, body in theory_sections(lang, _live_numbers(session_runs()["a"].snapshot())):
        st.subheader(title)
        st.markdown(body)


def _use_points(prefix: str, points: np.ndarray) -> None:
    st.session_state["points"] = tuple((float(x), float(y)) for x, y in points)
    widgets.set_value("target", prefix, "points")
    st.session_state["_points_changed"] = True


def points_panel(prefix: str) -> None:
    """Draw points by clicking, or upload a CSV; either becomes the 'points' target."""
    left, right = st.columns(2)
    with left:
        _draw_panel(prefix)
    with right:
        _upload_panel(prefix)
    if st.session_state["points"]:
        st.caption(f"Training on your {len(st.session_state['points']):,} points. They are not part of the "
                   "shareable link; export the config to keep them.")


@st.fragment
def _draw_panel(prefix: str) -> None:
    # A fragment of its own: each stroke reruns only this part, never the page (a full rerun racing
    # the live views' timers can re-create their charts).
    st.markdown("**Draw**: click or drag on the canvas to add points, then train on them.")
    # The canvas is a chart of its own (plotly.js loads in its iframe): made only when asked for.
    if not st.toggle("open the drawing canvas", key="draw_open"):
        return
    key = f"draw-{st.session_state.setdefault('draw_version', 0)}"
    drawn = live_chart(_canvas(st.session_state.get(key) or []), key=key, height=360, click_to_add=True) or []
    st.caption(f"{len(drawn)} points drawn (at least {MIN_POINTS} needed).")
    c1, c2 = st.columns(2)
    c1.button("Train on these points", key="use_drawn", disabled=len(drawn) < MIN_POINTS,
              on_click=_use_points, args=(prefix, np.asarray(drawn, dtype=float).reshape(-1, 2)))
    c2.button("Clear", key="clear_drawn",
              on_click=lambda: st.session_state.update(draw_version=st.session_state["draw_version"] + 1))
    if st.session_state.pop("_points_changed", False):
        st.rerun()          # the whole page: the target changed


def _upload_panel(prefix: str) -> None:
    st.markdown("**Upload** a CSV of x, y numbers (a header row is fine). "
                "Points are centred and scaled to fit the view.")
    # A rejected file is not left listed as if accepted: its message is kept in the session and
    # the uploader is made again, empty, under the next key.
    version = st.session_state.setdefault("upload_version", 0)
    upload = st.file_uploader(f"CSV of x, y numbers, up to {MAX_MEGABYTES} MB and {MAX_POINTS:,} points",
                              type=["csv", "txt"], key=f"upload-{version}",
                              help=f"{FORMAT}. Only numbers are read; nothing in the file is run.")
    if upload is None:
        if rejected := st.session_state.get("upload_rejected"):
            st.error(rejected)
        return
    try:
        points = normalise(parse_points(upload.getvalue()), DRAW_WINDOW)
    except PointsError as err:
        st.session_state.update(upload_rejected=f"{upload.name}: {err}. Your current run is unchanged.",
                                upload_version=version + 1)
        st.rerun()
    st.session_state["upload_rejected"] = None
    st.success(f"{upload.name}: {len(points):,} points read.")
    st.button("Train on uploaded points", key="use_upload", on_click=_use_points, args=(prefix, points))


def _canvas(points: list) -> dict:
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    r = [-DRAW_WINDOW, DRAW_WINDOW]
    axis = {"range": r, "zeroline": True, "showgrid": True, "fixedrange": True}
    return {"data": [{"type": "scatter", "x": xy[:, 0], "y": xy[:, 1], "mode": "markers",
                      "marker": {"color": "#1b7837", "size": 7}}],
            "layout": {"xaxis": axis, "yaxis": {**axis, "scaleanchor": "x"}, "margin": {"l": 30, "r": 10, "t": 10, "b": 30},
                       "showlegend": False}}
