"""The trainer follows Algorithm 1, is reproducible, shows the known GAN behaviours, and catches divergence."""
import math

import numpy as np
import pytest
import torch

from gancore import Diverged, TrainConfig, Trainer
from gancore.trainer import StructuralChange
from gancore.snapshot import RunState
from gancore.views import OptimalD, Probe, ScoreScale

SMALL = dict(g_width=32, d_width=32, batch_size=64)


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_same_seed_gives_identical_runs_and_another_seed_does_not():
    runs = [Trainer(TrainConfig(seed=s, **SMALL)) for s in (3, 3, 4)]
    for t in runs:
        for _ in range(30):
            t.iterate()
    h = [t.history.frozen() for t in runs]
    assert np.array_equal(h[0]["loss_d"], h[1]["loss_d"]) and same(params(runs[0].G), params(runs[1].G))
    assert not np.array_equal(h[0]["loss_d"], h[2]["loss_d"])


def test_runs_differing_only_in_loss_start_from_the_same_weights_and_data():
    a, b = Trainer(TrainConfig(loss="minimax")), Trainer(TrainConfig(loss="nonsaturating"))
    assert same(params(a.G), params(b.G)) and same(params(a.D), params(b.D))
    assert torch.equal(a.real_batch(8), b.real_batch(8)) and torch.equal(a.noise(8), b.noise(8))


def test_an_iteration_is_k_discriminator_steps_then_g_steps_generator_steps():
    t = Trainer(TrainConfig(d_steps=3, g_steps=2, **SMALL))
    for _ in range(5):
        t.iterate()
    adam_steps = lambda opt: int(next(iter(opt.state.values()))["step"])  # noqa: E731
    assert adam_steps(t.opt_d) == 15 and adam_steps(t.opt_g) == 10
    assert t.step == 5


def test_discriminator_step_leaves_generator_alone_and_generator_step_leaves_discriminator_alone():
    t = Trainer(TrainConfig(**SMALL))
    g0, d0 = params(t.G), params(t.D)
    t.step_d_only()
    assert same(params(t.G), g0) and not same(params(t.D), d0)
    d1 = params(t.D)
    t.step_g_only()
    assert same(params(t.D), d1) and not same(params(t.G), g0)
    assert t.step == 2


def test_generator_step_puts_no_gradient_into_the_discriminator():
    t = Trainer(TrainConfig(**SMALL))
    t.g_step()
    assert all(p.grad is None for p in t.D.parameters())


def test_head_start_trains_only_the_discriminator_but_still_measures_g_gradient():
    t = Trainer(TrainConfig(d_head_start=20, d_steps=5, **SMALL))
    g0 = params(t.G)
    for _ in range(20):
        stats = t.iterate()
    assert same(params(t.G), g0)
    assert int(next(iter(t.opt_d.state.values()))["step"]) == 20      # one D step per head-start iteration
    assert stats["g_grad_norm"] > 0
    t.iterate()
    assert not same(params(t.G), g0)


def test_zero_learning_rate_freezes_that_network():
    t = Trainer(TrainConfig(g_lr=0.0, **SMALL))
    g0 = params(t.G)
    for _ in range(10):
        t.iterate()
    assert same(params(t.G), g0)


def test_saturating_generator_gradient_vanishes_against_a_confident_discriminator():
    # G frozen, D trained 600 iterations: D(G(z)) -> 0. The minimax G gradient is D/(1-D) times the
    # non-saturating one, so it collapses by orders of magnitude while the other grows.
    norms = {}
    for loss in ("minimax", "nonsaturating"):
        t = Trainer(TrainConfig(loss=loss, g_lr=0.0, seed=0))
        for _ in range(600):
            stats = t.iterate()
        norms[loss] = stats["g_grad_norm"]
        assert stats["d_fake"] < 0.01 and stats["d_real"] > 0.99
    assert norms["nonsaturating"] / norms["minimax"] > 1000


def test_default_nonsaturating_gan_learns_the_8_gaussian_ring():
    t = Trainer(TrainConfig(seed=0))
    probe = Probe(t)
    for _ in range(1500):
        t.iterate()
    snap = probe.snapshot(RunState.PAUSED, 0.0)
    assert snap.metrics["modes"] >= 7
    assert snap.metrics["js"] < Probe(Trainer(TrainConfig(seed=0))).snapshot(RunState.PAUSED, 0).metrics["js"]


