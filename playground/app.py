"""GAN Playground: the Streamlit page. It lays out settings and views; the engine does the training."""
import sys
from pathlib import Path

sys.setswitchinterval(0.001)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere: gancore is beside us

import streamlit as st  # noqa: E402

from gancore import ConfigError, TrainConfig  # noqa: E402
from gancore.config import TEXT_FIELDS, check_machine, spec_of  # noqa: E402
from gancore.losses import LOSSES, d_objective_latex  # noqa: E402
from playground import controls, dirac_page, figures, kept, lessons_panel, live, urlstate, viewstate, widgets  # noqa: E402
from playground.figures import ViewOptions  # noqa: E402
from playground.export_panel import export_panel  # noqa: E402
from playground.panels import points_panel, target_picker, theory_panel  # noqa: E402
from playground.sessions import session_runs  # noqa: E402

A, B = "cfg.", "b."
# Streamlit fades elements while a rerun is pending; at ten fragment runs a second that fade
# flickers over the live views. Their content is always the latest frame, so keep them opaque.
NO_STALE_FADE = "<style>[data-stale='true'] {opacity: 1 !important; transition: none !important;}</style>"
VIEW_HELP = {
    "arrows": "Each fake point's arrow is −∇ₓ of G's loss there: the direction that most lowers G's loss for "
              "that point. G's parameter step moves points only roughly that way. Lengths are rescaled each "
              "frame; the scale is written on the plot.",
    "manifold": "G applied to a grid of noise: how G folds the noise space into the plane.",
    "optimal": "D*(x) = p_data/(p_data+p_g) (mixture targets). p_g is estimated by a Gaussian KDE of 2,500 fakes "
               "(bandwidth h by Scott's rule, at most the modes' σ, shown on the plot); grey where D* is undefined. "
               "For hinge and WGAN-GP it is the minimax optimum, not what their D aims for.",
    "arrow_scale": "Arrow length multiplier: 1 draws the 90th-percentile arrow at 5% of the view. The figure "
                   "states the scale (arrow length per unit of ‖∇ₓL_G‖), so a vanishing gradient shows in that number.",
}
VIEW_LABELS = {"arrows": "generator's gradient arrows", "manifold": "generator manifold G(z)",
               "optimal": "optimal D* beside D", "arrow_scale": "arrow length"}
ARROW_SCALES = [0.25, 0.5, 1.0, 2.0, 4.0]


def first_visit() -> None:
    """Once per browser session: the URL's settings (over its lesson's) become the settings' values."""
    if st.session_state.get("_started"):
        return
    state = urlstate.read(st.query_params.to_dict())
    lessons_panel.load(state, autoplay=bool(state.lesson))
    kept.put("lang", state.lang)
    kept.put("hidden", state.hidden)
    st.session_state["points"] = ()
    st.session_state["_url_notices"] = state.notices
    st.session_state["_started"] = True


def on_compare_toggle() -> None:
    # The classic comparison by default: B plays the other of the two original G losses, unless
    # the user already gave B a loss of its own (a setting the user gave is never overwritten).
    a_loss = widgets.value("loss", A)
    if kept.get("compare") and kept.get("b_fields") == ["loss"] and widgets.value("loss", B) == a_loss:
        widgets.set_value("loss", B, "minimax" if a_loss != "minimax" else "nonsaturating")


def sidebar() -> tuple[dict, dict, ViewOptions]:
    """All settings; returns run A's values, run B's overrides and the view toggles."""
    with st.sidebar:
        st.header("Settings")
        target_picker(A)
        target = widgets.value("target", A)
        values: dict = {}
        for group in widgets.groups():
            with st.expander(group, expanded=group in ("Data", "Training")):
                values.update(widgets.draw_group(group, A, target, skip=kept.get("hidden")))
                if group == "Training":
                    _loss_formulas(values)
        overrides = _compare_settings()
        with st.expander("View", expanded=True):
            opts = _view_options(target)
    return values, overrides, opts


# View options a target on a line has no use for: its z -> x map is always drawn.
LINE_HIDES = ("manifold",)


def _view_options(target: str) -> ViewOptions:
    values = {}
    on_a_line = widgets.target_dim(target) == 1
    for name in viewstate.FIELDS:
        if name not in VIEW_LABELS or on_a_line and name in LINE_HIDES:
            values[name] = kept.get(f"view.{name}")   # not drawn: kept as the user left it
            continue
        bound = kept.bind(f"view.{name}")
        if name == "arrow_scale":
            values[name] = st.select_slider(VIEW_LABELS[name], sorted(set(ARROW_SCALES) | {kept.get("view." + name)}),
                                            help=VIEW_HELP[name], **bound)
        else:
            values[name] = st.toggle(VIEW_LABELS[name], help=VIEW_HELP[name], **bound)
    return ViewOptions(**values)


def _loss_formulas(values: dict) -> None:
    # D's objective with the penalties this run adds: what D minimises, and what the D loss chart shows.
    st.caption("D minimises")
    st.latex(d_objective_latex(values["loss"], values["gp_weight"], values["r1_weight"]))
    st.caption("G minimises")
    st.latex(LOSSES[values["loss"]].g_latex)


