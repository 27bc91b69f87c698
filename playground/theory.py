"""The theory panel's text, in English and Chinese, with the run's live numbers written into it."""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from typing import Callable

from gancore.losses import LOSSES, Loss, d_objective_latex, get_loss

LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}

# Readouts this close to the equilibrium value count as "about 1/2" in the live commentary.
NEAR_EQUILIBRIUM = 0.1


@dataclass(frozen=True)
class LiveNumbers:
    """The numbers of the run the panel describes; None where nothing has been measured yet."""

    step: int
    k: int                       # d_steps: discriminator steps per iteration
    g_steps: int
    loss: str                    # key of gancore.losses.LOSSES
    d_real: float | None         # mean D(x) on the latest minibatches (a probability for minimax/nonsaturating)
    d_fake: float | None         # mean D(G(z))
    g_grad_norm: float | None
    d_grad_norm: float | None
    batch_size: int
    gp_weight: float | None = None   # the run's penalties, so D's formula shows what D minimises
    r1_weight: float = 0.0           #   (None: the loss's own gradient penalty weight)


def theory_sections(lang: str, live: LiveNumbers) -> list[tuple[str, str]]:
    """[(title, markdown)] of every section in `lang`; the markdown's $...$ is LaTeX for st.markdown."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGUAGES)}")
    t, loss = _TEXT[lang], get_loss(live.loss)
    return [(title, build(t, live, loss)) for title, build in zip(t["titles"], _BUILDERS)]


# ---- filling templates ------------------------------------------------------------------------
# Templates mark blanks as «name»: LaTeX is full of {braces}, so str.format would need every one doubled.

def _fill(template: str, **values: object) -> str:
    out = template
    for name, value in values.items():
        out = out.replace(f"«{name}»", str(value))
    left = re.findall(r"«\w+»", out)
    if left:
        raise KeyError(f"template blanks not filled: {', '.join(left)}")
    return out


def _known(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _num(t: dict, v: float | None, spec: str = ".3g") -> str:
    return format(v, spec) if _known(v) else t["unmeasured"]


def _ratio(d: float) -> str:
    """D/(1-D): how many times the non-saturating gradient the saturating one is, per sample."""
    return "∞" if d >= 1 else format(max(d, 0.0) / (1 - d), ".3g")


# ---- the sections -----------------------------------------------------------------------------

def _game(t: dict, live: LiveNumbers, loss: Loss) -> str:
    return "\n\n".join([_fill(t["game"], m=live.batch_size), t["not_zero_sum"]])


def _algorithm(t: dict, live: LiveNumbers, loss: Loss) -> str:
    g_phrase = t["g_once"] if live.g_steps == 1 else _fill(t["g_many"], g=live.g_steps)
    parts = [_fill(t["algorithm"], k=live.k, m=live.batch_size, step=live.step, g_phrase=g_phrase)]
    if live.k == 0:
        parts.append(t["k_zero"])
    d_latex = d_objective_latex(live.loss, live.gp_weight, live.r1_weight)
    parts.append(_fill(t["current_loss"], label=t["loss_labels"][live.loss], d_latex=d_latex, g_latex=loss.g_latex))
    parts += [t["buttons"], t["arrows"]]
    return "\n\n".join(parts)


def _optimal(t: dict, live: LiveNumbers, loss: Loss) -> str:
    numbers = dict(m=live.batch_size, dr=_num(t, live.d_real, ".3f"), df=_num(t, live.d_fake, ".3f"))
    if loss.equilibrium is None:
        gap = live.d_real - live.d_fake if _known(live.d_real) and _known(live.d_fake) else None
        return "\n\n".join([t["optimal"], _fill(t["live_score"], gap=_num(t, gap), **numbers)])
    key = "live_prob" if loss.probability else "live_score_eq"
    parts = [t["optimal"], _fill(t[key], eq=f"{loss.equilibrium:g}", **numbers)]
    if _known(live.d_real) and _known(live.d_fake):
        parts.append(_reading(t, live.d_real, live.d_fake, loss.equilibrium))
    parts.append(t["rarely"])
    return "\n\n".join(parts)


def _reading(t: dict, d_real: float, d_fake: float, equilibrium: float) -> str:
    """One sentence on what the two means say about the game right now."""
    if abs(d_real - equilibrium) <= NEAR_EQUILIBRIUM and abs(d_fake - equilibrium) <= NEAR_EQUILIBRIUM:
        return t["near_half"]
    if d_real > d_fake:
        return _fill(t["separated"], gap=format(d_real - d_fake, ".3f"))
    return t["inverted"]


def _saturating(t: dict, live: LiveNumbers, loss: Loss) -> str:
    if not loss.probability:
        ratio = _fill(t["ratio_na"], label=t["loss_labels"][live.loss])
    elif _known(live.d_fake):
        ratio = _fill(t["ratio_live"], df=f"{live.d_fake:.3g}", ratio=_ratio(live.d_fake),
                      label=t["loss_labels"][live.loss])
    else:
        ratio = t["ratio_unmeasured"]
    grads = _fill(t["grad_live"], gn=_num(t, live.g_grad_norm), dn=_num(t, live.d_grad_norm))
    return "\n\n".join([t["saturating"], t["adam"], ratio, grads, t["correction"], t["see_it"]])


def _losses(t: dict, live: LiveNumbers, loss: Loss) -> str:
    entries = [t["losses_intro"]]
    for key, each in LOSSES.items():
        current = t["current_mark"] if key == live.loss else ""
        entries.append(_fill(t["loss_entry"], label=t["loss_labels"][key], key=key, current=current,
                             readout=t["readout"][each.probability], d_latex=d_objective_latex(key),
                             g_latex=each.g_latex, note=t["loss_notes"][key]))
    entries.append(t["penalties"])
    return "\n\n".join(entries)


def _strengths(t: dict, live: LiveNumbers, loss: Loss) -> str:
    return t["strengths"]


_BUILDERS: tuple[Callable[[dict, LiveNumbers, Loss], str], ...] = (
    _game, _algorithm, _optimal, _saturating, _losses, _strengths)


def _md(text: str, **latex: str) -> str:
    """Dedent a template, then write in the shared LaTeX (after dedenting: it spans lines of its own)."""
    text = textwrap.dedent(text).strip()
    for name, value in latex.items():
        text = text.replace(f"«{name}»", value)
    return text


# ---- LaTeX shared by both languages, so they show the very same formulas ----------------------
_V = r"\mathbb{E}_{x\sim p_{data}}[\log D(x)] + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))]"
_V_BATCH = r"\frac{1}{m}\sum_{i=1}^{m}\left[\log D(x^{(i)}) + \log(1 - D(G(z^{(i)})))\right]"
_D_UPDATE = r"$\theta_d \leftarrow \theta_d + \eta\,\nabla_{\theta_d}" + _V_BATCH + "$"
_G_UPDATE = r"$\theta_g \leftarrow \theta_g - \eta\,\nabla_{\theta_g}\frac{1}{m}\sum_{i=1}^{m}\log(1 - D(G(z^{(i)})))$"
_V_INTEGRAL = r"$$" "\n" r"V(D,G) = \int_x \left[p_{data}(x)\log D(x) + p_g(x)\log(1 - D(x))\right]dx" "\n" r"$$"
_D_STAR = r"$$" "\n" r"D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}" "\n" r"$$"
_SIGMOID_GRADS = (r"$$" "\n" r"\frac{d}{ds}\log(1 - \sigma(s)) = -\sigma(s) = -D, \qquad "
                  r"\frac{d}{ds}\left[-\log\sigma(s)\right] = -(1 - \sigma(s)) = -(1 - D)" "\n" r"$$")
_SAT = LOSSES["minimax"].g_latex               # the engine's own formulas, so the text cannot disagree
_NONSAT = LOSSES["nonsaturating"].g_latex
_R1 = r"$\frac{\gamma}{2}\,\mathbb{E}_{x\sim p_{data}}[\|\nabla_x D(x)\|^2]$"

# ---- English ----------------------------------------------------------------------------------
_EN: dict = {
    "titles": ("1. The game: generator and discriminator", "2. Algorithm 1: how the app trains",
               "3. The optimal discriminator", "4. Saturating vs non-saturating generator loss",
               "5. The other losses", "6. Strengths and weaknesses"),
    "unmeasured": "not measured yet",
    "loss_labels": {key: loss.label for key, loss in LOSSES.items()},
    "game": _md(r"""
        Two networks play a game. The **generator** $G$ maps noise $z \sim p_z$ to a point $G(z)$ in the plane; the distribution of its samples is $p_g$. The **discriminator** $D$ is a binary classifier: for a point $x$ it outputs $D(x)$, the probability it gives to "$x$ is real, drawn from $p_{data}$". So $D(G(z))$ is the probability that $D$ takes a fake for **real**; $1 - D(G(z))$ is the probability it calls it fake.

        $D$ tries to tell real from fake; $G$ tries to make its fakes pass as real. Goodfellow et al. (2014) write both goals as one value function that $D$ maximises and $G$ minimises:

        $$
        \min_G \max_D V(D,G) = «V»
        $$

        In training each expectation is an average over a minibatch of $m$ samples; here $m = «m»$:

        $$
        V \approx «V_BATCH»
        $$""",
        V=_V, V_BATCH=_V_BATCH),
    "algorithm": _md(r"""
        Each iteration of Algorithm 1 with the current settings ($k = «k»$, $m = «m»$; «step» iterations done):

        1. Repeat $k = «k»$ times, updating the discriminator:
           - sample $m$ noise vectors $z^{(1)},\dots,z^{(m)} \sim p_z$ and $m$ real points $x^{(1)},\dots,x^{(m)} \sim p_{data}$;
           - update $D$ by stochastic gradient **ascent** on $V$: «D_UPDATE» (the app takes the same step as descent on $-V$, with the chosen optimiser: Adam by default, as the paper allows any gradient-based rule).
        2. Then update the generator «g_phrase»:
           - sample $m$ fresh noise vectors $z^{(i)} \sim p_z$;
           - update $G$ by stochastic gradient **descent**: «G_UPDATE» (the paper's formula; section 4 gives the non-saturating variant);
           - the gradient flows **through** $D$ into $G$, but $D$'s weights are not updated in this step.""",
        D_UPDATE=_D_UPDATE, G_UPDATE=_G_UPDATE),
    "not_zero_sum": ("Written this way the game is **zero-sum**: what $D$ gains in $V$, $G$ loses. That holds for the "
                     "paper's minimax formulation, the app's `minimax` loss. The app's default, the **non-saturating** "
                     "loss (section 4), changes $G$'s objective so that $G$ no longer minimises the $V$ that $D$ "
                     "maximises: that game is **not zero-sum**, though it has the same fixed point."),
    "g_once": "once",
    "g_many": "«g» times in a row (the paper does it once)",
    "k_zero": "With $k = 0$ the discriminator is never updated: $G$ is chasing a frozen $D$.",
    "current_loss": "With the current loss, **«label»**, $D$ minimises $«d_latex»$ and $G$ minimises $«g_latex»$.",
    "buttons": ("The **Step D** button does one discriminator update (step 1 once) and **Step G** one generator "
                "update (step 2 once); each counts as one iteration. During a head start (the setting "
                "`d_head_start`) each iteration is a single $D$ step, and $G$'s gradient is measured but not applied."),
    "arrows": ("**The arrows on the plot** are $-\\nabla_x$ of $G$'s loss at each fake point $x = G(z)$: the direction "
               "that lowers $G$'s loss fastest for that point alone. $G$'s step changes its weights $\\theta_g$, not the "
               "points, so a point moves by $G$'s Jacobian times that change: only roughly along its arrow, and tied "
               "to its neighbours."),
    "optimal": _md(r"""
        For a fixed $G$, write the value as one integral over $x$, with $p_g$ the distribution of $G(z)$:

        «V_INTEGRAL»

        Pointwise, $y \mapsto a\log y + b\log(1-y)$ (with $a, b \ge 0$, not both $0$) is largest at $y = \frac{a}{a+b}$, where its derivative $\frac{a}{y} - \frac{b}{1-y}$ is $0$. So the optimal discriminator is

        «D_STAR»

        Putting $D^*$ back in gives $V(D^*,G) = -\log 4 + 2\,\mathrm{JSD}(p_{data}\,\|\,p_g)$. The Jensen–Shannon divergence is $\ge 0$ and is $0$ only when the two distributions are equal, so the global optimum is $p_g = p_{data}$: there $D^* = \frac12$ everywhere and $V = -\log 4$.

        The "optimal $D^*$" toggle draws $D^*$ beside $D$ for the mixture targets (ring8, grid25, gaussian, blobs). Only $G$'s samples are known, not $p_g$, so $p_g$ is **estimated**: a Gaussian kernel density estimate of 2,500 fakes, with the bandwidth $h$ from Scott's rule and never wider than the modes' own $\sigma$ (a wider kernel blurs $D^*$ into looking less sure than it is); $p_{data}$ is smoothed by the same kernel, and the figure states $h$. Grey marks where neither density has mass and $D^*$ is undefined. For `hinge` and `wgan-gp` the panel still shows the optimum of the original (minimax) loss, which their $D$ does not aim for.""",
        V_INTEGRAL=_V_INTEGRAL, D_STAR=_D_STAR),
    "live_prob": ("**Right now** (latest minibatches, $m = «m»$): mean $D(x)$: «dr», mean $D(G(z))$: «df». "
                  "At the optimum both would be $\\frac12$."),
    "live_score_eq": ("The current loss reads $D$ as a **score, not a probability**: it can leave $[0, 1]$. This loss "
                      "still has an optimum value, though: «eq» everywhere at equilibrium (section 5). **Right now** "
                      "(latest minibatches, $m = «m»$): mean $D(x)$: «dr», mean $D(G(z))$: «df»."),
    "live_score": ("The current loss reads $D$ as an **unbounded score, not a probability**, with no fixed value at the "
                   "optimum: compare mean $D(x)$ with mean $D(G(z))$, not with $\\frac12$. **Right now** (latest "
                   "minibatches, $m = «m»$): mean $D(x)$: «dr», mean $D(G(z))$: «df», gap: «gap». The $D^*$ view "
                   "shows the minimax optimum, which this loss's $D$ does not aim for."),
    "near_half": "Both are close to $\\frac12$: on these batches $D$ can hardly tell real from fake.",
    "separated": ("$D$ still tells them apart (gap «gap»). Early in training, when the fakes are poor, $D(x) \\to 1$ "
                  "and $D(G(z)) \\to 0$; the closer both get to $\\frac12$, the less $D$ can tell."),
    "inverted": ("$D$ rates the fakes at least as \"real\" as the real points: it is lagging behind $G$, and its next "
                 "updates push back."),
    "rarely": ("Real training rarely sits exactly at $\\frac12$: $D$ is never trained to optimality, $G$ has limited "
               "capacity, both keep moving, and minibatch means fluctuate; often the generator never fully beats the "
               "discriminator. Conversely, means near $\\frac12$ do not by themselves prove $p_g = p_{data}$ (a weak $D$ "
               "outputs $\\frac12$ everywhere): compare with the plot and the metrics."),
    "saturating": _md(r"""
        In the zero-sum game $G$ minimises the same $V$ that $D$ maximises. Only the second term depends on $G$, so the **saturating** (minimax) generator loss is

        $$
        \min_G\ «SAT»
        $$

        The paper's practical fix keeps $D$'s objective and changes $G$'s to the **non-saturating** loss

        $$
        \min_G\ «NONSAT»
        $$

        Both push $D(G(z))$ up, and the paper shows they have the same fixed point, but their gradients differ. Write $D = \sigma(s)$ with $s$ the logit:

        «SIGMOID_GRADS»

        So for each sample the saturating gradient is $\frac{D}{1-D}$ times the non-saturating one. When $D$ confidently rejects a fake ($D(G(z)) \approx 0$), the saturating $G$ gets almost no gradient: **vanishing gradients**, just when $G$ is worst.""",
        SAT=_SAT, NONSAT=_NONSAT, SIGMOID_GRADS=_SIGMOID_GRADS),
    "adam": ("**A small gradient is not always a small step.** Plain SGD moves $G$'s weights in proportion to the "
             "gradient, so there the saturating $G$ stalls. Adam (the app's default optimiser) divides each step by a "
             "running average of the gradient's size, so even a vanishing gradient becomes a full-size step and $G$ "
             "keeps moving: with Adam the vanishing gradient shows in $G$'s gradient norm (the chart), not in the picture."),
    "ratio_live": ("**Right now** mean $D(G(z))$: «df». For a fake with that value the saturating loss's gradient would "
                   "be **«ratio»×** the non-saturating one's (training with: «label»)."),
    "ratio_unmeasured": "**Right now** $D(G(z))$ is not measured yet, so there is no ratio to show.",
    "ratio_na": ("The current loss, **«label»**, reads $D$ as a score, not a probability, so the ratio $\\frac{D}{1-D}$ "
                 "does not apply to it: it compares minimax with nonsaturating."),
    "grad_live": "Recent gradient norm of $G$'s loss with respect to $G$'s weights: «gn» (of $D$'s: «dn»).",
    "correction": (f"> **Correction.** Some course notes say that \"in practice the generator minimises ${_SAT}$\" "
                   f"instead of the zero-sum objective. That expression **is** the zero-sum (saturating) objective. The "
                   f"practical alternative is to minimise ${_NONSAT}$, that is, to maximise $\\mathbb{{E}}_z[\\log D(G(z))]$."),
    "see_it": ("**See it in the app:** start a new run with `loss` = `minimax`, `d_head_start` = 500 ($D$ trains alone "
               "first), `g_optimizer` = `sgd` and `g_lr` = 0.02. After the head start $D(G(z)) \\to 0$: $G$'s gradient "
               "norm is tiny and the fakes barely move. Switch the loss to `nonsaturating` (it applies at once) and they "
               "set off. With the default Adam the same run's gradient norm collapses just as much, yet the fakes keep "
               "moving, because Adam rescales the step."),
    "losses_intro": ("Every loss in the app, as what each network **minimises** (the formulas the engine uses). The "
                     "$D$ surface shows $D$'s readout: a probability or a raw score, as noted for each."),
    "current_mark": " (current)",
    "readout": {True: "probability", False: "score"},
    "loss_entry": "**«label»** (`«key»`; $D$ surface: «readout»)«current»\n- $D$: $«d_latex»$\n- $G$: $«g_latex»$\n- «note»",
    "loss_notes": {
        "minimax": "$D(x) = \\sigma(s)$ is a probability; at the optimum it is $\\frac12$ everywhere.",
        "nonsaturating": ("The same $D$ as minimax; only $G$'s loss differs (section 4), so the game is no longer "
                          "zero-sum. Optimum: $\\frac12$ everywhere."),
        "lsgan": ("$D$ is a raw score pulled toward $b = 1$ on real and $a = 0$ on fake points; $G$ pulls its fakes "
                  "toward $c = 1$. Pointwise, $p_{data}(y-1)^2 + p_g\\,y^2$ is smallest at $y = \\frac{p_{data}}{p_{data}+p_g}$, "
                  "so the optimum is again $D^*$, $\\frac12$ everywhere at equilibrium. $G$'s loss has slope $D(G(z)) - 1$ "
                  "in the score, so its gradient does not vanish when $D$ rejects the fakes."),
        "hinge": ("$D$ is an unbounded score: it wants real points above $+1$ and fakes below $-1$, and ignores points "
                  "already past the margin. Pointwise the optimum is $+1$ where $p_{data} > p_g$ and $-1$ where "
                  "$p_g > p_{data}$; where they are equal any value in $[-1, 1]$ is optimal, so there is no single "
                  "equilibrium value."),
        "wgan-gp": ("$D$ is a *critic*: an unbounded score with no sigmoid. Over 1-Lipschitz $D$, the largest "
                    "$\\mathbb{E}_x[D(x)] - \\mathbb{E}_z[D(G(z))]$ is the Wasserstein-1 distance between $p_{data}$ and "
                    "$p_g$. The gradient penalty (weight $\\lambda$, 10 by default) softly keeps $\\|\\nabla D\\| = 1$ at "
                    "$\\hat x = \\epsilon x + (1-\\epsilon)G(z)$, $\\epsilon \\sim U(0,1)$. Only differences of the score "
                    "matter, so it has no fixed value at the optimum."),
    },
    "penalties": (f"**R1 penalty** (Mescheder et al. 2018; the setting `r1_weight` is $\\gamma$) adds {_R1} to $D$'s loss, "
                  "with any of the losses above ($D(x)$ here is the raw score). It penalises $D$'s slope on real data, "
                  "which helps training converge instead of circling the equilibrium. The gradient penalty (`gp_weight`) can likewise "
                  "be added to any loss. The $D$ loss the app records and plots is the whole objective $D$ minimises, "
                  "penalties included; the chart also shows the penalty on its own."),
    "strengths": _md(r"""
        **Strengths**
        - $D$ and $G$ can be any differentiable functions, such as deep networks (here small MLPs).
        - No labels are needed: "real" and "fake" come from the game itself, so it is unsupervised.
        - $G$ never sees the data: it learns only from the gradient that flows back through $D$, not from a likelihood of the data.

        **Weaknesses**
        - No explicit density: $G$ gives samples but no formula for $p_g(x)$, so the model is hard to interpret (the app estimates $p_g$ from samples when it needs it).
        - Nothing is modelled in advance, so there is a lot of freedom and little control over what $G$ produces.
        - Hard to balance: if $D$ wins, $G$'s gradient vanishes under the saturating (minimax) loss (section 4; the non-saturating loss keeps it); if $D$ lags, it points $G$ the wrong way. Try $k$ and the learning rates.
        - Mode collapse: $G$ may cover only some modes of $p_{data}$. Try the ring target and watch the modes captured."""),
}

