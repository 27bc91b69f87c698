"""One-dimensional GANs (Goodfellow et al. 2014, Fig. 1): the line targets, their training, probe, metrics and view."""
import json
import math
import statistics

import numpy as np
import pytest
import torch

from gancore.cli import main
from gancore.config import TrainConfig
from gancore.lineprobe import LINE_GRID, Z_LINES, binned_masses, line_bandwidth, smooth
from gancore.losses import LOSSES
from gancore.metrics import histogram_1d, js_divergence_1d, kl_divergence_1d, mode_occupancy, mode_stats, w1_1d
from gancore.noise import noise_quantiles
from gancore.snapshot import RunState
from gancore.targets import TARGETS, TargetParams, make_target
from gancore.trainer import Trainer
from gancore.views import N_SHOWN, Probe
from playground.figures import ViewOptions, run_view
from playground.figures_1d import D_NAME, MAP_NAME, P_DATA_NAME, P_G_NAME, PUSH_NAME, D_STAR_NAME, line_view
from playground.framefeed import frame_body
from playground.thumbnails import thumbnail
from tests.support import one_torch_thread  # noqa: F401 (autouse fixture)

POINTS = TargetParams(points=((0.0, 0.0), (1.0, 1.0), (2.0, -1.0)))   # the 'points' target needs some
LINE = [k for k in TARGETS if make_target(k, POINTS).dim == 1]
SMALL = dict(g_width=16, d_width=16, batch_size=64, noise="uniform")
LN2 = math.log(2)
OVERLAY_KINDS = {"surface", "dots", "segments", "polyline"}     # what live_chart_frontend/main.js draws


def probe_after(steps: int, **settings):
    t = Trainer(TrainConfig(**{"target": "gauss1d", **SMALL, **settings}))
    p = Probe(t)
    for _ in range(steps):
        t.iterate()
    return t, p, p.snapshot(RunState.RUNNING, 0.0)


# ---- the targets ------------------------------------------------------------------------------

def test_the_line_targets_sit_in_the_same_registry_with_dimension_1():
    assert set(LINE) == {"gauss1d", "bimodal1d", "uniform1d", "lognormal1d"}
    assert all(make_target(k, POINTS).dim == 2 for k in TARGETS if k not in LINE)


@pytest.mark.parametrize("key", LINE)
def test_samples_are_n_by_1_float32_reproducible_and_inside_the_window(key):
    target = make_target(key)
    x = target.sample(20_000, np.random.default_rng(1))
    assert x.shape == (20_000, 1) and x.dtype == np.float32 and x.flags.c_contiguous and np.isfinite(x).all()
    np.testing.assert_array_equal(x, target.sample(20_000, np.random.default_rng(1)))
    x0, x1, y0, y1 = target.extent
    assert (y0, y1) == (x0, x1) and x0 <= -2.5 and x1 >= 2.5
    assert ((x >= x0) & (x <= x1)).mean() > 0.999


@pytest.mark.parametrize("key", LINE)
def test_densities_integrate_to_one(key):
    target = make_target(key)
    step = 1e-4                                     # midpoints: exact to ~1e-7 for these smooth (or boxy) pdfs
    x = np.arange(-20.0, 60.0, step) + step / 2
    assert target.density(x).sum() * step == pytest.approx(1.0, abs=2e-4)
    assert target.density(x[:, None]).shape == x.shape      # (n, 1) and (n,) alike


@pytest.mark.parametrize("key", LINE)
def test_densities_match_histograms_of_samples(key):
    target = make_target(key)
    n, (x0, x1) = 200_000, target.extent[:2]
    got = histogram_1d(target.sample(n, np.random.default_rng(2)), x0, x1, 40)[:-1]
    edges = np.linspace(x0, x1, 41)
    fine = np.linspace(x0, x1, 40 * 400 + 1)
    mid, width = (fine[1:] + fine[:-1]) / 2, fine[1] - fine[0]
    want = np.add.reduceat(target.density(mid) * width, np.arange(0, len(mid), 400))
    assert len(want) == len(edges) - 1
    # within 5 binomial standard deviations, plus the midpoint rule's error at the uniform's jumps
    assert np.all(np.abs(got - want) <= 5 * np.sqrt(want * (1 - want) / n) + 2e-4)


