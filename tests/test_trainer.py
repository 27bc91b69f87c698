"""The trainer follows Algorithm 1, is reproducible, shows the known GAN behaviours, and catches divergence."""
import numpy as np
import pytest
import torch

from gancore import Diverged, TrainConfig, Trainer
from gancore.trainer import StructuralChange
from gancore.views import Probe

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
    snap = probe.snapshot(t, "paused", 0.0)
    assert snap.metrics["modes"] >= 7
    assert snap.metrics["js"] < probe.snapshot(Trainer(TrainConfig(seed=0)), "", 0).metrics["js"]


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
    assert set(stats) == {"loss_d", "loss_g", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"}
