"""Figures say what holds: captions and titles per loss, colour ranges where the samples are, D*
labelled with its estimate, legible dots and arrows, one legend per chart, occupancy and floors."""
import dataclasses

import numpy as np
import pytest
import torch

from gancore import TrainConfig, Trainer
from gancore.losses import LOSSES
from gancore.palette import D_SCALE
from gancore.snapshot import RunState
from gancore.views import Probe
from playground.figures import (ARROW_SHARE, FAKE_NAME, LEGEND_STYLE, REAL_NAME, ViewOptions, arrow_note, arrow_scale,
                                arrow_tips, charts, metrics_caption, readout_title, run_view,
                                view_caption)

SMALL = dict(g_width=16, d_width=16, batch_size=32)
EQUILIBRIUM_LOSSES = [k for k, v in LOSSES.items() if v.equilibrium is not None]


def snapshot(steps: int = 0, trainer: Trainer | None = None, **config):
    t = trainer or Trainer(TrainConfig(**{**SMALL, **config}))
    probe = Probe(t)
    for _ in range(steps):
        t.iterate()
    return probe.snapshot(RunState.PAUSED, 0.0)


@pytest.fixture(scope="module")
def ring():
    return snapshot(3)


def nice(v: float) -> float:
    """1, 2, 5 x 10^k at or above v, written out independently of the code under test."""
    for k in range(-6, 7):
        for m in (1, 2, 5):
            if m * 10.0 ** k >= v:
                return m * 10.0 ** k


# ---- captions and titles per loss --------------------------------------------------------------

@pytest.mark.parametrize("key", LOSSES)
def test_view_caption_claims_one_half_only_where_the_loss_has_that_equilibrium(key):
    caption = view_caption(key)
    says_half = "white where D = 1/2" in caption or "white at 1/2" in caption
    assert says_half == (key in EQUILIBRIUM_LOSSES)
    assert {"hinge": "white at 0", "wgan-gp": "midway"}.get(key, "1/2") in caption
    with pytest.raises(KeyError, match="nonsaturating"):
        view_caption("bogus")


@pytest.mark.parametrize("key", LOSSES)
def test_readout_chart_title_and_half_line_only_where_the_equilibrium_holds(key):
    figure = charts({"a": snapshot(loss=key)})
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert readout_title(key) in titles
    assert ("equilibrium ½" in readout_title(key)) == (key in EQUILIBRIUM_LOSSES)
    half_lines = [s for s in figure["layout"]["shapes"] if s.get("yref") == "y2" and s["y0"] == 0.5]
    assert len(half_lines) == (key in EQUILIBRIUM_LOSSES)


def test_compare_with_a_loss_without_equilibrium_draws_no_half_line():
    figure = charts({"a": snapshot(loss="minimax"), "b": snapshot(loss="hinge")})
    assert not [s for s in figure["layout"]["shapes"] if s.get("yref") == "y2"]
    assert "mean D output on real and fake (the runs' losses differ)" in [a["text"] for a in figure["layout"]["annotations"]]


# ---- the D surface's colours -------------------------------------------------------------------

def test_score_colour_range_is_set_by_the_scores_at_the_points_not_the_grid_maximum():
    # A linear hinge D(x) = 10 x_1 on a Gaussian target (std 0.5): scores at the points are known and
    # mostly within +-10; on the grid they reach 10 x 2.5, where no sample is.
    t = Trainer(TrainConfig(loss="hinge", target="gaussian", d_layers=0, **SMALL))
    with torch.no_grad():
        t.D[0].weight[:] = torch.tensor([[10.0, 0.0]])
        t.D[0].bias[:] = 0.0
    snap = snapshot(trainer=t)
    scores = 10 * np.concatenate([snap.real[:, 0], snap.fake[:, 0]])
    half = nice(np.percentile(np.abs(scores), 95))            # centred on 0, hinge's boundary
    assert np.abs(snap.d_surface).max() > 2 * half               # the old range came from this maximum
    surface = run_view(snap, ViewOptions())["overlay"]["layers"][0]
    assert (surface["zmin"], surface["zmax"]) == (-half, half)
    assert surface["colorbar"]["title"] == "D's score: white = 0, boundary"
    assert [text for _, text in surface["colorbar"]["ticks"]] == [f"fake {-half:.3g}", "0", f"{half:.3g} real"]


def test_probability_surfaces_keep_0_to_1_and_say_what_white_means(ring):
    surface = run_view(ring, ViewOptions())["overlay"]["layers"][0]
    assert (surface["zmin"], surface["zmax"]) == (0.0, 1.0)
    assert surface["colorbar"]["title"] == "D(x): white = 0.5, can't tell"


