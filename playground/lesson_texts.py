"""The lessons' words in English and Chinese: a title, what the lesson shows, what to watch, a question.

Settings a text names are written as blanks, «a.field» for run A and «b.field» for run B, and
filled from the lesson's own configs (gancore.lessons), so a text cannot quote a number the
lesson does not load. The figures a text quotes in words ("about 0.9") are the ones its claim
test in tests/test_lessons.py measures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from gancore.lessons import get_lesson
from gancore.losses import LOSSES
from playground.theory import LANGUAGES


@dataclass(frozen=True)
class LessonText:
    """What a lesson says, in one language; markdown, with $...$ LaTeX for st.markdown."""

    title: str
    body: str        # 3-6 sentences: what the lesson shows and why, tied to the course notes
    watch: str       # what to look at while it runs
    question: str    # for the student to answer


def lesson_text(key: str, lang: str) -> LessonText:
    """The text of lesson `key` in `lang`, its blanks filled from the lesson's configs."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGUAGES)}")
    lesson = get_lesson(key)
    runs = dict(zip("ab", lesson.runs))
    raw = TEXTS[key][lang]
    return LessonText(**{part: _fill(raw[part], runs, key) for part in PARTS})


PARTS: tuple[str, ...] = ("title", "body", "watch", "question")


def _fill(template: str, runs: dict, key: str) -> str:
    def value(match: re.Match) -> str:
        run, name = match.group(1), match.group(2)
        if run not in runs:
            raise KeyError(f"lesson {key!r} has no run {run.upper()} for the blank «{run}.{name}»")
        v = getattr(runs[run], name)
        # 1e-05 -> 1e-5: floats as people write them
        return re.sub(r"e([+-])0*(\d)", r"e\1\2", format(v, "g")) if isinstance(v, float) else str(v)
    return re.sub(r"«([ab])\.(\w+)»", value, template)


# The engine's own formulas, so the text cannot disagree with what G minimises.
_SAT = f"${LOSSES['minimax'].g_latex}$"
_NONSAT = f"${LOSSES['nonsaturating'].g_latex}$"

TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "game": {
        "en": {
            "title": "The game on a line: D flattens to 1/2 as p_g meets p_data",
            "body": (
                "This is Figure 1 of the paper, live. The black dotted curve is p_data, the green one p_g (a "
                "smoothed histogram of G's samples), the blue dashed one the discriminator's D(x); under them each "
                "line runs from a noise value z up to the point G(z) it is mapped to, so where the lines crowd "
                "p_g is high. At first D is high where the real data lies and low where the fakes are. As G moves "
                "its mass onto p_data, D* = p_data/(p_data + p_g) tends to 1/2 everywhere, and the trained D "
                "follows: after «a.d_lr»-sized steps for a few thousand iterations D(x) lies within a few "
                "hundredths of 1/2 over the data."),
            "watch": ("The blue D(x) curve flattening onto the grey 1/2 line while the green p_g slides over the "
                      "black p_data; the z lines bunching where the data is dense."),
            "question": ("D(x) = 1/2 everywhere means D cannot tell real from fake. Does it prove that p_g = "
                         "p_data? Can you find settings where D is flat but the curves still differ?"),
        },
        "zh": {
            "title": "一维上的博弈：当 p_g 与 p_data 重合时，D 趋于 1/2",
            "body": (
                "这就是论文中的图 1，而且是实时的。黑色点线是 p_data，绿色曲线是 p_g（G 的样本经平滑后的直方图），"
                "蓝色虚线是判别器的 D(x)；下方每条线从一个噪声值 z 连到它被映射到的点 G(z)，线越密集，p_g 越高。"
                "起初，D 在真实数据处高、在生成样本处低。随着 G 把概率质量移到 p_data 上，D* = p_data/(p_data + p_g) "
                "处处趋于 1/2，训练中的 D 也随之变化：以 «a.d_lr» 的学习率训练几千轮后，D(x) 在数据范围内与 1/2 "
                "只相差几个百分点。"),
            "watch": "蓝色的 D(x) 曲线逐渐压平到灰色的 1/2 线上，同时绿色的 p_g 滑到黑色的 p_data 上；z 的连线在数据密集处聚拢。",
            "question": "D(x) 处处等于 1/2 说明 D 分不清真假。这能证明 p_g = p_data 吗？你能找到 D 已经变平、但两条曲线仍不相同的设置吗？",
        },
    },
    "k-steps": {
        "en": {
            "title": "Algorithm 1's k: several D steps for each G step",
            "body": (
                "Algorithm 1 in the course notes repeats the discriminator update k times before each generator "
                "update. Run A takes k = «a.d_steps» and run B k = «b.d_steps»; everything else, the seed included, "
                "is the same. With more D steps D stays nearer the best discriminator D* for the current fakes, so "
                "it tells real from fake more clearly: the mean of D(x) − D(G(z)) is about 0.5 in run B against "
                "about 0.1 in run A. Early on that gives G a more useful gradient, and run B's fakes reach the ring "
                "sooner, but each of its iterations costs «b.d_steps» D updates instead of one."),
            "watch": ("The D(x) and D(G(z)) lines of the chart (further apart in run B), D's surface beside the "
                      "optimal D*, and the fakes during the first 100 to 200 iterations."),
            "question": ("If more D steps make D better, why not take k = 20? What happens to G's gradient when D "
                         "rejects every fake with certainty (D(G(z)) ≈ 0)?"),
        },
        "zh": {
            "title": "算法 1 中的 k：每更新一次 G，更新多次 D",
            "body": (
                "课程笔记中的算法 1 在每次更新生成器之前，先把判别器更新 k 次。运行 A 取 k = «a.d_steps»，运行 B 取 "
                "k = «b.d_steps»；其余设置（包括随机种子）完全相同。D 的步数越多，D 就越接近当前生成样本下的最优判别器 D*，"
                "因而更能分清真假：运行 B 中 D(x) − D(G(z)) 的均值约为 0.5，运行 A 中只有约 0.1。训练初期这给了 G "
                "更有用的梯度，运行 B 的生成样本更早到达圆环附近，但它的每一轮迭代要做 «b.d_steps» 次 D 更新，而不是一次。"),
            "watch": "图表中 D(x) 与 D(G(z)) 两条曲线（运行 B 中相距更远）、D 的曲面与最优 D* 的对比，以及前 100 到 200 轮迭代中的生成样本。",
            "question": "如果 D 的步数越多 D 越好，为什么不取 k = 20？当 D 以完全的把握识破每个生成样本（D(G(z)) ≈ 0）时，G 的梯度会怎样？",
        },
    },
    "saturating": {
        "en": {
            "title": "The saturating loss starves G",
            "body": (
                f"In the zero-sum game G minimises {_SAT}: the minimax (saturating) loss. Some course notes call "
                f"this the loss used in practice, but it is the zero-sum one; the paper's practical choice is to "
                f"minimise {_NONSAT}, the non-saturating loss. Here D first trains alone for «a.d_head_start» "
                "iterations until it rejects the fakes (D(G(z)) ≈ 0, as the notes describe early training); then "
                "G starts, with `«a.loss»` in run A and `«b.loss»` in run B. Per sample the minimax gradient is "
                "D/(1 − D) times the non-saturating one, so near D = 0 it almost vanishes: run A's fakes hardly "
                "move while run B's travel towards the data. G uses plain SGD (learning rate «a.g_lr») because "
                "Adam divides every step by the gradient's recent size, which turns a tiny gradient into a "
                "full-size step and would hide the stall."),
            "watch": ("G's gradient arrows (one scale for both runs: almost invisible in run A), G's gradient norm "
                      "in the chart, and run A's fakes staying where they started."),
            "question": ("Why does the non-saturating loss help exactly when G is worst? What would you expect to "
                         "see if G used Adam instead of SGD?"),
        },
        "zh": {
            "title": "饱和损失让 G 得不到梯度",
            "body": (
                f"在零和博弈中 G 最小化 {_SAT}，即极小极大（饱和）损失。有些课程笔记说实际操作时采用的就是这个式子，"
                f"但它正是零和博弈的目标；论文给出的实用做法是最小化 {_NONSAT}，即非饱和损失。这里 D 先单独训练 "
                "«a.d_head_start» 轮，直到它识破生成样本（D(G(z)) ≈ 0，正如笔记描述的训练初期）；然后 G 才开始训练，"
                "运行 A 用 `«a.loss»`，运行 B 用 `«b.loss»`。对每个样本，极小极大损失的梯度是非饱和损失的 D/(1 − D) 倍，"
                "所以在 D 接近 0 时梯度几乎消失：运行 A 的生成样本几乎不动，运行 B 的生成样本则向真实数据移动。"
                "G 使用普通的 SGD（学习率 «a.g_lr»），因为 Adam 会把每一步除以梯度近来的大小，把很小的梯度放大成正常大小的一步，"
                "从而掩盖这种停滞。"),
            "watch": "G 的梯度箭头（两个运行用同一比例：运行 A 中几乎看不见）、图表中 G 的梯度范数，以及运行 A 的生成样本停在原处。",
            "question": "为什么非饱和损失恰好在 G 最差的时候起作用？如果 G 改用 Adam 而不是 SGD，你预计会看到什么？",
        },
    },
    "collapse": {
        "en": {
            "title": "Mode collapse and mode hopping",
            "body": (
                "The target is a ring of 8 Gaussians. The one change from Algorithm 1 as the notes give it: G takes "
                "«a.g_steps» steps for each D step (k = «a.d_steps»), so G is trained far more than D. Against a D "
                "that stands still, G's best move is to send every z to the one point D rates most real, so the "
                "fakes shrink to a clump next to one or two modes; the original paper calls this the Helvetica "
                "scenario. D then learns to call that point fake, and the clump moves on to another mode, so the "
                "ring is never covered at once. The notes list it among the weaknesses: D and "
                "G are hard to train in step."),
            "watch": ("The fakes: one tight clump moving from mode to mode. The manifold G(z): the whole noise grid "
                      "folded onto that clump. D's surface, changing under the clump as it moves."),
            "question": ("Each G step lowers G's loss, so why does giving G more steps per iteration make it worse "
                         "at covering the data? What do you expect if D also takes 5 steps?"),
        },
        "zh": {
            "title": "模式崩溃与模式跳跃",
            "body": (
                "目标分布是圆环上的 8 个高斯分布。与笔记中的算法 1 相比只改了一处：每更新一次 D（k = «a.d_steps»），"
                "G 更新 «a.g_steps» 次，所以 G 的训练远多于 D。面对一个几乎不动的 D，G 的最优做法是把所有 z 都映射到 D "
                "认为最“真”的那一点，于是生成样本缩成一团，落在一两个模式附近；原论文把这称为 Helvetica 情形。随后 D "
                "学会把这一点判为假，这团样本就移到另一个模式，因此圆环从来不会被同时覆盖。笔记把这列为 GAN "
                "的不足之一：D 与 G 的训练难以同步。"),
            "watch": "生成样本：一小团点从一个模式跳到另一个模式。生成器流形 G(z)：整个噪声网格被折叠到这一团上。D 的曲面：随着这团样本的移动而变化。",
            "question": "G 的每一步都降低了它的损失，为什么每轮迭代给 G 更多步数反而让它更难覆盖数据？如果 D 也走 5 步，你预计会怎样？",
        },
    },
    "fixes": {
        "en": {
            "title": "Fixes: R1 and WGAN-GP on the collapsing setting",
            "body": (
                "Both runs start from the collapse lesson's setting, in which G takes «a.g_steps» steps for each D "
                "step. Run A changes only the loss, to WGAN-GP (a critic whose gradient norm is pulled towards 1, "
                "λ = «a.effective_gp_weight»); run B keeps the non-saturating loss and adds the R1 penalty, "
                "γ = «b.r1_weight». R1 penalises D's slope at the real data, which damps the chase between D and G "
                "(the Dirac lesson shows this in the smallest GAN), and here the fakes spread over all 8 modes within "
                "a few hundred iterations. WGAN-GP alone does not undo this collapse: its clump keeps hopping, one or "
                "two modes at a time. A fix has to act on the cause, and here the cause is G out-training D."),
            "watch": ("The fakes and the manifold G(z) of both runs: run B's cover the ring, run A's stay a clump. "
                      "The W1 metric: far lower for run B."),
            "question": ("Why can a penalty on D's slope at the real points stop the hopping? What else could you "
                         "change in the collapse setting to stop it without any penalty?"),
        },
        "zh": {
            "title": "修正：在崩溃的设置上试 R1 与 WGAN-GP",
            "body": (
                "两个运行都从模式崩溃那一课的设置出发：每更新一次 D，G 更新 «a.g_steps» 次。运行 A 只换了损失函数，改用 "
                "WGAN-GP（一个梯度范数被拉向 1 的评论家，λ = «a.effective_gp_weight»）；运行 B 保留非饱和损失，加上 R1 惩罚，"
                "γ = «b.r1_weight»。R1 惩罚 D 在真实数据处的斜率，从而抑制 D 与 G 之间的追逐（Dirac 那一课在最小的 GAN "
                "上展示了这一点），这里生成样本在几百轮迭代内就铺满了全部 8 个模式。单靠 WGAN-GP 并不能消除这种崩溃："
                "它的那团样本仍在跳跃，每次只占一两个模式。修正必须针对原因，而这里的原因是 G 的训练远多于 D。"),
            "watch": "两个运行的生成样本与流形 G(z)：运行 B 覆盖整个圆环，运行 A 仍是一小团。W1 指标：运行 B 的要低得多。",
            "question": "为什么对 D 在真实样本处的斜率加惩罚就能阻止跳跃？不用任何惩罚，你还可以改崩溃设置中的哪一项来阻止它？",
        },
    },
    "dirac": {
        "en": {
            "title": "Dirac-GAN: why plain training circles, and what R1 does",
            "body": (
                "In the smallest GAN the data is one point at 0, G is one point θ and D's logit is a line, ψx "
                "(Mescheder, Geiger and Nowozin, 2018). The equilibrium is θ = ψ = 0, where D says σ(0) = 1/2 "
                "everywhere: the 50% of the course notes. Algorithm 1's alternating updates (step size h = «a.h») "
                "only circle around it: the update's eigenvalues have modulus 1, so to first order each step turns "
                "without coming closer. With the non-saturating loss the circles tighten only slowly: after "
                "«a.steps» G steps the point has gone round about 8 times and is still about 0.27 from the "
                "equilibrium. R1 with γ = «b.r1_weight» adds γ/2·ψ² to D's loss, which pulls D's slope back "
                "towards 0; the eigenvalues move inside the unit circle and the point goes straight to the "
                "equilibrium."),
            "watch": ("The path in the (θ, ψ) plane: a slowly tightening spiral for run A, a direct path into "
                      "the origin for run B; the distance to the equilibrium; the eigenvalues."),
            "question": ("Each player's step improves its own objective, so why can the pair circle forever? "
                         "R1 changes D's loss: why does it not move the equilibrium?"),
        },
        "zh": {
            "title": "Dirac-GAN：为什么普通训练会绕圈，R1 起什么作用",
            "body": (
                "在最小的 GAN 中，真实数据是 0 处的一个点，G 是一个点 θ，D 的 logit 是一条直线 ψx"
                "（Mescheder、Geiger 与 Nowozin，2018）。均衡点是 θ = ψ = 0，此时 D 处处输出 σ(0) = 1/2，"
                "正是课程笔记所说的 50%。算法 1 的交替更新（步长 h = «a.h»）只会绕着它转圈：更新的特征值模为 1，"
                "所以在一阶近似下每一步只是旋转而不靠近。用非饱和损失时圈子收紧得很慢：«a.steps» 次 G 更新之后，"
                "点已绕了大约 8 圈，离均衡点仍有约 0.27。R1 取 γ = «b.r1_weight» 时在 D 的损失上加上 γ/2·ψ²，"
                "把 D 的斜率拉回 0；特征值移到单位圆以内，点直接走向均衡点。"),
            "watch": "(θ, ψ) 平面上的轨迹：运行 A 是慢慢收紧的螺线，运行 B 直接走进原点；到均衡点的距离；特征值。",
            "question": "每个玩家的一步都改善了自己的目标，为什么两者可以永远绕圈？R1 改变了 D 的损失，为什么均衡点却没有移动？",
        },
    },
    "balance": {
        "en": {
            "title": "Balance: D far faster or far slower than G",
            "body": (
                "The notes warn that D and G are hard to keep in step. G's learning rate is «a.g_lr» in both runs; "
                "D's is «a.d_lr» in run A (100 times G's) and «b.d_lr» in run B (a tenth of G's). In run A D wins: "
                "D(x) goes to about 0.9 and D(G(z)) to about 0.1, the picture the notes describe for early "
                "training, and it stays there. In run B D learns almost nothing and says about 1/2 everywhere, "
                "D(x) ≈ D(G(z)) ≈ 0.5, yet the fakes are nowhere near the data: the JS divergence is at or near "
                "its largest value, ln 2. D = 1/2 is what the optimum looks like, but it is necessary, not sufficient: a D "
                "that cannot tell real from fake says 1/2 too."),
            "watch": ("The D(x) and D(G(z)) lines of both runs; D's surface beside the optimal D* (run B's D is flat "
                      "at 1/2, D* is not); the fakes and the JS metric."),
            "question": ("If you saw only run B's D(x) and D(G(z)), would you think training had succeeded? Which "
                         "other numbers on the page tell you it has not?"),
        },
        "zh": {
            "title": "平衡：D 比 G 快得多或慢得多",
            "body": (
                "笔记提醒我们 D 与 G 的训练难以同步。两个运行中 G 的学习率都是 «a.g_lr»；D 的学习率在运行 A 中是 «a.d_lr»"
                "（G 的 100 倍），在运行 B 中是 «b.d_lr»（G 的十分之一）。运行 A 中 D 占了上风：D(x) 升到约 0.9，"
                "D(G(z)) 降到约 0.1，正是笔记描述的训练初期的样子，而且一直停在那里。运行 B 中 D 几乎什么都没学到，"
                "处处输出约 1/2，D(x) ≈ D(G(z)) ≈ 0.5，可生成样本离真实数据很远：JS 散度等于或接近它的最大值 ln 2。"
                "D = 1/2 是最优点的样子，但它是必要条件而不是充分条件：一个分不清真假的 D 也会输出 1/2。"),
            "watch": "两个运行的 D(x) 与 D(G(z)) 曲线；D 的曲面与最优 D* 的对比（运行 B 的 D 平坦地停在 1/2，D* 却不是）；生成样本与 JS 指标。",
            "question": "如果只看运行 B 的 D(x) 与 D(G(z))，你会认为训练成功了吗？页面上哪些其他数字告诉你并没有成功？",
        },
    },
}