def test_densities_have_the_known_values():
    s = 0.5
    np.testing.assert_allclose(make_target("gauss1d").density([1.0, 1.5]),
                               np.array([1.0, math.exp(-0.5)]) / (s * math.sqrt(2 * math.pi)), rtol=1e-12)
    bimodal = make_target("bimodal1d")
    np.testing.assert_allclose(bimodal.density([-1.5]), 0.5 / (0.3 * math.sqrt(2 * math.pi)), rtol=1e-9)
    np.testing.assert_allclose(make_target("uniform1d").density([-1.01, -1.0, 0.0, 2.0, 2.01]), [0, 1 / 3, 1 / 3, 1 / 3, 0])
    with np.errstate(all="raise"):                  # no log of 0 or of a negative number
        lognormal = make_target("lognormal1d").density([-1.0, 0.0, 1.0, math.e])
    np.testing.assert_allclose(lognormal, [0.0, 0.0, 1 / (0.5 * math.sqrt(2 * math.pi)),
                                           math.exp(-2.0) / (math.e * 0.5 * math.sqrt(2 * math.pi))], rtol=1e-12)


def test_the_mixtures_on_the_line_have_centres_and_modes():
    bimodal = make_target("bimodal1d")
    assert bimodal.centers.shape == (2, 1) and bimodal.std == 0.3
    x = bimodal.sample(10_000, np.random.default_rng(3))
    modes, hq = mode_stats(x, bimodal.centers, bimodal.std)
    assert modes == 2 and hq == pytest.approx(0.9973, abs=0.003)     # P(|N(0,1)| <= 3)
    np.testing.assert_allclose(mode_occupancy(x, bimodal.centers), [0.5, 0.5], atol=0.02)
    assert make_target("uniform1d").centers is None and make_target("lognormal1d").std is None


# ---- noise and training -----------------------------------------------------------------------

def test_prior_quantiles_are_evenly_spread_in_probability():
    np.testing.assert_allclose(noise_quantiles("uniform", 4)[:, 0].numpy(), [-0.75, -0.25, 0.25, 0.75], rtol=1e-6)
    normal = statistics.NormalDist()
    want = [normal.inv_cdf((i + 0.5) / 10) for i in range(10)]
    np.testing.assert_allclose(noise_quantiles("gaussian", 10)[:, 0].numpy(), want, rtol=1e-5)


def test_g_maps_one_number_to_one_and_d_one_number_to_a_score():
    t = Trainer(TrainConfig(target="gauss1d", noise_dim=5, **SMALL))
    assert t.z_dim == 1 and t.noise(7).shape == (7, 1) and t.real_batch(7).shape == (7, 1)
    assert t.G(t.noise(7)).shape == (7, 1) and t.D(t.real_batch(7)).shape == (7, 1)
    assert t.G[0].in_features == 1 and t.G[-1].out_features == 1 and t.D[0].in_features == 1


def test_noise_dim_is_ignored_on_the_line_so_the_run_is_the_same():
    runs = [Trainer(TrainConfig(target="bimodal1d", noise_dim=d, **SMALL)) for d in (1, 2, 8)]
    for t in runs:
        for _ in range(20):
            t.iterate()
    for t in runs[1:]:
        assert all(torch.equal(a, b) for a, b in zip(runs[0].G.parameters(), t.G.parameters()))
        np.testing.assert_array_equal(runs[0].history.frozen()["loss_d"], t.history.frozen()["loss_d"])


@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_loss_trains_on_the_line_with_both_penalties(loss):
    t = Trainer(TrainConfig(target="lognormal1d", loss=loss, gp_weight=1.0, r1_weight=1.0, **SMALL))
    for _ in range(5):
        stats = t.iterate()
    assert all(math.isfinite(v) for v in stats.values()) and stats["d_penalty"] > 0


# ---- the probe's 1D views ----------------------------------------------------------------------

