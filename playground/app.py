"""GAN Playground: the Streamlit page. It lays out settings and views; the engine does the training."""
import sys
from pathlib import Path

sys.setswitchinterval(0.001)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere: gancore is beside us

import streamlit as st  # noqa: E402

from gancore import ConfigError, TrainConfig  # noqa: E402
from gancore.config import TEXT_FIELDS  # noqa: E402
from gancore.losses import LOSSES  # noqa: E402
from playground import controls, live, urlstate, widgets  # noqa: E402
from playground.figures import ViewOptions  # noqa: E402
from playground.panels import export_panel, points_panel, target_picker, theory_panel  # noqa: E402
from playground.sessions import session_runs  # noqa: E402

A, B = "cfg.", "b."
# Streamlit fades elements while a rerun is pending; at ten fragment runs a second that fade
# flickers over the live views. Their content is always the latest frame, so keep them opaque.
NO_STALE_FADE = "<style>[data-stale='true'] {opacity: 1 !important; transition: none !important;}</style>"


def first_visit() -> None:
    """Once per browser session: the URL's settings become the widgets' starting values."""
    if st.session_state.get("_started"):
        return
    state = urlstate.read(st.query_params.to_dict())
    widgets.seed_state(state.config.to_dict(), A, overwrite=True)
    widgets.seed_state(state.config.replace(**state.b_overrides).to_dict(), B, overwrite=True)
    st.session_state["compare"] = state.compare
    st.session_state["b_fields"] = list(state.b_overrides) or ["loss"]
    st.session_state["points"] = ()
    st.session_state["_url_notices"] = state.notices
    st.session_state["_started"] = True


def on_compare_toggle() -> None:
    # The classic comparison by default: B plays the other of the two original G losses.
    if st.session_state["compare"] and st.session_state["b_fields"] == ["loss"]:
        a_loss = st.session_state[A + "loss"]
        st.session_state[B + "loss"] = "minimax" if a_loss != "minimax" else "nonsaturating"


def sidebar() -> tuple[dict, dict, ViewOptions]:
    """All settings; returns run A's values, run B's overrides and the view toggles."""
    with st.sidebar:
        st.header("Settings")
        target_picker(A)
        target = st.session_state[A + "target"]
        values: dict = {}
        for group in widgets.groups():
            with st.expander(group, expanded=group in ("Data", "Training")):
                values.update(widgets.draw_group(group, A, target))
                if group == "Training":
                    _loss_formulas(values["loss"])
        overrides = _compare_settings(target)
        with st.expander("View", expanded=True):
            opts = ViewOptions(
                arrows=st.toggle("generator's gradient arrows", value=True, key="v_arrows",
                                 help="Each fake point's arrow is −∇ₓ of G's loss: where G's next step pushes it."),
                manifold=st.toggle("generator manifold G(z)", value=False, key="v_manifold",
                                   help="G applied to a grid of noise: how G folds the noise space into the plane."),
                optimal=st.toggle("optimal D* beside D", value=False, key="v_optimal",
                                  help="D*(x) = p_data/(p_data+p_g) (mixture targets), with p_g estimated from G's samples."),
                arrow_scale=st.select_slider("arrow length", [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5], value=0.05,
                                             key="v_scale", help="The same scale for every run, so a vanishing gradient shows."),
            )
    return values, overrides, opts


def _loss_formulas(loss: str) -> None:
    st.caption("D minimises")
    st.latex(LOSSES[loss].d_latex)
    st.caption("G minimises")
    st.latex(LOSSES[loss].g_latex)


def _compare_settings(target: str) -> dict:
    with st.expander("Compare two runs", expanded=st.session_state["compare"]):
        st.toggle("compare run A with run B", key="compare", on_change=on_compare_toggle,
                  help="Two runs with the same seed and initial weights that differ only in what you pick below.")
        if not st.session_state["compare"]:
            return {}
        chosen = st.multiselect("run B differs in", [n for n in TEXT_FIELDS if n != "seed"], key="b_fields")
        return {name: widgets.draw(name, B) for name in chosen}


def build_configs(values: dict, overrides: dict) -> tuple[TrainConfig, TrainConfig | None]:
    config_a = TrainConfig(**values, points=st.session_state["points"]).validate()
    config_b = config_a.replace(**overrides).validate() if st.session_state["compare"] else None
    return config_a, config_b


def main() -> None:
    st.set_page_config(page_title="GAN Playground", page_icon="🎲", layout="wide")
    st.html(NO_STALE_FADE)
    first_visit()
    values, overrides, opts = sidebar()
    runs = session_runs()
    st.session_state["_runs"] = runs          # for tests: the session's runs, read-only use
    st.title("GAN Playground")
    st.caption("Watch a generative adversarial network learn a 2D distribution, live. Green: real data and "
               "where D says *real*; magenta: G's fakes; purple: where D says *fake*; white: D = 1/2.")
    # Notices come and go; in a container of their own they never shift the elements below,
    # which would make Streamlit re-create the live charts' iframes.
    notices = st.container()
    for notice in st.session_state.get("_url_notices", ()):
        notices.warning(f"Link: {notice}. The default is used instead.")
    try:
        config_a, config_b = build_configs(values, overrides)
    except ConfigError as err:
        notices.error(f"Settings not applied, the run keeps its current ones: {err}")
        config_a, config_b = runs.get("a", TrainConfig()).config, None
    else:
        controls.sync(runs, config_a, config_b)
        params = urlstate.write(urlstate.PageState(config_a, config_b is not None, overrides))
        if params != st.query_params.to_dict():
            st.query_params.from_dict(params)
    with notices:
        controls.show_messages()
    controls.draw_controls(runs)
    # Each timed fragment in a container of its own: a full rerun that lands on a fragment's tick
    # otherwise can leave the elements after it hidden (seen in Streamlit 1.67).
    with st.container():
        live.run_views(opts)
    with st.container():
        live.history_charts()
    tabs = st.tabs(["Theory", "Your own points", "Export"])
    with tabs[0]:
        theory_panel()
    with tabs[1]:
        points_panel(A)
    with tabs[2]:
        export_panel(runs)


main()
