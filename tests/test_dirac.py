"""The Dirac-GAN against closed forms: its field, the update's eigenvalues, trajectories, validation, view."""
import math

import numpy as np
import pytest

from gancore.config import ConfigError
from gancore.dirac import (DIRAC_FIELDS, DIRAC_LOSSES, UPDATES, DiracConfig, Verdict, field, format_eigenvalues,
                           jacobian, parse_field, simulate)
from playground.dirac_view import LANGUAGES, _TEXT, dirac_figure, streamlines

H = 0.2
A = 0.5          # f'(0) = 1/(1 + e⁰) for the GAN losses: the coupling of θ and ψ at the equilibrium


def sigmoid(t):  # an independent plain-math logistic
    return 1 / (1 + math.exp(-t))


def eig(cfg):
    """Eigenvalues of the update's Jacobian, sorted for comparison."""
    return np.sort_complex(np.linalg.eigvals(jacobian(cfg)))


def pair(re, im):
    return np.sort_complex(np.array([re + 1j * im, re - 1j * im]))


def roots(trace, det):
    """Eigenvalues of a 2x2 matrix from its trace and determinant: (tr ± √(tr² − 4 det)) / 2."""
    return np.sort_complex(np.roots([1.0, -trace, det]).astype(complex))


# ---- the field at known points ------------------------------------------------------------------
# f(t) = −log(1 + e^−t), so f'(t) = 1/(1 + e^t) = σ(−t). D ascends f(ψθ) + f(0): v_ψ = θ·f'(ψθ).
@pytest.mark.parametrize("theta, psi", [(1.0, 2.0), (-0.5, 3.0), (0.3, -1.2)])
def test_field_of_each_loss_matches_hand_computation(theta, psi):
    t = psi * theta
    d_push = theta * sigmoid(-t)
    want = {
        "minimax": (-psi * sigmoid(-t), d_push),            # G descends f(ψθ): −ψ·f'(ψθ)
        "nonsaturating": (-psi * sigmoid(t), d_push),       # G descends −f(−ψθ): −ψ·f'(−ψθ) = −ψ·σ(ψθ)
        "wgan": (-psi, theta),                              # f(t) = t: the bilinear game ψθ
    }
    for loss, (v_theta, v_psi) in want.items():
        got = field(DiracConfig(loss=loss), np.array(theta), np.array(psi))
        assert got[0] == pytest.approx(v_theta, rel=1e-12) and got[1] == pytest.approx(v_psi, rel=1e-12)


def test_field_at_one_point_by_hand():
    # (θ, ψ) = (1, 2), t = 2: non-saturating G is pushed by −2σ(2) = −1.76159, D by σ(−2) = 0.11920.
    v_theta, v_psi = field(DiracConfig(), np.array(1.0), np.array(2.0))
    assert v_theta == pytest.approx(-1.7615941559557649) and v_psi == pytest.approx(0.11920292202211755)


def test_penalties_enter_only_d_push_with_their_slopes():
    # WGAN at (1, 0.5): v_ψ = θ − γψ − 2λ(ψ − sign ψ) = 1 − 0.25 − 4(0.5 − 1) = 2.75; G's push −ψ unchanged.
    cfg = DiracConfig(loss="wgan-gp", r1_weight=0.5, gp_weight=2.0)
    v_theta, v_psi = field(cfg, np.array(1.0), np.array(0.5))
    assert v_theta == pytest.approx(-0.5) and v_psi == pytest.approx(2.75)


def test_field_is_vectorised_over_grids():
    theta, psi = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-2, 2, 5))
    for noise in (0.0, 0.5):
        v_theta, v_psi = field(DiracConfig(noise_std=noise), theta, psi)
        assert v_theta.shape == v_psi.shape == (5, 7)
        one = field(DiracConfig(noise_std=noise), theta[3, 4], psi[3, 4])
        assert (v_theta[3, 4], v_psi[3, 4]) == pytest.approx(one, rel=1e-12)


def test_instance_noise_leaves_the_wgan_field_unchanged():
    # linear D: E[θ + ε₁] − E[ε₂] = θ, and G's push −ψ has no ε in it
    theta, psi = np.array([1.3, -0.4]), np.array([0.7, 2.0])
    clean, noisy = field(DiracConfig(loss="wgan"), theta, psi), field(DiracConfig(loss="wgan", noise_std=1.5), theta, psi)
    np.testing.assert_allclose(noisy, clean, rtol=1e-12, atol=1e-12)


