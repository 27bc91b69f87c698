"""The theory panel: both languages, live numbers written in correctly, formulas from the engine, renderable math."""
import re

import pytest

from gancore.losses import GP_LATEX, LOSSES, d_objective_latex
from playground.theory import _TEXT, LANGUAGES, LiveNumbers, theory_sections

GAME, ALGORITHM, OPTIMAL, SATURATING, LOSS_LIST, STRENGTHS = range(6)
UNMEASURED = {"en": "not measured yet", "zh": "尚未测量"}


def live(**changes) -> LiveNumbers:
    values = dict(step=120, k=1, g_steps=1, loss="nonsaturating", d_real=0.8, d_fake=0.2,
                  g_grad_norm=0.5, d_grad_norm=1.5, batch_size=256)
    values.update(changes)
    return LiveNumbers(**values)


def body(lang: str, section: int, **changes) -> str:
    return theory_sections(lang, live(**changes))[section][1]


def test_languages_are_english_and_chinese():
    assert LANGUAGES == {"en": "English", "zh": "中文"}


def test_both_languages_have_the_same_sections_with_titles():
    en, zh = theory_sections("en", live()), theory_sections("zh", live())
    assert len(en) == len(zh) == 6
    for (title_en, body_en), (title_zh, body_zh) in zip(en, zh):
        assert title_en.strip() and title_zh.strip() and body_en.strip() and body_zh.strip()
        assert title_en != title_zh


def test_unknown_language_raises_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"en, zh"):
        theory_sections("fr", live())