def test_a_line_snapshot_carries_the_curves_and_the_z_to_x_map():
    t, p, snap = probe_after(30, target="bimodal1d")
    x0, x1 = t.target.extent[:2]
    assert snap.dim == 1 and snap.real.shape == (N_SHOWN, 1) and snap.fake.shape == (N_SHOWN, 1)
    assert snap.g_field.shape == (N_SHOWN, 1) and snap.centers.shape == (2, 1)
    assert snap.grid_x.size == snap.grid_y.size == snap.d_surface.size == 0 and snap.optimal_d is None
    np.testing.assert_array_equal(snap.line_x, np.linspace(x0, x1, LINE_GRID))
    np.testing.assert_array_equal(snap.line_p_data, t.target.density(snap.line_x))
    x = torch.tensor(snap.line_x[:, None], dtype=torch.float32)
    with torch.no_grad():
        np.testing.assert_allclose(snap.line_d, torch.sigmoid(t.D(x))[:, 0].numpy(), atol=1e-6)
        z = torch.tensor(snap.line_z, dtype=torch.float32)[:, None]
        np.testing.assert_allclose(snap.line_gz, t.G(z)[:, 0].numpy(), atol=1e-6)
    assert snap.line_z.shape == snap.line_gz.shape == snap.line_push.shape == (Z_LINES,)
    np.testing.assert_allclose(snap.line_z, (np.arange(Z_LINES) + 0.5) / Z_LINES * 2 - 1, atol=1e-6)   # U(-1, 1)
    defined = snap.line_d_star[np.isfinite(snap.line_d_star)]
    assert defined.size > LINE_GRID / 4 and ((defined >= 0) & (defined <= 1)).all()
    assert set(snap.metrics) == {"js", "kl", "w1", "modes", "hq"} and snap.metrics["modes"] in (0.0, 1.0, 2.0)
    for a in (snap.line_x, snap.line_p_g, snap.line_d, snap.line_gz, snap.fake):
        assert not a.flags.writeable


def test_the_push_is_minus_the_gradient_of_gs_loss_at_each_g_of_z():
    t, p, snap = probe_after(30)
    x = torch.tensor(snap.line_gz[:, None], requires_grad=True)
    per_point = torch.nn.functional.softplus(-t.D(x))        # non-saturating: -log D(x) for each fake
    (grad,) = torch.autograd.grad(per_point.sum(), x)
    np.testing.assert_allclose(snap.line_push, -grad[:, 0].numpy(), rtol=1e-4, atol=1e-7)


def test_p_g_is_a_gaussian_kde_of_the_fakes_with_scotts_bandwidth():
    t, p, snap = probe_after(30)
    fake = snap.fake[:, 0].astype(np.float64)
    iqr = np.subtract(*np.percentile(fake, [75, 25]))
    scott = (4 / 3) ** 0.2 * len(fake) ** -0.2 * min(fake.std(), iqr / 1.349)
    h = max(min(scott, 0.25), snap.line_x[1] - snap.line_x[0])       # at most half the mode's std, at least the step
    assert snap.line_bandwidth == pytest.approx(h, rel=1e-3)
    direct = np.exp(-(snap.line_x[:, None] - fake[None]) ** 2 / (2 * h * h)).mean(1) / (h * math.sqrt(2 * math.pi))
    # binning shifts each fake by under half a grid step: ~2% of the peak here, where h is 1.6 steps
    np.testing.assert_allclose(snap.line_p_g, direct, atol=0.03 * direct.max())


def test_a_mixtures_p_g_is_smoothed_by_at_most_half_its_mode_std():
    t, p, _ = probe_after(0, target="bimodal1d")
    perfect = t.target.sample(4000, np.random.default_rng(12))
    p_g, _, h = p.line.densities(perfect)
    assert h == 0.15                                            # Scott's rule asks ~0.4: the modes' spread
    assert p_g.max() / p.line.p_data.max() == pytest.approx((0.3 / math.hypot(0.3, 0.15)), abs=0.04)


def test_binned_kde_equals_a_direct_kde_and_keeps_the_mass_inside_the_window():
    x = np.linspace(-3.0, 3.0, LINE_GRID)
    samples = np.random.default_rng(4).normal(0.3, 0.7, 5000)
    h = line_bandwidth(samples, floor=x[1] - x[0])
    direct = np.exp(-(x[:, None] - samples[None]) ** 2 / (2 * h * h)).mean(1) / (h * math.sqrt(2 * math.pi))
    binned = smooth(binned_masses(samples, x), x[1] - x[0], h)
    np.testing.assert_allclose(binned, direct, atol=1e-3 * direct.max())
    masses = binned_masses(np.array([-5.0, np.nan, -3.0, 3.0, 0.01]), x)
    assert masses.sum() == pytest.approx(3 / 5) and masses[0] == pytest.approx(1 / 5) and masses[-1] == pytest.approx(1 / 5)


def test_d_star_is_one_half_when_g_samples_p_data():
    t, p, _ = probe_after(0)
    normal = statistics.NormalDist(1.0, 0.5)
    perfect = np.array([normal.inv_cdf((i + 0.5) / 4000) for i in range(4000)])[:, None]
    p_g, d_star, h = p.line.densities(perfect)
    on = np.abs(p.line.x - 1.0) <= 1.0                         # within 2 std of the mean
    assert np.abs(d_star[on] - 0.5).max() < 0.01
    assert np.isnan(d_star).any() and not np.isnan(d_star[on]).any()     # undefined far from both