def test_instance_noise_field_matches_an_independent_integral():
    # E over ε ~ N(0, σ²) by a fine trapezoid rule, against the engine's Gauss–Hermite nodes
    sigma, theta, psi = 0.8, 0.7, -1.3
    e = np.linspace(-12 * sigma, 12 * sigma, 200_001)
    pdf = np.exp(-0.5 * (e / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    mean = lambda values: np.trapezoid(values * pdf, e)
    slope = lambda t: 1 / (1 + np.exp(t))                           # f'(t)
    fake = theta + e
    want_theta = -psi * mean(slope(-psi * fake))                   # non-saturating G: f'(−ψx̃)
    want_psi = mean(fake * slope(psi * fake)) - mean(e * slope(-psi * e))
    got = field(DiracConfig(noise_std=sigma), np.array(theta), np.array(psi))
    assert got == pytest.approx((want_theta, want_psi), abs=1e-8)


def test_instance_noise_jacobian_of_the_field_is_the_papers():
    # ∂v/∂(θ, ψ) at 0 = [[0, −f'(0)], [f'(0), 2σ²f''(0)]] with f''(0) = −1/4 (Mescheder et al., instance
    # noise): central differences of the quadrature field, not the engine's closed form.
    sigma, d = 0.9, 1e-5
    cfg = DiracConfig(noise_std=sigma)
    cols = [(np.array(field(cfg, d * u, d * w)) - np.array(field(cfg, -d * u, -d * w))) / (2 * d)
            for u, w in ((1.0, 0.0), (0.0, 1.0))]
    np.testing.assert_allclose(np.stack(cols, axis=1), [[0, -A], [A, -sigma ** 2 / 2]], atol=1e-8)


# ---- the update's Jacobian at the equilibrium ---------------------------------------------------
@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan"])
def test_simultaneous_unregularised_eigenvalues_are_one_plus_minus_i_h_fprime(loss):
    a = 1.0 if loss == "wgan" else A
    cfg = DiracConfig(loss=loss, update="simultaneous")
    np.testing.assert_allclose(eig(cfg), pair(1.0, H * a), atol=1e-14)
    result = simulate(cfg)
    assert result.spectral_radius == pytest.approx(math.sqrt(1 + (H * a) ** 2)) and result.spectral_radius > 1
    assert result.verdict is Verdict.DIVERGES


@pytest.mark.parametrize("k", [1, 2, 5])
def test_alternating_unregularised_eigenvalues_lie_on_the_unit_circle(k):
    # J = [[1 − k(ha)², −ha], [kha, 1]]: det 1, trace 2 − k(ha)², so a conjugate pair of modulus 1
    # while k(ha)² < 4.
    b = H * A
    cfg = DiracConfig(d_steps=k)
    np.testing.assert_allclose(jacobian(cfg), [[1 - k * b * b, -b], [k * b, 1]], atol=1e-15)
    re = 1 - k * b * b / 2
    np.testing.assert_allclose(eig(cfg), pair(re, math.sqrt(1 - re * re)), atol=1e-14)
    result = simulate(cfg)
    assert result.spectral_radius == pytest.approx(1.0, abs=1e-12) and result.verdict is Verdict.CYCLES


def test_alternating_with_k_h2_a2_above_4_diverges():
    # k(ha)² = 5: trace 2 − 5 = −3 < −2, real eigenvalues (−3 ± √5)/2 with product 1, one outside
    cfg = DiracConfig(loss="wgan", h=1.0, d_steps=5, steps=10)
    np.testing.assert_allclose(eig(cfg), roots(-3.0, 1.0), atol=1e-12)
    result = simulate(cfg)
    assert result.spectral_radius == pytest.approx((3 + math.sqrt(5)) / 2) and result.verdict is Verdict.DIVERGES


@pytest.mark.parametrize("gamma", [0.3, 1.0, 3.0])
def test_r1_alternating_eigenvalues_from_trace_and_determinant(gamma):
    # D step [[1, 0], [ha, 1 − hγ]], then G step [[1, −ha], [0, 1]]: det = 1 − hγ, trace = 2 − hγ − (ha)²
    cfg = DiracConfig(r1_weight=gamma)
    np.testing.assert_allclose(eig(cfg), roots(2 - H * gamma - (H * A) ** 2, 1 - H * gamma), atol=1e-12)
    assert simulate(cfg).verdict is Verdict.CONVERGES


def test_r1_simultaneous_eigenvalues_are_the_papers():
    # field Jacobian eigenvalues −γ/2 ± √(γ²/4 − f'(0)²) (Mescheder et al., R1), so 1 + h·(that)
    gamma = 2.0
    cfg = DiracConfig(loss="minimax", update="simultaneous", r1_weight=gamma)
    mu = -gamma / 2 + np.array([-1, 1]) * math.sqrt(gamma ** 2 / 4 - A ** 2)
    np.testing.assert_allclose(eig(cfg), np.sort_complex(1 + H * mu + 0j), atol=1e-14)
    assert simulate(cfg).spectral_radius == pytest.approx(1 + H * mu[1])


@pytest.mark.parametrize("gamma", [1e-3, 0.1, 0.4])
def test_r1_simultaneous_converges_exactly_when_h_is_below_gamma_over_fprime_squared(gamma):
    # γ < 2f'(0): eigenvalues 1 + h(−γ/2 ± i√(a² − γ²/4)), so |λ|² = 1 − hγ + h²a² < 1 iff h < γ/a²
    limit = gamma / A ** 2
    for h, want in ((0.9 * limit, Verdict.CONVERGES), (1.1 * limit, Verdict.DIVERGES)):
        result = simulate(DiracConfig(update="simultaneous", r1_weight=gamma, h=h, steps=0))
        assert result.spectral_radius ** 2 == pytest.approx(1 - h * gamma + (h * A) ** 2, rel=1e-12)
        assert result.verdict is want


@pytest.mark.parametrize("h", [0.2, 1.0, 2.0])
def test_r1_alternating_converges_exactly_when_2h_gamma_plus_h2a2_is_below_4(h):
    # λ² − Tλ + D with T = 2 − hγ − (ha)², D = 1 − hγ: both roots inside the unit circle iff
    # |D| < 1, 1 − T + D = (ha)² > 0 and 1 + T + D = 4 − 2hγ − (ha)² > 0 (Jury), so for every γ > 0
    # up to γ* = (4 − (ha)²)/(2h).
    limit = (4 - (h * A) ** 2) / (2 * h)
    for gamma, want in ((1e-3, Verdict.CONVERGES), (0.98 * limit, Verdict.CONVERGES), (1.02 * limit, Verdict.DIVERGES)):
        assert simulate(DiracConfig(r1_weight=gamma, h=h, steps=0)).verdict is want


def test_instance_noise_damps_the_gan_losses_but_not_wgan():
    # damping 2σ²f''(0) = −σ²/2 for the GAN losses, 0 for WGAN (f'' = 0): alternating det = 1 − hσ²/2
    sigma = 0.5
    gan = DiracConfig(noise_std=sigma)
    np.testing.assert_allclose(eig(gan), roots(2 - H * sigma ** 2 / 2 - (H * A) ** 2, 1 - H * sigma ** 2 / 2),
                               atol=1e-12)
    assert simulate(gan.replace(steps=0)).verdict is Verdict.CONVERGES
    assert simulate(DiracConfig(loss="wgan", noise_std=sigma, steps=0)).verdict is Verdict.CYCLES


@pytest.mark.parametrize("update, k", [("simultaneous", 1), ("alternating", 1), ("alternating", 3)])
@pytest.mark.parametrize("extra", [{}, {"r1_weight": 0.7}, {"noise_std": 0.6}, {"loss": "minimax"}, {"loss": "wgan"}])
def test_jacobian_matches_finite_differences_of_the_update(update, k, extra):
    cfg = DiracConfig(update=update, d_steps=k, h=0.3, **extra)
    step, d = UPDATES[update].step, 1e-6
    cols = [(np.array(step(cfg, d * u, d * w)) - np.array(step(cfg, -d * u, -d * w))) / (2 * d)
            for u, w in ((1.0, 0.0), (0.0, 1.0))]
    np.testing.assert_allclose(jacobian(cfg), np.stack(cols, axis=1), atol=1e-8)


# ---- trajectories ---------------------------------------------------------------------------------
def test_simultaneous_moves_away_at_the_linear_rate_near_the_equilibrium():
    # I + hJ = √(1 + (ha)²) × a rotation: near (0, 0) every step multiplies the distance by that
    result = simulate(DiracConfig(update="simultaneous", theta0=1e-4, psi0=1e-4, steps=100))
    growth = result.distance[1:] / result.distance[:-1]
    np.testing.assert_allclose(growth, math.sqrt(1 + (H * A) ** 2), rtol=1e-7)
    assert result.distance[-1] > 1.6 * result.distance[0]


def test_simultaneous_minimax_grows_by_exactly_sqrt_one_plus_h2_fprime2_each_step():
    # minimax's v is orthogonal to (θ, ψ) with |v| = f'(ψθ)·d, so |x + hv| = d·√(1 + h²f'(ψθ)²) exactly
    result = simulate(DiracConfig(loss="minimax", update="simultaneous"))
    theta, psi = result.trajectory[:-1].T
    want = result.distance[:-1] * np.sqrt(1 + H ** 2 / (1 + np.exp(theta * psi)) ** 2)
    np.testing.assert_allclose(result.distance[1:], want, rtol=1e-12)
    assert result.distance[-1] > result.distance[0]


def test_alternating_wgan_keeps_its_invariant_exactly():
    # The alternating map of the bilinear game conserves Q = θ² + ψ² + h·θψ (a = 1): its orbits are
    # ellipses, so the distance neither grows nor shrinks.
    result = simulate(DiracConfig(loss="wgan"))
    theta, psi = result.trajectory.T
    q = theta ** 2 + psi ** 2 + H * theta * psi
    np.testing.assert_allclose(q, q[0], rtol=1e-12)


def test_alternating_minimax_cycles_at_roughly_its_distance():
    result = simulate(DiracConfig(loss="minimax"))
    assert 0.95 < result.distance.min() / result.distance[0] and result.distance.max() / result.distance[0] < 1.1


def test_r1_converges_at_the_rate_of_its_largest_eigenvalue():
    # γ = 1, h = 0.2: det 0.8, trace 1.79, eigenvalues (1.79 ± √0.0041)/2 = 0.92702, 0.86298. The
    # distance then shrinks by ρ per step: ρ⁵⁰⁰ ≈ 3.6e-17 of the start, far under 1e-2.
    result = simulate(DiracConfig(r1_weight=1.0))
    rho = (1.79 + math.sqrt(1.79 ** 2 - 3.2)) / 2
    assert result.spectral_radius == pytest.approx(rho, rel=1e-12)
    np.testing.assert_allclose(result.distance[301:351] / result.distance[300:350], rho, rtol=1e-8)
    assert result.distance[-1] < 1e-2 and result.distance[-1] < 1e3 * rho ** 500


def test_gradient_penalty_pushes_psi_off_zero_at_the_first_step():
    # from (0, ε): ψ₁ = ε + h(0 − 2λ(ε − 1)) = ε(1 − 2λh) + 2λh, then θ₁ = −hψ₁ (WGAN): the
    # distance jumps from ε to about 2λh however small ε is, so (0, 0) repels.
    lam, eps = 1.0, 1e-6
    result = simulate(DiracConfig(loss="wgan-gp", gp_weight=lam, theta0=0.0, psi0=eps, steps=1))
    psi1 = eps * (1 - 2 * lam * H) + 2 * lam * H
    np.testing.assert_allclose(result.trajectory[1], [-H * psi1, psi1], rtol=1e-12)
    assert result.verdict is Verdict.DIVERGES and not result.smooth


def test_wgan_gp_stalls_where_the_one_sided_field_vanishes():
    # As ψ → 0⁺ the field tends to (0, θ + 2λ): zero at θ = −2λ, off the equilibrium. From (1, 1)
    # with λ = 1 the run settles there.
    result = simulate(DiracConfig(loss="wgan-gp", gp_weight=1.0))
    np.testing.assert_allclose(result.trajectory[-1], [-2.0, 0.0], atol=1e-6)


def test_result_is_read_only_with_the_documented_shapes():
    result = simulate(DiracConfig(steps=50))
    assert result.trajectory.shape == (51, 2) and result.distance.shape == (51,)
    assert result.eigenvalues.dtype.kind == "c" and result.eigenvalues.shape == (2,)
    np.testing.assert_allclose(result.trajectory[0], [1.0, 1.0])
    for a in (result.trajectory, result.distance, result.eigenvalues, result.jacobian):
        with pytest.raises(ValueError):
            a[0] = 0


def test_a_run_that_overflows_goes_on_as_inf_or_nan_without_warnings():
    with np.errstate(all="raise"):
        result = simulate(DiracConfig(loss="wgan-gp", gp_weight=10.0, steps=2000))
    assert not np.isfinite(result.distance[-1])


def test_eigenvalue_text_has_three_significant_digits():
    assert format_eigenvalues(np.array([0.995 + 0.09987j, 0.995 - 0.09987j])) == "0.995 ± 0.0999i"
    assert format_eigenvalues(np.array([0.92702, 0.86298])) == "0.927, 0.863"


# ---- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, name, words", [
    ({"loss": "lsgan"}, "loss", "minimax, nonsaturating, wgan, wgan-gp"),
    ({"update": "adam"}, "update", "simultaneous, alternating"),
    ({"h": 0.0}, "h", "0.001 to 2"),
    ({"h": float("nan")}, "h", "finite"),
    ({"steps": 2.5}, "steps", "whole number"),
    ({"steps": True}, "steps", "not a number"),
    ({"d_steps": 0}, "d_steps", "1 to 20"),
    ({"update": "simultaneous", "d_steps": 2}, "d_steps", "exactly 1"),
    ({"theta0": 11.0}, "theta0", "-10 to 10"),
    ({"r1_weight": -1.0}, "r1_weight", "0 to 100"),
    ({"loss": "wgan-gp"}, "gp_weight", "above 0"),
    ({"noise_std": 3.0}, "noise_std", "0 to 2"),
])
def test_validation_names_the_field_and_its_range(changes, name, words):
    with pytest.raises(ConfigError) as err:
        DiracConfig(**changes).validate()
    assert err.value.field == name and words in err.value.message