def test_unknown_loss_raises_naming_the_valid_ones():
    with pytest.raises(KeyError, match="nonsaturating"):
        theory_sections("en", live(loss="nope"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_minibatch_size_is_the_live_m(lang):
    assert "m = 64" in body(lang, GAME, batch_size=64)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_algorithm_shows_the_live_k_and_g_steps(lang):
    text = body(lang, ALGORITHM, k=7, g_steps=3, step=4321)
    assert text.count("k = 7") >= 2            # in the settings line and in "repeat k times"
    assert "3" in text.split("2. ")[1].splitlines()[0]   # the generator line says how many G steps
    assert "4321" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_algorithm_shows_the_current_losses_formulas_and_ascent_then_descent(lang):
    text = body(lang, ALGORITHM, loss="hinge")
    assert LOSSES["hinge"].d_latex in text and LOSSES["hinge"].g_latex in text
    assert r"\theta_d \leftarrow \theta_d + \eta" in text     # D: gradient ascent on V
    assert r"\theta_g \leftarrow \theta_g - \eta" in text     # G: gradient descent
    assert "Step D" in text and "Step G" in text


def test_algorithm_with_k_zero_says_d_is_frozen():
    assert "never updated" in body("en", ALGORITHM, k=0)
    assert "从不更新" in body("zh", ALGORITHM, k=0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_optimal_discriminator_and_its_value(lang):
    text = body(lang, OPTIMAL)
    assert r"D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}" in text
    assert r"V(D^*,G) = -\log 4 + 2\,\mathrm{JSD}(p_{data}\,\|\,p_g)" in text
    assert r"y = \frac{a}{a+b}" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_optimal_section_shows_the_live_means(lang):
    text = body(lang, OPTIMAL, d_real=0.937, d_fake=0.041)
    assert "0.937" in text and "0.041" in text


def test_live_reading_early_training_vs_near_equilibrium():
    early = body("en", OPTIMAL, d_real=0.95, d_fake=0.03)
    assert r"D(x) \to 1" in early and "gap 0.920" in early
    near = body("en", OPTIMAL, d_real=0.52, d_fake=0.47)
    assert "close to" in near and "gap" not in near.split("Right now")[1].split("Real training")[0]
    inverted = body("en", OPTIMAL, d_real=0.3, d_fake=0.7)
    assert "lagging behind" in inverted


@pytest.mark.parametrize("lang", LANGUAGES)
def test_least_squares_readout_is_a_score_with_optimum_one_half(lang):
    text = body(lang, OPTIMAL, loss="lsgan", d_real=1.3, d_fake=-0.2)
    assert ("score, not a probability" if lang == "en" else "分数而不是概率") in text
    assert "0.5" in text and "1.300" in text


@pytest.mark.parametrize("loss", ["hinge", "wgan-gp"])
def test_unbounded_scores_are_compared_with_each_other_not_with_one_half(loss):
    text = body("en", OPTIMAL, loss=loss, d_real=2.0, d_fake=-1.5)
    assert "unbounded score, not a probability" in text and "gap: 3.5" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_saturating_gradient_ratio_is_d_over_one_minus_d(lang):
    # 0.01 / 0.99 = 0.010101...
    assert "**0.0101×**" in body(lang, SATURATING, d_fake=0.01)
    assert "**1×**" in body(lang, SATURATING, d_fake=0.5)
    assert "**9×**" in body(lang, SATURATING, d_fake=0.9, loss="minimax")


def test_saturating_section_shows_both_gradient_rules_and_the_g_gradient_norm():
    text = body("en", SATURATING, g_grad_norm=0.00234)
    assert r"\frac{d}{ds}\log(1 - \sigma(s)) = -\sigma(s) = -D" in text
    assert r"\frac{d}{ds}\left[-\log\sigma(s)\right] = -(1 - \sigma(s)) = -(1 - D)" in text
    assert r"\frac{D}{1-D}" in text and "0.00234" in text


@pytest.mark.parametrize("loss", ["lsgan", "hinge", "wgan-gp"])
def test_ratio_is_not_claimed_for_score_losses(loss):
    text = body("en", SATURATING, loss=loss, d_fake=0.01)
    assert "0.0101" not in text and "does not apply" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_correction_names_the_saturating_objective_and_the_practical_one(lang):
    quote = [line for line in body(lang, SATURATING).splitlines() if line.startswith("> ")]
    assert len(quote) == 1
    sat, nonsat = LOSSES["minimax"].g_latex, LOSSES["nonsaturating"].g_latex
    assert sat == r"\mathbb{E}_z[\log(1 - D(G(z)))]" and nonsat == r"-\mathbb{E}_z[\log D(G(z))]"
    assert sat in quote[0] and nonsat in quote[0]
    assert ("**is** the zero-sum (saturating)" if lang == "en" else "**正是**零和博弈（饱和）") in quote[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_saturating_section_says_how_to_see_it_in_the_app(lang):
    text = body(lang, SATURATING)
    assert "`minimax`" in text and "`nonsaturating`" in text and "`d_head_start`" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_loss_list_uses_the_engines_latex_for_every_loss(lang):
    text = body(lang, LOSS_LIST)
    for key, loss in LOSSES.items():
        assert f"`{key}`" in text
        # each with its own penalty (wgan-gp's lambda = 10), as D minimises it by default
        d_latex = d_objective_latex(key)
        assert f"$D$: ${d_latex}$" in text or f"$D$：${d_latex}$" in text
        assert f"${loss.g_latex}$" in text
    assert "R1" in text and r"\frac{\gamma}{2}" in text


def test_loss_list_marks_the_current_loss():
    text = body("en", LOSS_LIST, loss="lsgan")
    assert "(`lsgan`; $D$ surface: score) (current)" in text and text.count("(current)") == 1


def test_loss_list_says_which_readouts_are_probabilities():
    text = body("en", LOSS_LIST)
    for key, loss in LOSSES.items():
        assert f"(`{key}`; $D$ surface: {'probability' if loss.probability else 'score'})" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_strengths_and_weaknesses_cover_the_notes_points(lang):
    text = body(lang, STRENGTHS)
    words = (["differentiable", "labels", "through $D$", "density", "balance", "vanishes", "Mode collapse"]
             if lang == "en" else ["可微", "标签", "反向传播", "表达式", "平衡", "梯度消失", "模式崩溃"])
    for word in words:
        assert word in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_numbers_say_not_measured(lang):
    nothing = dict(d_real=None, d_fake=None, g_grad_norm=None, d_grad_norm=None, step=0)
    for loss in LOSSES:
        sections = theory_sections(lang, live(loss=loss, **nothing))
        assert UNMEASURED[lang] in sections[OPTIMAL][1]
        assert UNMEASURED[lang] in sections[SATURATING][1]


def test_nan_numbers_count_as_not_measured():
    text = body("en", SATURATING, d_fake=float("nan"), g_grad_norm=float("nan"))
    assert "nan" not in text.lower() and "not measured yet" in text


def test_fakes_scored_fully_real_do_not_crash_the_ratio():
    assert "**∞×**" in body("en", SATURATING, d_fake=1.0)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("loss", LOSSES)
def test_math_delimiters_are_balanced_and_blocks_on_their_own_lines(lang, loss):
    for with_numbers in (True, False):
        numbers = {} if with_numbers else dict(d_real=None, d_fake=None, g_grad_norm=None, d_grad_norm=None)
        for title, text in theory_sections(lang, live(loss=loss, k=0, g_steps=2, **numbers)):
            assert text.count("$") % 2 == 0, title
            # Streamlit renders $$ display math only when the $$ stand on lines of their own.
            for line in text.splitlines():
                assert "$$" not in line or line == "$$", (title, line)
            assert not re.search(r"«\w+»", text), title
            assert not re.search(r"^ {4}", text.replace("\n   -", "\n-"), re.M), "indented code block by accident"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_current_d_formula_carries_the_runs_active_penalties(lang):
    text = body(lang, ALGORITHM, loss="hinge", gp_weight=1.0, r1_weight=2.0)
    assert d_objective_latex("hinge", 1.0, 2.0) in text and r"\lambda = 1,\ \gamma = 2" in text
    assert GP_LATEX in body(lang, ALGORITHM, loss="wgan-gp")                     # wgan-gp's own lambda = 10
    assert GP_LATEX not in body(lang, ALGORITHM, loss="wgan-gp", gp_weight=0.0)   # switched off


@pytest.mark.parametrize("lang, zero_sum, not_zero_sum", [
    ("en", "play a **zero-sum game**", "**not zero-sum**"), ("zh", "进行一场**零和博弈**", "**不是零和博弈**")])
def test_only_the_minimax_game_is_called_zero_sum(lang, zero_sum, not_zero_sum):
    text = body(lang, GAME)
    assert zero_sum not in text                   # the old unconditional claim
    assert not_zero_sum in text and "`minimax`" in text
    labels = _TEXT[lang]["loss_labels"]
    assert set(labels) == set(LOSSES)
    assert ("not zero-sum" if lang == "en" else "不是零和博弈") in labels["nonsaturating"]
    assert labels["nonsaturating"] in body(lang, LOSS_LIST) and labels["hinge"] in body(lang, ALGORITHM, loss="hinge")


@pytest.mark.parametrize("lang, caveat", [("en", "Adam"), ("zh", "Adam")])
def test_the_vanishing_gradient_promise_says_adam_hides_it_and_how_to_see_the_stall(lang, caveat):
    text = body(lang, SATURATING)
    assert caveat in text and "SGD" in text
    assert "`g_optimizer` = `sgd`" in text and "`d_head_start` = 500" in text and "`loss` = `minimax`" in text


@pytest.mark.parametrize("lang, condition", [
    ("en", "vanishes under the saturating (minimax) loss"), ("zh", "使用饱和（minimax）损失时")])
def test_if_d_wins_the_gradient_vanishes_only_for_the_saturating_loss(lang, condition):
    assert condition in body(lang, STRENGTHS)


@pytest.mark.parametrize("lang, words", [
    ("en", ["lowers $G$'s loss fastest for that point alone", "only roughly along its arrow"]),
    ("zh", ["使 $G$ 的损失下降最快的方向", "只是大致沿着箭头的方向"])])
def test_the_arrows_are_explained_as_the_steepest_descent_of_gs_loss_per_point(lang, words):
    text = body(lang, ALGORITHM)
    assert all(w in text for w in words) and r"$-\nabla_x$" in text


@pytest.mark.parametrize("lang, words", [
    ("en", ["**estimated**", "Scott's rule", "optimum of the original (minimax) loss"]),
    ("zh", ["**估计**", "Scott 法则", "原始（极小极大）损失的最优解"])])
def test_d_star_text_says_p_g_is_estimated_and_how(lang, words):
    text = body(lang, OPTIMAL)
    assert all(w in text for w in words)