# ---- D* ----------------------------------------------------------------------------------------

def test_d_star_panel_says_p_g_is_estimated_and_with_what_bandwidth(ring):
    figure = run_view(ring, ViewOptions(optimal=True))
    labels = [label["text"] for label in figure["overlay"]["labels"]]
    assert f"p_g: KDE of fakes, h = {ring.optimal_d_bandwidth:.2g}" in labels
    assert "optimal D* = p_data/(p_data+p_g)" in [a["text"] for a in figure["layout"]["annotations"]]
    # Plotly lays out the D* subplot only if a trace sits on its axes
    assert any(t.get("xaxis") == "x2" and t.get("yaxis") == "y2" for t in figure["data"])
    star = [layer for layer in figure["overlay"]["layers"] if layer["kind"] == "surface"][1]
    np.testing.assert_array_equal(star["z"], ring.optimal_d.ravel())


@pytest.mark.parametrize("key", ["hinge", "wgan-gp"])
def test_d_star_is_labelled_as_the_minimax_optimum_for_losses_that_do_not_aim_for_it(key):
    figure = run_view(snapshot(loss=key), ViewOptions(optimal=True))
    assert "D* of minimax: not this loss's aim" in [a["text"] for a in figure["layout"]["annotations"]]


# ---- dots and arrows ---------------------------------------------------------------------------

def luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def scale_colours(n: int = 101) -> list[str]:
    stops = np.array([s for s, _ in D_SCALE])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in D_SCALE], dtype=float)
    u = np.linspace(0, 1, n)
    mixed = np.stack([np.interp(u, stops, rgb[:, k]) for k in range(3)], 1).round().astype(int)
    return ["#" + "".join(f"{v:02x}" for v in row) for row in mixed]


@pytest.mark.parametrize("name", [REAL_NAME, FAKE_NAME])
def test_dots_contrast_with_every_colour_of_the_surface(name):
    # the fill or the outline stands out (WCAG's 3:1 for graphics) wherever the dot lands
    style = LEGEND_STYLE[name]
    worst = min(max(contrast(style["color"], c), contrast(style["outline"], c)) for c in scale_colours())
    assert worst >= 3.0 and style["opacity"] == 1.0


def test_arrows_adapt_so_the_90th_percentile_one_has_a_fixed_length_and_say_their_scale(ring):
    extent, opts = ring.extent, ViewOptions()
    push = np.random.default_rng(0).normal(size=(200, 2)) * 1e3      # a huge gradient
    tips = arrow_tips(np.zeros((200, 2)), push, opts, extent)
    lengths = np.linalg.norm(tips, axis=1)
    width = extent[1] - extent[0]
    assert np.percentile(lengths, 90) == pytest.approx(ARROW_SHARE * width)
    assert lengths.max() <= opts.max_arrow * ARROW_SHARE * width + 1e-9
    scale = ARROW_SHARE * width / np.percentile(np.linalg.norm(push, axis=1), 90)
    assert arrow_scale(push, opts, extent) == pytest.approx(scale)
    assert arrow_note(scale) == f"arrows: {scale:.2g} × ‖∇ₓL_G‖"
    # a vanishing gradient draws the same arrows; only the stated scale tells it apart
    np.testing.assert_allclose(arrow_tips(np.zeros((200, 2)), push * 1e-9, opts, extent), tips)
    assert arrow_scale(push * 1e-9, opts, extent) == pytest.approx(scale * 1e9)
    longer = arrow_tips(np.zeros((200, 2)), push, dataclasses.replace(opts, arrow_scale=2.0), extent)
    assert np.percentile(np.linalg.norm(longer, axis=1), 90) == pytest.approx(2 * ARROW_SHARE * width)
    assert arrow_note(arrow_scale(np.zeros((3, 2)), opts, extent)) == "arrows: ∇ₓL_G = 0"


def test_the_arrows_scale_is_written_on_the_figure(ring):
    labels = run_view(ring, ViewOptions())["overlay"]["labels"]
    assert labels[0]["text"] == arrow_note(arrow_scale(ring.g_field, ViewOptions(), ring.extent))
    assert labels[0]["xaxis"] == "xaxis" and not run_view(ring, ViewOptions(arrows=False))["overlay"]["labels"]


# ---- the history charts ------------------------------------------------------------------------