def test_every_public_entry_point_validates():
    bad = DiracConfig(h=-1.0)
    for call in (lambda: simulate(bad), lambda: jacobian(bad), lambda: field(bad, 0.0, 0.0)):
        with pytest.raises(ConfigError, match="^h: "):
            call()


def test_parse_field_reads_text_and_names_the_field():
    assert parse_field("d_steps", " 3 ") == 3 and parse_field("h", "0.1") == 0.1 and parse_field("loss", "wgan") == "wgan"
    for name, text in (("h", "fast"), ("steps", "1.5"), ("noise_std", "9"), ("speed", "1")):
        with pytest.raises(ConfigError) as err:
            parse_field(name, text)
        assert err.value.field == name
    assert set(DIRAC_FIELDS) == set(DiracConfig().to_dict())


# ---- the view -------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_figure_has_both_panels_the_trajectory_and_the_verdict_in_words(lang):
    cfg = DiracConfig(update="simultaneous")
    fig = dirac_figure(cfg, simulate(cfg), lang=lang)
    layout, names = fig["layout"], [trace.get("name") for trace in fig["data"]]
    words = {"en": ("diverges", "θ (generator's position)", "ψ (discriminator's slope)"),
             "zh": ("发散", "θ（生成器的位置）", "ψ（判别器的斜率）")}[lang]
    assert words[0] in layout["title"]["subtitle"]["text"] and "1 ± 0.1i" in layout["title"]["subtitle"]["text"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == words[1:]
    assert layout["xaxis"]["range"] == layout["yaxis"]["range"] == [-2.0, 2.0] and layout["yaxis2"]["type"] == "log"
    trajectory = fig["data"][names.index(_TEXT[lang]["trajectory"])]
    np.testing.assert_allclose(trajectory["x"][:3], simulate(cfg).trajectory[:3, 0])
    assert trajectory["line"]["color"] == "#c51b7d"
    distance = [t for t in fig["data"] if t.get("yaxis") == "y2"][0]
    assert len(distance["y"]) == cfg.steps + 1 and distance["xaxis"] == "x2"


def test_figure_names_every_verdict_loss_and_update_in_both_languages():
    for t in _TEXT.values():
        assert set(t["verdict"]) == set(Verdict) and set(t["loss"]) == set(DIRAC_LOSSES)
        assert set(t["update"]) == set(UPDATES)
    assert _TEXT["zh"]["verdict"] == {Verdict.CONVERGES: "收敛", Verdict.CYCLES: "循环", Verdict.DIVERGES: "发散"}
    with pytest.raises(ValueError, match="en, zh"):
        dirac_figure(DiracConfig(), lang="fr")
    with pytest.raises(ValueError, match="another config"):
        dirac_figure(DiracConfig(), simulate(DiracConfig(steps=3)))


def test_streamlines_follow_the_field_and_break_between_curves():
    cfg = DiracConfig(loss="wgan")
    points, tips, angles = streamlines(cfg)
    curves = points.reshape(len(tips), -1, 2)
    assert np.isnan(curves[:, -1]).all() and np.isfinite(curves[:, :-1]).all()
    # WGAN's field (−ψ, θ) turns counter-clockwise: a tip at (θ, ψ) moves along (−ψ, θ), so its
    # clockwise-from-up angle is atan2(−ψ, θ), to within the curvature of one short step.
    want = np.degrees(np.arctan2(-tips[:, 1], tips[:, 0]))
    np.testing.assert_allclose(((angles - want + 180) % 360) - 180, 0, atol=5.0)