def test_huge_learning_rate_diverges_and_says_where():
    t = Trainer(TrainConfig(d_optimizer="sgd", g_optimizer="sgd", d_lr=10.0, g_lr=10.0,
                            loss="wgan-gp", gp_weight=0.0, **SMALL))
    with pytest.raises(Diverged, match=r"diverged at step \d+ \(.*(nan|inf)"):
        for _ in range(200):
            t.iterate()


def test_live_update_keeps_optimiser_state_and_structural_change_is_refused():
    t = Trainer(TrainConfig(**SMALL))
    for _ in range(5):
        t.iterate()
    state_before = next(iter(t.opt_d.state.values()))["exp_avg"].clone()
    t.update(t.config.replace(d_lr=0.005, loss="hinge", d_steps=2))
    assert t.opt_d.param_groups[0]["lr"] == 0.005
    assert torch.equal(next(iter(t.opt_d.state.values()))["exp_avg"], state_before)
    t.iterate()
    with pytest.raises(StructuralChange, match="g_width"):
        t.update(t.config.replace(g_width=64))


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "lsgan", "hinge", "wgan-gp"])
def test_every_loss_trains_with_both_regularisers(loss):
    t = Trainer(TrainConfig(loss=loss, r1_weight=1.0, gp_weight=1.0, **SMALL))
    for _ in range(5):
        stats = t.iterate()
    assert set(stats) == {"loss_d", "loss_g", "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "d_penalty"}


def _linear_critic_step(config: TrainConfig):
    """One D step of a trainer whose D is linear (d_layers=0) on a fixed real batch and fixed z.

    A linear D(x) = w.x + b has the same gradient w everywhere, so the penalties are known by
    hand: gradient penalty (|w| - 1)^2, R1 1/2 |w|^2. Returns (recorded stats, scores on real and
    fake as numpy, |w|) with everything taken before the step changed w.
    """
    t = Trainer(config)
    real = torch.tensor([[1.0, 0.5], [-0.5, 2.0], [0.0, -1.0], [2.0, 2.0]])
    z = torch.tensor([[0.3, -0.2], [1.0, 1.0], [-1.5, 0.5], [0.0, 0.0]])
    t.real_batch = lambda n: real
    t.noise = lambda n: z
    with torch.no_grad():
        w, b = t.D[0].weight[0].numpy().astype(float), float(t.D[0].bias)
        fake = t.G(z).numpy().astype(float)
    stats = t.step_d_only()
    return stats, real.numpy() @ w + b, fake @ w + b, float(np.linalg.norm(w))


def test_recorded_d_loss_is_the_whole_objective_with_its_penalties():
    # WGAN-GP (lambda = 10 by default) plus R1 with gamma = 2, by hand on a linear critic
    config = TrainConfig(loss="wgan-gp", r1_weight=2.0, d_layers=0, batch_size=4, g_width=8)
    stats, s_real, s_fake, norm = _linear_critic_step(config)
    penalty = 10 * (norm - 1) ** 2 + 2 * 0.5 * norm ** 2
    assert stats["d_penalty"] == pytest.approx(penalty, rel=1e-5)
    assert stats["loss_d"] == pytest.approx(s_fake.mean() - s_real.mean() + penalty, rel=1e-5)


def test_recorded_bce_d_loss_adds_an_explicit_gradient_penalty():
    config = TrainConfig(loss="nonsaturating", gp_weight=3.0, d_layers=0, batch_size=4, g_width=8)
    stats, s_real, s_fake, norm = _linear_critic_step(config)
    bce = np.mean([math.log1p(math.exp(-s)) for s in s_real]) + np.mean([math.log1p(math.exp(s)) for s in s_fake])
    assert stats["d_penalty"] == pytest.approx(3 * (norm - 1) ** 2, rel=1e-5)
    assert stats["loss_d"] == pytest.approx(bce + 3 * (norm - 1) ** 2, rel=1e-5)
    plain = _linear_critic_step(config.replace(gp_weight=None))[0]      # no penalty: it records 0
    assert plain["d_penalty"] == 0.0


def _fake_motion(loss: str, optimizer: str, lr: float) -> float:
    """Mean distance fixed-z fakes move in 30 G steps right after a 200-step D head start."""
    t = Trainer(TrainConfig(loss=loss, g_optimizer=optimizer, g_lr=lr, d_head_start=200, seed=0, **SMALL))
    z = torch.randn(256, 2, generator=torch.Generator().manual_seed(1))
    for _ in range(200):
        t.iterate()
    with torch.no_grad():
        before = t.G(z)
    for _ in range(30):
        t.iterate()
    with torch.no_grad():
        return float((t.G(z) - before).norm(dim=1).mean())


def test_after_a_head_start_the_saturating_loss_stalls_g_under_sgd_but_not_under_adam():
    # The theory text's claim: D(G(z)) -> 0 makes the minimax gradient tiny, so plain SGD barely
    # moves G, while Adam divides by the gradient's running size and takes full steps anyway.
    sgd = {loss: _fake_motion(loss, "sgd", 0.02) for loss in ("minimax", "nonsaturating")}
    assert sgd["minimax"] < 0.2 and sgd["nonsaturating"] > 10 * sgd["minimax"]
    adam = {loss: _fake_motion(loss, "adam", 1e-3) for loss in ("minimax", "nonsaturating")}
    assert adam["minimax"] > 0.5 * adam["nonsaturating"] > 5 * sgd["minimax"]


# ---- the probe: D*, mode occupancy, metric floor, score colours -----------------------------

def direct_kde(samples, nodes, h):
    """p at each node (k, 2) as the plain mean of Gaussian kernels: no factorising, no binning."""
    d2 = ((nodes[:, None, :] - samples[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * h * h)).mean(1) / (2 * np.pi * h * h)


def hand_bandwidth(samples, cap):
    iqr = np.percentile(samples, 75, axis=0) - np.percentile(samples, 25, axis=0)
    spread = np.minimum(samples.std(axis=0), iqr / 1.349)
    return min(len(samples) ** (-1 / 6) * np.sqrt((spread ** 2).mean()), cap)


def test_optimal_d_matches_a_direct_kde_with_the_stated_bandwidth():
    # A single Gaussian target N(0, 0.5^2 I), fakes from a shifted, wider Gaussian.
    probe = Probe(Trainer(TrainConfig(target="gaussian", **SMALL)))
    fake = np.random.default_rng(5).normal([0.4, -0.2], 0.6, size=(600, 2)).astype(np.float32)
    d_star, h = probe.optimal_d(fake)
    assert h == pytest.approx(hand_bandwidth(fake.astype(float), cap=0.5), rel=1e-6) and h < 0.5
    gx, gy = np.meshgrid(probe.grid_x, probe.grid_y)
    nodes = np.stack([gx.ravel(), gy.ravel()], 1)
    var = 0.5 ** 2 + h ** 2                        # p_data smoothed by the same kernel
    p_data = np.exp(-(nodes ** 2).sum(1) / (2 * var)) / (2 * np.pi * var)
    want = (p_data / (p_data + direct_kde(fake.astype(float), nodes, h))).reshape(gx.shape)
    defined = np.isfinite(d_star)
    assert defined.mean() > 0.5
    np.testing.assert_allclose(d_star[defined], want[defined], atol=1e-5)


def test_optimal_d_stays_confident_when_g_misses_narrow_modes_slightly():
    # G puts its mass 2.5 std beside each ring mode (std 0.02). At a data mode's centre the sharp
    # densities give D* = 1 / (1 + exp(-0.05^2 / (2 * 0.02^2))) = 0.96; with h capped at the mode's
    # std it is 1 / (1 + exp(-0.05^2 / (4 * 0.02^2))) = 0.83. The old 1.5-cell kernel (0.14) gave 0.52.
    t = Trainer(TrainConfig(**SMALL))
    probe = Probe(t)
    rng = np.random.default_rng(0)
    fake = (t.target.sample(2500, rng) + [0.05, 0.0]).astype(np.float32)
    centres = OptimalD(t.target, t.target.centers[:, 0].copy(), t.target.centers[:, 1].copy())
    d_star, h = centres(fake)
    assert h == pytest.approx(0.02)
    at_modes = np.diagonal(d_star)                 # node (x_k, y_k) is mode k's centre
    assert at_modes == pytest.approx(1 / (1 + np.exp(-0.05 ** 2 / (4 * 0.02 ** 2))), abs=0.04)
    assert probe.snapshot(RunState.PAUSED, 0.0).optimal_d_bandwidth <= t.target.std


def test_mode_occupancy_is_recorded_with_the_metrics_only():
    t = Trainer(TrainConfig(**SMALL))
    probe = Probe(t)
    first = probe.snapshot(RunState.PAUSED, 0.0)
    for _ in range(3):
        t.iterate()
    probe.snapshot(RunState.RUNNING, 0.0, with_metrics=False)          # an ordinary frame adds no row
    snap = probe.snapshot(RunState.RUNNING, 0.0)
    assert first.mode_occupancy.shape == (1, 8) and snap.mode_occupancy.shape == (2, 8)
    assert list(snap.metric_history["step"]) == [0, 3]            # a row per metrics frame
    with torch.no_grad():
        fake = t.G(probe.z_eval).numpy()
    nearest = ((fake[:, None, :] - t.target.centers[None]) ** 2).sum(-1).argmin(1)
    np.testing.assert_allclose(snap.mode_occupancy[-1], np.bincount(nearest, minlength=8) / len(fake))
    moons = Trainer(TrainConfig(target="moons", **SMALL))
    assert Probe(moons).snapshot(RunState.PAUSED, 0.0).mode_occupancy is None


def test_metric_floor_is_the_metrics_between_two_real_samples():
    from gancore import metrics
    t = Trainer(TrainConfig(**SMALL))
    probe = Probe(t)
    rng = np.random.default_rng(t.probe_seed)
    first, second = t.target.sample(2500, rng), t.target.sample(2500, rng)
    np.testing.assert_array_equal(probe.real_eval, first)          # the shown points did not move
    floor = probe.snapshot(RunState.PAUSED, 0.0).metric_floor
    assert floor["js"] == metrics.js_divergence(first, second, t.target.extent, bins=50) > 0
    assert floor["w1"] == metrics.sliced_w1(first, second) > 0
    assert floor["modes"] == 8 and floor["hq"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)


def test_score_colours_follow_the_points_centre_on_the_loss_and_step_with_hysteresis():
    from gancore.losses import LOSSES
    scale, hinge = ScoreScale(), LOSSES["hinge"]
    rng = np.random.default_rng(0)
    real, fake = rng.normal(1.2, 0.2, 512), rng.normal(-1.0, 0.3, 512)
    # the 95th percentile of |score - 0| here is 1.50: the 1-2-5 step above it is 2
    assert scale.update("hinge", hinge, real, fake) == (-2.0, 2.0)
    assert scale.update("hinge", hinge, real * 0.8, fake * 0.8) == (-2.0, 2.0)    # 1.20: 1.6 x 1.20 > 1, stays
    assert scale.update("hinge", hinge, real * 0.35, fake * 0.35) == (-1.0, 1.0)  # 0.53: 1.6 x 0.53 < 1, shrinks
    assert scale.update("hinge", hinge, real * 0.7, fake * 0.7) == (-2.0, 2.0)    # 1.05 > 1: grows at once
    critic = ScoreScale()
    lo, hi = critic.update("wgan-gp", LOSSES["wgan-gp"], real + 30, fake + 30)   # the level is arbitrary
    # midway between the medians is 30.08, put on the grid of a tenth of the half-range (0.2)
    assert (lo + hi) / 2 == pytest.approx(30.0) and hi - lo == pytest.approx(4.0)
    assert critic.update("wgan-gp", LOSSES["wgan-gp"], real + 30.3, fake + 30.3) == (lo, hi)   # small drift
    moved = critic.update("wgan-gp", LOSSES["wgan-gp"], real + 31, fake + 31)
    assert (moved[0] + moved[1]) / 2 == pytest.approx(31.0)
    least_squares = ScoreScale().update("lsgan", LOSSES["lsgan"], np.full(8, 0.55), np.full(8, 0.45))
    assert least_squares == (0.0, 1.0)                   # never less than D*'s own [0, 1]


def test_the_head_start_help_promises_the_stall_only_where_it_happens():
    from gancore.config import spec_of
    text = spec_of("d_head_start").help
    assert "minimax" in text and "sgd" in text and "Adam" in text


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_run_trains_and_is_probed_on_cuda():
    t = Trainer(TrainConfig(device="cuda", loss="wgan-gp", noise="uniform", **SMALL))
    probe = Probe(t)
    for _ in range(5):
        t.iterate()
    snap = probe.snapshot(RunState.RUNNING, 0.0)
    assert t.noise(4).device.type == "cuda" and np.isfinite(snap.d_surface).all()
    assert snap.last()["d_penalty"] > 0 and snap.mode_occupancy.shape == (1, 8)
