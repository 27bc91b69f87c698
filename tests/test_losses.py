"""Losses against hand-computed values, their stability, and the saturating loss's vanishing gradient."""
import math

import pytest
import torch

from gancore.losses import GP_LATEX, LOSSES, R1_LATEX, d_objective_latex, get_loss, gradient_penalty, r1_penalty


def t(*values):
    return torch.tensor(values, dtype=torch.float32)


def log_sigmoid(s):          # an independent, plain-math log D
    return math.log(1 / (1 + math.exp(-s)))


def test_bce_discriminator_loss_at_zero_logits_is_2_ln2():
    # D(x) = D(G(z)) = 1/2: -log 1/2 - log 1/2 = 2 ln 2, the value at the paper's equilibrium.
    for key in ("minimax", "nonsaturating"):
        assert LOSSES[key].d_loss(t(0.0), t(0.0)).item() == pytest.approx(2 * math.log(2), rel=1e-6)


def test_bce_discriminator_loss_matches_hand_computation():
    real, fake = [2.0, -0.5], [-1.0, 3.0]
    want = (-sum(log_sigmoid(s) for s in real) / 2
            - sum(math.log(1 - 1 / (1 + math.exp(-s))) for s in fake) / 2)
    assert LOSSES["minimax"].d_loss(t(*real), t(*fake)).item() == pytest.approx(want, rel=1e-6)


def test_generator_losses_match_hand_computation():
    fake = [-1.0, 0.0, 2.0]
    d = [1 / (1 + math.exp(-s)) for s in fake]
    saturating = sum(math.log(1 - v) for v in d) / 3          # E log(1 - D(G(z)))
    nonsaturating = -sum(math.log(v) for v in d) / 3          # -E log D(G(z))
    assert LOSSES["minimax"].g_loss(t(*fake)).item() == pytest.approx(saturating, rel=1e-6)
    assert LOSSES["nonsaturating"].g_loss(t(*fake)).item() == pytest.approx(nonsaturating, rel=1e-6)


def test_lsgan_hinge_and_wasserstein_match_hand_computation():
    real, fake = t(1.0, 3.0), t(0.0, 2.0)
    # LSGAN: 1/2 mean((r-1)^2) + 1/2 mean(f^2) = 1/2 * 2 + 1/2 * 2; G: 1/2 mean((f-1)^2) = 1/2
    assert LOSSES["lsgan"].d_loss(real, fake).item() == pytest.approx(2.0)
    assert LOSSES["lsgan"].g_loss(fake).item() == pytest.approx(0.5)
    # hinge on real (0.5, 2), fake (-2, 0.5): mean(0.5, 0) + mean(0, 1.5) = 1.0; G: -mean(fake) = 0.75
    assert LOSSES["hinge"].d_loss(t(0.5, 2.0), t(-2.0, 0.5)).item() == pytest.approx(1.0)
    assert LOSSES["hinge"].g_loss(t(-2.0, 0.5)).item() == pytest.approx(0.75)
    # Wasserstein critic: mean(fake) - mean(real) = 1 - 2
    assert LOSSES["wgan-gp"].d_loss(real, fake).item() == pytest.approx(-1.0)
    assert LOSSES["wgan-gp"].g_loss(fake).item() == pytest.approx(-1.0)


@pytest.mark.parametrize("key", list(LOSSES))
def test_losses_stay_finite_at_extreme_logits(key):
    # log(sigmoid(-100)) is log(0) = -inf in float32; the softplus forms are exact.
    extreme = t(-100.0, 100.0)
    loss = LOSSES[key]
    values = [loss.d_loss(extreme, extreme), loss.g_loss(extreme)]
    assert all(torch.isfinite(v) for v in values)
    assert math.isinf(torch.log(torch.sigmoid(t(-100.0))).item())   # the naive form would fail


def test_nonsaturating_generator_loss_at_very_negative_logit_is_exact():
    # -log sigmoid(-100) = 100 + log(1 + e^-100) = 100 to float precision
    assert LOSSES["nonsaturating"].g_loss(t(-100.0)).item() == pytest.approx(100.0)