def test_each_chart_has_its_own_legend_beside_it(ring):
    figure = charts({"a": ring})
    layout = figure["layout"]
    for trace in figure["data"]:
        if trace["type"] == "scatter":
            n = trace["xaxis"][1:]
            assert trace["legend"] == ("legend" if n == "1" else f"legend{n}")
    legends = [key for key in layout if key.startswith("legend")]
    assert len(legends) == 5                                          # occupancy has a colour bar instead
    assert len({(layout[k]["x"], layout[k]["y"]) for k in legends}) == 5


def test_compare_mode_names_the_runs_and_draws_b_dotted_and_lighter(ring):
    figure = charts({"a": ring, "b": ring})
    by_name = {t["name"]: t for t in figure["data"] if t["type"] == "scatter"}
    a, b = by_name["A D loss"]["line"], by_name["B D loss"]["line"]
    assert a["dash"] == "solid" and b["dash"] == "dot"
    assert luminance(b["color"]) > luminance(a["color"]) + 0.1
    assert sum(t["type"] == "heatmap" for t in figure["data"]) == 2                  # a strip per run
    assert sum(t["name"] == "floor" for t in figure["data"] if t["type"] == "scatter") == 1   # shared floor once


def test_axes_say_what_they_show_log_decades_are_powers_and_nats_are_apart_from_fractions(ring):
    figure = charts({"a": ring})
    layout = figure["layout"]
    for key in [k for k in layout if k.startswith("yaxis")]:
        assert layout[key]["title"]["text"]
    for n in (3, 4):
        assert layout[f"yaxis{n}"]["type"] == "log" and layout[f"yaxis{n}"]["exponentformat"] == "power"
    assert layout["yaxis4"]["title"]["text"] == "nats (log)" and layout["yaxis5"]["title"]["text"] == "fraction"
    on_axis = {}
    for t in figure["data"]:
        on_axis.setdefault(t["yaxis"], set()).add(t.get("name"))
    assert on_axis["y4"] == {"JS", "floor"} and on_axis["y5"] == {"modes", "high quality", "hq of data"}


def test_floors_are_dashed_levels_at_the_snapshots_floor(ring):
    figure = charts({"a": ring})
    floor = next(t for t in figure["data"] if t.get("name") == "floor")
    assert list(floor["y"]) == [ring.metric_floor["js"]] * 2 and floor["line"]["dash"] == "dash"
    caption = metrics_caption({"a": ring})
    assert f"(floor {ring.metric_floor['js']:.3f})" in caption and f"(floor {ring.metric_floor['w1']:.3f})" in caption
    assert f"(real data: {ring.metric_floor['hq']:.0%})" in caption and "a perfect G reaches it, not 0" in caption


def test_setting_changes_are_dotted_lines_on_every_chart_labelled_on_the_top_ones(ring):
    figure = charts({"a": ring}, marks={"a": [(2, "lr D"), (3, "k 2")]})
    layout = figure["layout"]
    axes = [k for k in layout if k.startswith("xaxis")]
    at = [s for s in layout["shapes"] if s.get("x0") == 2 and s["line"]["dash"] == "dot"]
    assert sorted(s["xref"] for s in at) == sorted("x" + k[5:] for k in axes)
    labels = [a for a in layout["annotations"] if a["text"] == "lr D"]
    assert sorted(a["xref"] for a in labels) == ["x1", "x2"]


def test_mode_occupancy_is_a_strip_of_modes_by_steps_and_absent_without_modes(ring):
    figure = charts({"a": ring})
    strip = next(t for t in figure["data"] if t["type"] == "heatmap")
    np.testing.assert_array_equal(strip["z"], ring.mode_occupancy.T)
    assert strip["zmax"] == pytest.approx(2 / 8) and list(strip["y"]) == list(range(1, 9))
    moons = snapshot(target="moons")
    assert not [t for t in charts({"a": moons})["data"] if t["type"] == "heatmap"]
    assert "yaxis5" not in charts({"a": moons})["layout"]                  # two rows: no mode panels
    assert charts({"a": moons})["layout"]["height"] == charts({"a": ring})["layout"]["height"] <= 540


def test_the_penalty_is_plotted_only_when_one_is_on():
    with_gp = charts({"a": snapshot(2, loss="wgan-gp")})
    assert "its penalty" in [t.get("name") for t in with_gp["data"]]
    assert "losses (D's: all it minimises, penalties included)" in [a["text"] for a in with_gp["layout"]["annotations"]]
    plain = charts({"a": snapshot(2)})
    assert "its penalty" not in [t.get("name") for t in plain["data"]]