def _compare_settings() -> dict:
    with st.expander("Compare two runs", expanded=kept.get("compare")):
        st.toggle("compare run A with run B",
                  help="Two runs with the same seed and initial weights that differ only in what you pick below.",
                  **kept.bind("compare", then=on_compare_toggle))
        if not kept.get("compare"):
            return {}
        chosen = st.multiselect("run B differs in", [n for n in TEXT_FIELDS if n != "seed"],
                                format_func=lambda n: spec_of(n).label, **kept.bind("b_fields"))
        return {name: widgets.draw(name, B) for name in chosen}


def build_configs(values: dict, overrides: dict) -> tuple[TrainConfig, TrainConfig | None]:
    config_a = TrainConfig(**values, points=st.session_state["points"]).validate()
    config_b = config_a.replace(**overrides).validate() if kept.get("compare") else None
    for config in filter(None, (config_a, config_b)):
        check_machine(config)
    return config_a, config_b


PAGES = {"plane": "a GAN on data (2D, or on a line)", "dirac": "Dirac-GAN (why training cycles)"}


def page_picker() -> str:
    with st.sidebar:
        return st.radio("what to look at", list(PAGES), format_func=PAGES.get, horizontal=False,
                        help="In links: `page`.", **kept.bind("page"))


def kept_view() -> ViewOptions:
    return ViewOptions(**{n: kept.get(f"view.{n}") for n in viewstate.FIELDS})


def kept_overrides() -> dict:
    return {n: widgets.value(n, B) for n in kept.get("b_fields")} if kept.get("compare") else {}


def plane_page(notices) -> tuple[TrainConfig, dict, ViewOptions]:
    """The GAN on 2D data: settings, controls, live views and charts. Returns what the URL records."""
    values, overrides, opts = sidebar()
    runs = session_runs()
    try:
        config_a, config_b = build_configs(values, overrides)
    except ConfigError as err:
        notices.error(f"Settings not applied, the run keeps its current ones: {err}")
        config_a = runs.get("a", TrainConfig()).config
        overrides = {n: getattr(runs["b"].config, n) for n in kept.get("b_fields")} if runs.has("b") else {}
    else:
        controls.sync(runs, config_a, config_b)
        if lessons_panel.take_autoplay():
            controls.play(runs)
    with notices:
        controls.show_messages()
    controls.draw_controls(runs)
    # Each timed fragment in a container of its own: a full rerun that lands on a fragment's tick
    # otherwise can leave the elements after it hidden (seen in Streamlit 1.67).
    with st.container():
        live.run_views(opts)
    with st.container():
        live.history_charts()
    return config_a, overrides, opts


def dirac_page_(notices) -> tuple[TrainConfig, dict, ViewOptions]:
    """The Dirac-GAN: its own settings and picture; the 2D settings wait, unchanged, in the store."""
    with st.sidebar:
        config = dirac_page.sidebar()
    dirac_page.view(config, kept.get("lang"), kept.get("dirac_b"))
    runs = session_runs()
    try:
        plane = runs.get("a", TrainConfig(**{n: widgets.value(n, A) for n in TEXT_FIELDS},
                                          points=st.session_state["points"]).validate()).config
    except ConfigError:
        plane = runs.get("a", TrainConfig()).config
    return plane, kept_overrides(), kept_view()


def write_url(config_a: TrainConfig, overrides: dict, opts: ViewOptions) -> None:
    try:
        dirac = dirac_page.current().validate()
    except ConfigError:
        dirac = urlstate.DEFAULT_DIRAC
    state = urlstate.PageState(config_a, kept.get("compare"), overrides, opts, kept.get("lang"), kept.get("page"), dirac,
                               kept.get("lesson"), kept.get("hidden"))
    params = urlstate.write(state)
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def main() -> None:
    st.set_page_config(page_title="GAN Playground", page_icon="🎲", layout="wide")
    st.html(NO_STALE_FADE)
    kept.run_started()
    first_visit()
    page = page_picker()
    runs = session_runs()
    st.session_state["_runs"] = runs          # for tests: the session's runs, read-only use
    st.title("GAN Playground")
    st.caption(figures.view_caption(widgets.value("loss", A)) if page == "plane" else
               "The smallest GAN that shows why plain GAN training cycles around its equilibrium.")
    # Notices come and go; in a container of their own they never shift the elements below,
    # which would make Streamlit re-create the live charts' iframes.
    notices = st.container()
    for notice in st.session_state.get("_url_notices", ()):
        notices.warning(f"Link: {notice}. The default is used instead.")
    lessons_panel.panel(kept.get("lang"))
    config_a, overrides, opts = (plane_page if page == "plane" else dirac_page_)(notices)
    write_url(config_a, overrides, opts)
    tabs = st.tabs(["Theory", "Your own points", "Export"])
    with tabs[0]:
        theory_panel()
    with tabs[1]:
        points_panel(A)
    with tabs[2]:
        export_panel(runs)
    kept.run_finished()


main()