@pytest.mark.parametrize("s", [-6.0, -2.0, 0.0, 1.5])
def test_saturating_gradient_is_d_over_one_minus_d_times_nonsaturating(s):
    grads = {}
    for key in ("minimax", "nonsaturating"):
        x = torch.tensor([s], requires_grad=True)
        LOSSES[key].g_loss(x).backward()
        grads[key] = x.grad.item()
    d = 1 / (1 + math.exp(-s))
    assert grads["minimax"] == pytest.approx(-d)           # d/ds log(1 - sigmoid(s))
    assert grads["nonsaturating"] == pytest.approx(-(1 - d))
    assert grads["minimax"] == pytest.approx(d / (1 - d) * grads["nonsaturating"])


def test_gradient_penalty_of_a_linear_critic_is_norm_minus_one_squared():
    w = torch.tensor([3.0, 4.0])                            # |w| = 5 everywhere
    critic = lambda x: x @ w  # noqa: E731
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    gp = gradient_penalty(critic, real, fake, torch.rand(8, 1))
    assert gp.item() == pytest.approx((5 - 1) ** 2)
    assert r1_penalty(critic, real).item() == pytest.approx(0.5 * 25)


def test_penalties_are_differentiable_in_the_critic_weights():
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    gp = gradient_penalty(lambda x: x @ w, torch.randn(4, 2), torch.randn(4, 2), torch.rand(4, 1))
    gp.backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w| = 2 * 4 * (0.6, 0.8)
    assert w.grad.tolist() == pytest.approx([4.8, 6.4])


def test_only_wgan_gp_has_a_default_penalty():
    assert {k: v.default_gp for k, v in LOSSES.items()} == {
        "minimax": 0.0, "nonsaturating": 0.0, "lsgan": 0.0, "hinge": 0.0, "wgan-gp": 10.0}


def test_unknown_loss_names_the_valid_keys():
    with pytest.raises(KeyError, match="nonsaturating"):
        get_loss("bogus")


def test_d_objective_formula_shows_exactly_the_penalties_that_are_on():
    wgan = LOSSES["wgan-gp"].d_latex
    assert d_objective_latex("wgan-gp") == wgan + " + " + GP_LATEX + r"\quad (\lambda = 10)"   # its default λ
    assert d_objective_latex("wgan-gp", gp_weight=0.0) == wgan                                  # penalty off
    assert d_objective_latex("nonsaturating") == LOSSES["nonsaturating"].d_latex
    both = d_objective_latex("hinge", gp_weight=1.0, r1_weight=2.5)
    assert both == (LOSSES["hinge"].d_latex + " + " + GP_LATEX + " + " + R1_LATEX
                    + r"\quad (\lambda = 1,\ \gamma = 2.5)")
    assert d_objective_latex("lsgan", r1_weight=0.1).endswith(R1_LATEX + r"\quad (\gamma = 0.1)")


def test_no_loss_formula_of_its_own_carries_a_penalty():
    # penalties are the settings' business (d_objective_latex), so no loss shows one that is off
    assert all(r"\nabla" not in loss.d_latex for loss in LOSSES.values())


def test_only_the_minimax_loss_is_called_a_zero_sum_game():
    assert "zero-sum game" in LOSSES["minimax"].label
    assert "not zero-sum" in LOSSES["nonsaturating"].label
    assert all("zero-sum" not in LOSSES[k].label for k in ("lsgan", "hinge", "wgan-gp"))


def test_which_losses_aim_for_d_star_and_what_their_middle_colour_is():
    # BCE and least squares (a=0, b=1) have D* = p_data / (p_data + p_g) as D's optimum; hinge's is
    # the sign of p_data - p_g and a critic's is only defined up to a constant.
    assert {k: v.d_star for k, v in LOSSES.items()} == {
        "minimax": True, "nonsaturating": True, "lsgan": True, "hinge": False, "wgan-gp": False}
    assert {k: v.middle for k, v in LOSSES.items()} == {
        "minimax": 0.5, "nonsaturating": 0.5, "lsgan": 0.5, "hinge": 0.0, "wgan-gp": None}