# ---- 中文 ---------------------------------------------------------------------------------------
_ZH: dict = {
    "titles": ("1. 博弈：生成器与判别器", "2. 算法 1：应用如何训练", "3. 最优判别器",
               "4. 饱和与非饱和的生成器损失", "5. 其他损失函数", "6. 优势与不足"),
    "unmeasured": "尚未测量",
    "loss_labels": {
        "minimax": "极小极大（饱和；论文中的零和博弈）",
        "nonsaturating": "非饱和（论文中实用的生成器损失；不是零和博弈）",
        "lsgan": "最小二乘（Mao 等人 2017）",
        "hinge": "合页损失（Lim & Ye 2017；Miyato 等人 2018）",
        "wgan-gp": "带梯度惩罚的 Wasserstein 损失（Gulrajani 等人 2017）",
    },
    "game": _md(r"""
        两个网络进行一场博弈。**生成器** $G$ 把噪声 $z \sim p_z$ 映射为平面上的一个点 $G(z)$，这些样本的分布记为 $p_g$。**判别器** $D$ 是一个二分类器：对输入的点 $x$，它输出 $D(x)$，即它认为“$x$ 是来自 $p_{data}$ 的真实样本”的概率。因此 $D(G(z))$ 是判别器把生成样本**当作真实样本**的概率，$1 - D(G(z))$ 才是它判断为“假”的概率。

        判别器要尽量区分真假，生成器要让生成样本骗过判别器。Goodfellow 等人（2014）把两者的目标写成同一个价值函数，$D$ 使它最大化，$G$ 使它最小化：

        $$
        \min_G \max_D V(D,G) = «V»
        $$

        训练时，每个期望都用 $m$ 个样本的小批量平均值代替；当前 $m = «m»$：

        $$
        V \approx «V_BATCH»
        $$""",
        V=_V, V_BATCH=_V_BATCH),
    "algorithm": _md(r"""
        按当前设置（$k = «k»$，$m = «m»$；已完成 «step» 轮迭代），算法 1 的每一轮迭代是：

        1. 重复 $k = «k»$ 次，更新判别器：
           - 从 $p_z$ 采样 $m$ 个噪声 $z^{(1)},\dots,z^{(m)}$，从 $p_{data}$ 采样 $m$ 个真实样本 $x^{(1)},\dots,x^{(m)}$；
           - 用随机梯度**上升**更新 $D$：«D_UPDATE»（应用中等价地对 $-V$ 做下降，使用所选的优化器，默认是 Adam；论文允许任何基于梯度的更新规则）。
        2. 然后更新生成器«g_phrase»：
           - 重新采样 $m$ 个噪声 $z^{(i)} \sim p_z$；
           - 用随机梯度**下降**更新 $G$：«G_UPDATE»（论文中的公式；非饱和版本见第 4 节）；
           - 梯度**穿过** $D$ 传给 $G$，但这一步不更新 $D$ 的参数（判别器被“冻结”）。""",
        D_UPDATE=_D_UPDATE, G_UPDATE=_G_UPDATE),
    "not_zero_sum": ("这样写出的博弈是**零和**的：$D$ 在 $V$ 上的所得正是 $G$ 的所失。这只对论文中的极小极大形式"
                     "（应用中的 `minimax` 损失）成立。应用默认的**非饱和**损失（见第 4 节）改变了 $G$ 的目标，"
                     "$G$ 不再最小化 $D$ 所最大化的那个 $V$：这样的博弈**不是零和博弈**，尽管它的不动点相同。"),
    "g_once": " 1 次",
    "g_many": "，连续 «g» 次（论文中为 1 次）",
    "k_zero": "当 $k = 0$ 时判别器从不更新：生成器面对的是一个固定不变的 $D$。",
    "current_loss": "当前损失为 **«label»**：$D$ 最小化 $«d_latex»$，$G$ 最小化 $«g_latex»$。",
    "buttons": ("**Step D** 按钮执行一次判别器更新（第 1 步一次），**Step G** 执行一次生成器更新（第 2 步一次）；"
                "每次都计为一轮迭代。在判别器先行阶段（设置 `d_head_start`），每轮只做一次 $D$ 更新，"
                "$G$ 的梯度只被测量、不被应用。"),
    "arrows": ("**图中的箭头**是每个生成样本 $x = G(z)$ 处 $G$ 的损失对 $x$ 的负梯度 $-\\nabla_x$：对这个点单独而言，"
               "使 $G$ 的损失下降最快的方向。$G$ 的一步更新改变的是它的参数 $\\theta_g$，而不是这些点本身；"
               "每个点的移动等于 $G$ 的雅可比矩阵乘以参数的变化，所以只是大致沿着箭头的方向，并且与邻近的点相互牵连。"),
    "optimal": _md(r"""
        固定 $G$，把价值函数写成对 $x$ 的积分（$p_g$ 为 $G(z)$ 的分布）：

        «V_INTEGRAL»

        逐点来看，函数 $y \mapsto a\log y + b\log(1-y)$（$a, b \ge 0$ 且不全为 $0$）在 $y = \frac{a}{a+b}$ 处取最大值，此处导数 $\frac{a}{y} - \frac{b}{1-y}$ 为 $0$。所以最优判别器是

        «D_STAR»

        把 $D^*$ 代回得到 $V(D^*,G) = -\log 4 + 2\,\mathrm{JSD}(p_{data}\,\|\,p_g)$。JS 散度非负，且仅当两个分布相同时为 $0$，所以全局最优点是 $p_g = p_{data}$：此时处处 $D^* = \frac12$，$V = -\log 4$。

        “optimal $D^*$” 开关会在 $D$ 旁边画出混合分布目标（ring8、grid25、gaussian、blobs）的 $D^*$。我们只知道 $G$ 的样本而不知道 $p_g$，所以 $p_g$ 是**估计**出来的：对 2,500 个生成样本做高斯核密度估计，带宽 $h$ 按 Scott 法则选取，且不超过各模式自身的 $\sigma$（核太宽会把 $D^*$ 模糊得比实际更不确定）；$p_{data}$ 用同一个核平滑，图中标出 $h$。灰色表示两个密度都没有质量、$D^*$ 无定义的区域。对 `hinge` 和 `wgan-gp`，这个面板显示的仍是原始（极小极大）损失的最优解，它们的 $D$ 并不以此为目标。""",
        V_INTEGRAL=_V_INTEGRAL, D_STAR=_D_STAR),
    "live_prob": "**当前**（最近的小批量，$m = «m»$）：$D(x)$ 的均值：«dr»，$D(G(z))$ 的均值：«df»。在最优点两者都应为 $\\frac12$。",
    "live_score_eq": ("当前损失把 $D$ 的输出当作**分数而不是概率**：它可以超出 $[0, 1]$。不过这个损失仍有确定的最优值："
                      "均衡时处处为 «eq»（见第 5 节）。**当前**（最近的小批量，$m = «m»$）：$D(x)$ 的均值：«dr»，"
                      "$D(G(z))$ 的均值：«df»。"),
    "live_score": ("当前损失把 $D$ 的输出当作**无界的分数而不是概率**，最优点没有固定值：应比较 $D(x)$ 与 $D(G(z))$ 的均值，"
                   "而不是与 $\\frac12$ 比较。**当前**（最近的小批量，$m = «m»$）：$D(x)$ 的均值：«dr»，$D(G(z))$ 的均值：«df»，"
                   "差值：«gap»。$D^*$ 视图显示的是极小极大博弈的最优解，这个损失下的 $D$ 并不以它为目标。"),
    "near_half": "两者都接近 $\\frac12$：在这些批量上判别器几乎分不清真假。",
    "separated": ("判别器仍能区分真假（差值 «gap»）。训练初期生成样本很差，$D(x) \\to 1$，$D(G(z)) \\to 0$；"
                  "两者越接近 $\\frac12$，判别器越难分辨。"),
    "inverted": "判别器给生成样本的“真实”评分不低于真实样本：它落后于生成器，接下来的更新会把它拉回来。",
    "rarely": ("实际训练很少恰好停在 $\\frac12$：判别器从未被训练到最优，生成器的容量有限，双方一直在变化，小批量均值也有波动；"
               "生成器无法战胜判别器是很常见的情况。反过来，均值接近 $\\frac12$ 本身并不能证明 $p_g = p_{data}$"
               "（一个很弱的 $D$ 也会处处输出 $\\frac12$）：请结合图像和指标来判断。"),
    "saturating": _md(r"""
        在零和博弈中，$G$ 最小化的正是 $D$ 最大化的 $V$。只有第二项与 $G$ 有关，所以**饱和**（极小极大）的生成器损失是

        $$
        \min_G\ «SAT»
        $$

        论文给出的实用改进保持 $D$ 的目标不变，把 $G$ 的目标换成**非饱和**损失

        $$
        \min_G\ «NONSAT»
        $$

        两者都会推高 $D(G(z))$，论文指出它们的动态有相同的不动点，但梯度不同。记 $D = \sigma(s)$，$s$ 为 logit：

        «SIGMOID_GRADS»

        所以对每个样本，饱和损失的梯度是非饱和损失的 $\frac{D}{1-D}$ 倍。当判别器很有把握地识破生成样本（$D(G(z)) \approx 0$）时，饱和损失下的生成器几乎得不到梯度：这就是**梯度消失**，而且恰好发生在生成器最差、最需要学习的时候。""",
        SAT=_SAT, NONSAT=_NONSAT, SIGMOID_GRADS=_SIGMOID_GRADS),
    "adam": ("**梯度小并不总是意味着步子小。** 普通的 SGD 按梯度的大小成比例地更新 $G$ 的参数，所以饱和损失下的生成器会停滞不前。"
             "Adam（应用默认的优化器）会把每一步除以梯度大小的滑动平均，因此即使梯度趋于消失，步长仍是正常大小，$G$ 仍在移动："
             "使用 Adam 时，梯度消失只体现在 $G$ 的梯度范数（图表）上，而不体现在图像中。"),
    "ratio_live": ("**当前** $D(G(z))$ 的均值：«df»。对取这个值的生成样本，饱和损失的梯度是非饱和损失的 **«ratio»×**"
                   "（当前训练所用损失：«label»）。"),
    "ratio_unmeasured": "**当前** $D(G(z))$ 尚未测量，暂时没有比值可显示。",
    "ratio_na": ("当前损失 **«label»** 把 $D$ 的输出当作分数而不是概率，所以比值 $\\frac{D}{1-D}$ 不适用：它比较的是 "
                 "minimax 与 nonsaturating 两种损失。"),
    "grad_live": "最近几步中 $G$ 的损失对 $G$ 参数的梯度范数：«gn»（$D$ 的：«dn»）。",
    "correction": (f"> **更正。** 有些课程笔记写道：“实际操作时生成器一般采用最小化 ${_SAT}$”，以代替零和博弈的目标。"
                   f"但这个式子**正是**零和博弈（饱和）的目标。实际使用的替代做法是最小化 ${_NONSAT}$，"
                   f"也就是最大化 $\\mathbb{{E}}_z[\\log D(G(z))]$。"),
    "see_it": ("**在应用中观察：** 新开一次训练，设置 `loss` = `minimax`、`d_head_start` = 500（先只训练判别器）、"
               "`g_optimizer` = `sgd`、`g_lr` = 0.02。判别器先行结束后 $D(G(z)) \\to 0$：$G$ 的梯度范数非常小，"
               "生成样本几乎不动。把损失切换为 `nonsaturating`（立即生效），它们就开始移动。若使用默认的 Adam，"
               "同样的训练中梯度范数同样骤降，但生成样本仍在移动，因为 Adam 会重新缩放步长。"),
    "losses_intro": ("应用中的每个损失，都写成各自网络**最小化**的量（与训练引擎使用的公式相同）。$D$ 曲面显示 $D$ 的输出："
                     "按各损失的标注，是概率或原始分数。"),
    "current_mark": "（当前）",
    "readout": {True: "概率", False: "分数"},
    "loss_entry": "**«label»**（`«key»`；$D$ 曲面：«readout»）«current»\n- $D$：$«d_latex»$\n- $G$：$«g_latex»$\n- «note»",
    "loss_notes": {
        "minimax": "$D(x) = \\sigma(s)$ 是概率；在最优点处处为 $\\frac12$。",
        "nonsaturating": "判别器与 minimax 相同，只有生成器的损失不同（见第 4 节），因此不再是零和博弈。最优点处处为 $\\frac12$。",
        "lsgan": ("$D$ 是原始分数，真实样本被拉向 $b = 1$，生成样本被拉向 $a = 0$；生成器把生成样本拉向 $c = 1$。"
                  "逐点来看，$p_{data}(y-1)^2 + p_g\\,y^2$ 在 $y = \\frac{p_{data}}{p_{data}+p_g}$ 处最小，"
                  "所以最优解仍是 $D^*$，均衡时处处为 $\\frac12$。生成器的损失对分数的斜率是 $D(G(z)) - 1$，"
                  "因此判别器识破生成样本时梯度不会消失。"),
        "hinge": ("$D$ 是无界分数：它希望真实样本高于 $+1$、生成样本低于 $-1$，已经越过边界的点不再影响它。"
                  "逐点来看，最优值在 $p_{data} > p_g$ 处为 $+1$，在 $p_g > p_{data}$ 处为 $-1$；两者相等时 $[-1, 1]$ "
                  "中任何值都最优，所以没有唯一的均衡值。"),
        "wgan-gp": ("$D$ 是一个*评论家*（critic）：没有 sigmoid 的无界分数。在 1-Lipschitz 函数中，"
                    "$\\mathbb{E}_x[D(x)] - \\mathbb{E}_z[D(G(z))]$ 的最大值就是 $p_{data}$ 与 $p_g$ 之间的 Wasserstein-1 距离。"
                    "梯度惩罚（权重 $\\lambda$，默认 10）在 $\\hat x = \\epsilon x + (1-\\epsilon)G(z)$，"
                    "$\\epsilon \\sim U(0,1)$ 处把 $\\|\\nabla D\\|$ 软约束为 $1$。只有分数之差有意义，所以最优点没有固定值。"),
    },
    "penalties": (f"**R1 惩罚**（Mescheder 等人 2018；设置 `r1_weight` 即 $\\gamma$）在 $D$ 的损失上加上 {_R1}，"
                  "可与上面任何损失搭配（这里的 $D(x)$ 指原始分数）。它惩罚判别器在真实数据上的斜率，"
                  "帮助训练收敛，而不是围着均衡点打转。梯度惩罚（`gp_weight`）同样可以加到任何损失上。"
                  "应用记录和绘制的 $D$ 损失是 $D$ 实际最小化的完整目标（包括惩罚项）；图表中也单独显示惩罚项。"),
    "strengths": _md(r"""
        **优势**
        - 任何可微函数都可以用来参数化 $D$ 和 $G$，例如深度神经网络（这里是小型 MLP）。
        - 不需要标签：“真”和“假”由博弈本身给出，是一种无监督方法，减少了数据标注工作。
        - $G$ 从不直接看到数据：它的参数更新只来自经由 $D$ 反向传播的梯度，而不是对数据似然的优化。

        **不足**
        - 没有显式的密度：$G$ 只给出样本，没有 $p_g(x)$ 的表达式，可解释性差（应用需要时用样本来估计 $p_g$）。
        - 无需预先建模，数据生成的自由度太大，难以控制 $G$ 生成什么。
        - 难以平衡：使用饱和（minimax）损失时，$D$ 太强会使 $G$ 的梯度消失（见第 4 节；非饱和损失不会）；$D$ 落后时又会把 $G$ 引向错误方向。可以调节 $k$ 和学习率试试。
        - 模式崩溃：$G$ 可能只覆盖 $p_{data}$ 的部分模式。试试环形目标，观察捕获的模式数。"""),
}

_TEXT: dict[str, dict] = {"en": _EN, "zh": _ZH}