def test_line_views_cost_about_a_millisecond_a_frame():
    t, p, _ = probe_after(5)
    best = min(_timed(lambda: p.snapshot(RunState.RUNNING, 0.0, with_metrics=False)) for _ in range(20))
    assert best < 0.02                                         # ~1 ms measured; room for a busy machine


def _timed(f) -> float:
    import time
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


# ---- metrics on the line ----------------------------------------------------------------------

def test_w1_of_shifted_gaussians_is_the_shift():
    a = np.random.default_rng(5).standard_normal(3000)
    for mu in (0.0, 0.3, -1.7):
        assert w1_1d(a, a + mu) == pytest.approx(abs(mu), abs=1e-12)
    b = np.random.default_rng(6).standard_normal(40_000) + 1.25
    assert w1_1d(np.random.default_rng(7).standard_normal(40_000), b) == pytest.approx(1.25, abs=0.03)


def test_w1_agrees_with_the_integral_of_the_cdf_gap_for_unequal_sizes():
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, 37), rng.exponential(1.0, 53)
    points = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(np.sort(a), points[:-1], side="right") / len(a)
    fb = np.searchsorted(np.sort(b), points[:-1], side="right") / len(b)
    assert w1_1d(a, b[:, None]) == pytest.approx(float(np.sum(np.abs(fa - fb) * np.diff(points))), rel=1e-12)
    assert w1_1d(np.random.default_rng(9).random(10_000), np.zeros(1)) == pytest.approx(0.5, abs=0.01)


def test_js_is_zero_for_identical_samples_near_the_floor_for_independent_ones_and_ln2_when_disjoint():
    rng = np.random.default_rng(10)
    a = rng.normal(0, 1, 2500)
    assert js_divergence_1d(a, a, -4, 4) == 0.0
    assert js_divergence_1d(a, rng.normal(0, 1, 2500), -4, 4) < 0.01
    assert js_divergence_1d(rng.uniform(-3, -1, 500), rng.uniform(1, 3, 500), -4, 4) == pytest.approx(LN2, abs=1e-12)


def test_js_and_kl_of_two_gaussians_match_the_integrals_of_their_densities():
    normal, shifted = statistics.NormalDist(0, 1), statistics.NormalDist(1, 1)
    x = np.linspace(-8, 9, 200_001)
    p, q = np.array([normal.pdf(v) for v in x[::10]]), np.array([shifted.pdf(v) for v in x[::10]])
    dx = (x[1] - x[0]) * 10
    m = (p + q) / 2
    js = 0.5 * np.sum(p * np.log(p / m) + q * np.log(q / m)) * dx
    rng = np.random.default_rng(11)
    a, b = rng.normal(0, 1, 400_000), rng.normal(1, 1, 400_000)
    assert js_divergence_1d(a, b, -6, 7, bins=200) == pytest.approx(js, abs=0.003)     # binning and sampling
    assert kl_divergence_1d(a, b, -6, 7, bins=200) == pytest.approx(0.5, abs=0.01)    # KL = mu^2 / 2


def test_histogram_1d_counts_every_sample_once():
    hist = histogram_1d(np.array([[0.0], [0.5], [1.0], [2.0], [-0.1], [np.nan]]), 0.0, 2.0, bins=2)
    np.testing.assert_array_equal(hist * 6, [2, 2, 2])
    with pytest.raises(ValueError, match="shape"):
        histogram_1d(np.zeros((3, 2)), 0.0, 1.0, 2)


def test_the_metric_floor_on_the_line_is_small_and_exact_w1_is_used():
    t, p, snap = probe_after(0)
    assert 0 < snap.metric_floor["js"] < 0.01 and 0 < snap.metric_floor["w1"] < 0.05
    assert snap.metric_floor["w1"] == pytest.approx(w1_1d(p.real_eval, t.target.sample(2500, _after_real(t))), rel=1e-12)
    assert snap.metric_floor["modes"] == 1.0


def _after_real(t):
    rng = np.random.default_rng(t.probe_seed)
    t.target.sample(2500, rng)                   # the probe's real_eval, drawn first
    return rng


