"""The Export tab: everything a run can leave the page as, and come back from.

Config (JSON, which loads back), history (CSV with every number the charts show), the run as an
animation (GIF or MP4, both runs side by side in compare mode), the link to these settings, and a
classroom link that hides chosen controls.
"""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from gancore.animation import export_bytes
from gancore.config import TEXT_FIELDS, ConfigError, config_from_dict, spec_of
from gancore.snapshot import Snapshot
from playground import controls, kept, urlstate, widgets
from playground.sessions import SessionRuns

ANIMATION_FORMATS = {"MP4 (small)": "mp4", "GIF": "gif"}


def export_panel(runs: SessionRuns) -> None:
    snaps = {name: runs[name].snapshot() for name in controls.names(runs)}
    st.markdown("**Settings and history**")
    cols = st.columns(2 * len(snaps))
    for i, (name, snap) in enumerate(snaps.items()):
        cols[2 * i].download_button(f"config.json (run {name.upper()})", json.dumps(snap.config.to_dict(), indent=2),
                                    file_name=f"gan-playground-config-{name}.json", mime="application/json",
                                    key=f"dl_config_{name}")
        cols[2 * i + 1].download_button(f"history.csv (run {name.upper()})", history_csv(snap), mime="text/csv",
                                        file_name=f"gan-playground-history-{name}.csv", key=f"dl_history_{name}")
    _load_config()
    _animation(runs, list(snaps))
    _links()


def _load_config() -> None:
    upload = st.file_uploader("load a config.json (run A's settings)", type=["json"], key="config_upload",
                              help="A config.json saved from here: run A takes its settings.")
    if upload is None or st.session_state.get("_config_loaded") == upload.file_id:
        return
    try:
        config = config_from_dict(json.loads(upload.getvalue().decode("utf-8")))
    except (ValueError, UnicodeDecodeError, ConfigError) as err:
        st.error(f"{upload.name}: {err}. Your current settings are unchanged.")
        return
    widgets.seed_state(config.to_dict(), "cfg.", overwrite=True)
    st.session_state["points"] = config.points
    st.session_state["_config_loaded"] = upload.file_id
    st.rerun()


def _animation(runs: SessionRuns, names: list[str]) -> None:
    st.markdown("**The run as an animation** (every recorded frame, the step on each)")
    cols = st.columns([2, 3])
    fmt = ANIMATION_FORMATS[cols[0].selectbox("format", list(ANIMATION_FORMATS), label_visibility="collapsed",
                                              **kept.bind("animation_format", "MP4 (small)"))]
    what = "both runs side by side" if len(names) > 1 else "run A"
    cols[1].download_button(f"animation.{fmt} ({what})", lambda: animation(runs, names, fmt), key="dl_animation",
                            file_name=f"gan-playground.{fmt}", mime="video/mp4" if fmt == "mp4" else "image/gif")


def animation(runs: SessionRuns, names: list[str], fmt: str) -> bytes:
    """The recorded frames of the runs as one animation; in compare mode A and B side by side at each step."""
    recordings = [runs[name].recording() for name in names]
    if len(recordings) == 1:
        return export_bytes(recordings[0], fmt)
    a, b = recordings
    b_steps = np.array([s.step for s in b])
    pairs = [(snap, b[int(np.abs(b_steps - snap.step).argmin())]) for snap in a]
    return export_bytes(pairs, fmt, labels=("A", "B"))


def _links() -> None:
    st.markdown("**Links**: the page's address already holds every setting; copy it from here.")
    base = (st.context.url or "").split("?")[0]
    here = dict(st.query_params.to_dict())
    here.pop(urlstate.HIDE_KEY, None)
    st.code(f"{base}?{urlencode(here)}", language=None)
    hide = st.multiselect("classroom link: hide these controls", list(TEXT_FIELDS), format_func=lambda n: spec_of(n).label,
                          help="Students who open the link see the run as you set it, without these controls.",
                          **kept.bind("classroom_hide", []))
    if hide:
        st.code(f"{base}?{urlencode({**here, urlstate.HIDE_KEY: ','.join(hide)})}", language=None)


def history_csv(snap: Snapshot) -> str:
    """Every number the charts show, one row per recorded step: the per-iteration statistics, and the
    metrics (JS, W1, modes, ...), their sampling floors and the mode occupancy where they were measured."""
    columns: dict[str, dict[int, float]] = {}
    for source in (snap.history, snap.metric_history):
        steps = source.get("step", ())
        for name, values in source.items():
            if name != "step":
                columns.setdefault(name, {}).update(zip(np.asarray(steps).tolist(), np.asarray(values).tolist()))
    if snap.mode_occupancy is not None:
        for m in range(snap.mode_occupancy.shape[1]):
            columns[f"occupancy_mode_{m + 1}"] = dict(zip(snap.metric_history["step"].tolist(),
                                                          snap.mode_occupancy[:, m].tolist()))
    for name, floor in (snap.metric_floor or {}).items():
        if floor is not None:
            columns[f"{name}_floor"] = {s: floor for s in snap.metric_history.get("step", np.array([])).tolist()}
    steps = sorted({s for values in columns.values() for s in values})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", *columns])
    for step in steps:
        writer.writerow([step, *(_cell(values.get(step)) for values in columns.values())])
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None or not np.isfinite(value) else repr(float(value))