# ---- the view --------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", list(LOSSES))
def test_line_view_has_the_figure_1_layers_and_the_half_line_only_where_the_loss_has_it(loss):
    _, _, snap = probe_after(3, loss=loss)
    fig = run_view(snap, ViewOptions(arrows=True, optimal=True), "A", "step 3")
    assert set(fig) == {"data", "layout", "overlay"}
    direct = line_view(snap, ViewOptions(arrows=True, optimal=True), "A", "step 3")      # run_view dispatched here
    assert json.dumps(fig["layout"]) == json.dumps(direct["layout"]) and len(fig["data"]) == len(direct["data"])
    layers = fig["overlay"]["layers"]
    names = {layer["name"] for layer in layers}
    assert {P_G_NAME, D_NAME, MAP_NAME, PUSH_NAME} <= names and (D_STAR_NAME in names) == LOSSES[loss].d_star
    assert all(layer["kind"] in OVERLAY_KINDS and len(layer["xy"]) % 2 == 0 for layer in layers)
    assert len(next(la for la in layers if la["name"] == MAP_NAME)["xy"]) == 4 * Z_LINES
    legend = {tr["name"] for tr in fig["data"] if tr.get("name")}
    assert legend == names | {P_DATA_NAME}
    halves = [s for s in fig["layout"]["shapes"] if s.get("yref") == "y3"]
    want = LOSSES[loss].equilibrium
    assert [s["y0"] for s in halves] == ([want] if want is not None else [])
    assert fig["layout"]["yaxis3"]["range"] == list(snap.surface_range)
    assert fig["overlay"]["caption"] == "step 3" and fig["layout"]["title"]["text"] == "A"


def test_line_view_draws_d_dashed_p_g_solid_and_leaves_out_what_is_toggled_off():
    _, _, snap = probe_after(3)
    fig = line_view(snap, ViewOptions(arrows=False, optimal=False))
    layers = {layer["name"]: layer for layer in fig["overlay"]["layers"]}
    assert set(layers) == {P_G_NAME, D_NAME, MAP_NAME}
    d_y, g_y = layers[D_NAME]["xy"][1::2], layers[P_G_NAME]["xy"][1::2]
    assert np.isnan(d_y).mean() > 0.2 and not np.isnan(g_y).any()
    np.testing.assert_array_equal(g_y, snap.line_p_g)
    p_data = next(tr for tr in fig["data"] if tr.get("name") == P_DATA_NAME)
    assert p_data["line"]["dash"] == "dot" and np.array_equal(p_data["y"], snap.line_p_data)
    assert "Scott" in fig["overlay"]["labels"][0]["text"]


def test_a_new_frame_changes_only_the_overlay():
    t, p, a = probe_after(3)
    for _ in range(5):
        t.iterate()
    b = p.snapshot(RunState.RUNNING, 0.0)
    fa, fb = (line_view(s, ViewOptions()) for s in (a, b))
    assert json.dumps(_plain(fa["data"])) == json.dumps(_plain(fb["data"]))
    assert {**fa["layout"], "meta": 0} == {**fb["layout"], "meta": 0}


def _plain(traces):
    return [{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in tr.items()} for tr in traces]


def test_the_feed_sends_a_line_frame_as_json():
    _, _, snap = probe_after(3)
    body = json.loads(frame_body(snap, ViewOptions(), False, "a"))
    assert body["key"] == snap.key and {layer["name"] for layer in body["figure"]["overlay"]["layers"]} >= {P_G_NAME}


@pytest.mark.parametrize("key", LINE)
def test_thumbnails_of_line_targets_are_histograms(key):
    svg = thumbnail(key)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and svg.count("<rect") > 5 and "<polyline" in svg


# ---- the command line ---------------------------------------------------------------------------

def test_train_json_on_a_line_target_has_the_same_keys_as_in_the_plane(capsys):
    results = {}
    for target in ("gauss1d", "uniform1d", "ring8"):
        assert main(["train", "--target", target, "--steps", "20", "--g-width", "16", "--d-width", "16",
                     "--batch-size", "64", "--json"]) == 0
        results[target] = json.loads(capsys.readouterr().out)
    assert set(results["gauss1d"]) == set(results["ring8"]) and set(results["gauss1d"]["metrics"]) == set(results["ring8"]["metrics"])
    m = results["gauss1d"]["metrics"]
    assert all(isinstance(m[k], float) for k in ("js", "kl", "w1", "hq")) and m["modes"] == 1 and m["n_modes"] == 1
    assert results["uniform1d"]["metrics"]["modes"] is None and results["uniform1d"]["metrics"]["n_modes"] is None
