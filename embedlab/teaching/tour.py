"""The Lecture tour's text: one step per claim of the lecture (SEED.md), in the order it makes them.

Each :class:`Step` holds what the Lecture page says before any run is loaded: the section, a
title, the claim, its formulas (LaTeX for ``st.latex``), one line on what to look for in the
chart, and the page that explores the claim further. What the current runs measure (the chart
and the honest note under it) comes from :mod:`embedlab.teaching.lecture`.

This module imports nothing heavy on purpose (no NumPy, no pandas): a server's first visitor
reads this text while the rest of the package is still loading.

>>> [step.section for step in STEPS]
['§1', '§2', '§3', '§5.1', '§5.2', '§5.3', '§6', '§7', '§8']
>>> STEPS[0].blocks()[0]
('subheader', '§1 · A word is a vector', {'anchor': 'lecture-embeddings'})

The text is English in :data:`STEPS` and marked for the catalog; :func:`steps` gives it in the
current language (:mod:`embedlab.i18n`):

>>> from embedlab.i18n import use
>>> with use("vi"):
...     steps()[4].heading
'§5.2 · Sau vài epoch, cụm hình thành'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from embedlab.i18n import N_, _, current

TITLE = N_("The lecture, live")
INTRO = N_(
    "*How embeddings change during training* makes nine claims. Each step below states one with its "
    "formula and shows it happening in **your current runs**: two trainers (the NumPy full-softmax "
    "skip-gram of §2 and gensim's Word2Vec) trained on the same corpus from the same random vectors, "
    "with a snapshot of every vector after every epoch. Every chart starts at epoch 0, before any training. "
    "The note's §4 (embeddings in Transformers, updated through attention) is context, not a step here: "
    "these trainers learn one vector per word, with no positions and no attention, so there is nothing of it to show."
)


def title() -> str:
    return _(TITLE)


def intro() -> str:
    return _(INTRO)


@dataclass(frozen=True)
class Step:
    """One claim of the lecture, as the Lecture page states it.

    ``formulas``: LaTeX lines, one ``st.latex`` each; ``page``: the page file that explores the
    claim, ``page_label`` the link's text.
    """

    key: str
    section: str
    title: str
    claim: str
    formulas: tuple[str, ...]
    look_for: str
    page: str
    page_label: str

    @property
    def heading(self) -> str:
        return f"{self.section} · {self.title}"

    @property
    def anchor(self) -> str:
        return f"lecture-{self.key}"

    def blocks(self) -> list[tuple[str, str, dict]]:
        """The step's text in order, as (Streamlit function, its text, its keyword arguments)."""
        return [
            ("subheader", self.heading, {"anchor": self.anchor}),
            ("markdown", self.claim, {}),
            *[("latex", formula, {}) for formula in self.formulas],
            ("markdown", "**{}** {}".format(_("What to look for:"), self.look_for), {}),
        ]

    def translated(self) -> Step:
        """This step with its text in the current language (the formulas' words too)."""
        return replace(
            self,
            title=_(self.title),
            claim=_(self.claim),
            formulas=tuple(_(formula) for formula in self.formulas),
            look_for=_(self.look_for),
            page_label=_(self.page_label),
        )


STEPS = (
    Step(
        "embeddings",
        "§1",
        N_("A word is a vector"),
        N_(
            "A word $w$ maps to a vector $v_w$ of $d$ numbers. Training should place similar words close together "
            "and keep relations linear: the offset from *man* to *woman* should carry *king* to *queen*."
        ),
        (
            r"w \;\longmapsto\; v_w \in \mathbb{R}^d, \qquad "
            r"v_{\mathrm{king}} - v_{\mathrm{man}} + v_{\mathrm{woman}} \;\approx\; v_{\mathrm{queen}}",
        ),
        N_(
            "where *queen* ranks among all words by cosine to king − man + woman: a random place at epoch 0, "
            "first (rank 1) once the relation is learned."
        ),
        "pages/neighbours.py",
        N_("Neighbours: analogies a − b + c at every epoch"),
    ),
    Step(
        "softmax",
        "§2",
        N_("Skip-gram with a full softmax, and its gradient"),
        N_(
            "For every centre word $w$ and context word $c$ in a window around it, the model predicts $c$ from $w$; "
            "training lowers the loss $L$ by gradient steps of size $\\eta$ ($v$: centre vectors, $u$: context vectors)."
        ),
        (
            r"P(c \mid w) = \frac{\exp(u_c \cdot v_w)}{\sum_{c'} \exp(u_{c'} \cdot v_w)}, \qquad "
            r"L = -\sum_{(w,c)} \log P(c \mid w)",
            r"\frac{\partial L}{\partial v_w} = \sum_{c'} P(c' \mid w)\, u_{c'} - u_c, \qquad "
            r"v_w(t+1) = v_w(t) - \eta\, \frac{\partial L}{\partial v_w}",
        ),
        N_(
            "the NumPy run's loss (a mean per pair) starts exactly at $\\ln V$, the loss of guessing uniformly, "
            "because every $u$ starts at 0; it falls fastest in the first epochs."
        ),
        "pages/dynamics.py",
        N_("Dynamics: loss, held-out loss and learning rate per epoch"),
    ),
    Step(
        "geometry",
        "§3",
        N_("Geometry: each step goes down the gradient"),
        N_(
            "Similarity is the cosine of the angle between two vectors. Every step moves a vector by "
            "$\\Delta v = -\\eta \\nabla L$. The snapshots keep one vector per epoch, so the claim is checked epoch "
            "by epoch: the cosine between a word's actual movement and the downhill direction of the objective $J$ "
            "the trainer optimises (exact, at the epoch's start). A step in a random direction gives about 0."
        ),
        (
            r"\cos\theta = \frac{v_a \cdot v_b}{\lVert v_a\rVert\,\lVert v_b\rVert}, \qquad "
            r"\Delta v_w(t) = v_w(t) - v_w(t-1)",
            r"\cos\big(\Delta v_w(t),\; -\nabla_{v_w} J\,(t-1)\big) \;\gg\; 0, \qquad "
            r"\cos\big(\xi,\; -\nabla_{v_w} J\big) \approx \mathcal{N}\!\left(0, \tfrac{1}{d}\right) "
            r"\;\; (\xi \sim \mathcal{N}(0, I_d))",
        ),
        N_(
            "the cosines of most words sit far above the grey band of random directions, highest in the first "
            "epochs, lower as the gradient shrinks and SGD noise dominates. The table keeps the path's bookkeeping: "
            "$v(0) + \\sum_t \\Delta v(t) = v(T)$ holds for any sequence of vectors, so it proves nothing."
        ),
        "pages/map.py",
        N_("Map: every word's road from v(0) to v(T)"),
    ),
    Step(
        "random",
        "§5.1",
        N_("At the start, embeddings are random"),
        N_(
            "Both trainers start from the same random input vectors (gensim's initialiser) and zero context "
            "vectors. Two random directions in $d$ dimensions are nearly orthogonal."
        ),
        (
            r"v_w(0) \sim \mathcal{U}\!\left[-\tfrac{1}{d}, \tfrac{1}{d}\right)^{d}, \qquad u_c(0) = 0",
            r"\cos\big(v_a(0), v_b(0)\big) \approx \mathcal{N}\!\left(0, \tfrac{1}{d}\right)",
        ),
        N_(
            "at epoch 0 the cosines of all word pairs sit in a narrow band around 0 (spread $\\approx 1/\\sqrt{d}$); "
            "training moves and widens it."
        ),
        "pages/heatmaps.py",
        N_("Heatmaps: the cosine matrix at epoch 0 and after"),
    ),
    Step(
        "clusters",
        "§5.2",
        N_("After a few epochs, clusters form"),
        N_(
            "Words that share contexts move to smaller angles; unrelated words move apart. The toy corpus "
            "plants groups of related words (royalty, people, animals, food, …), so this can be measured."
        ),
        (
            N_(r"\text{within} = \operatorname*{mean}_{a \ne b,\ \text{same group}} \cos(v_a, v_b)"),
            N_(r"\text{between} = \operatorname*{mean}_{\text{different groups}} \cos(v_a, v_b)"),
            N_(r"\text{gap} = \text{within} - \text{between}"),
        ),
        N_(
            "the within-group cosine (solid) stays high while the between-group cosine (dashed) falls: the gap "
            "between the two lines is the clusters."
        ),
        "pages/heatmaps.py",
        N_("Heatmaps: the groups' cosine matrix at every epoch"),
    ),
    Step(
        "gradient",
        "§5.3",
        N_("After convergence, the gradient norm tends to 0"),
        N_(
            "As the space stabilises, the gradient of the loss over all parameters shrinks and the vectors stop moving."
        ),
        (
            r"\lVert \nabla L \rVert = \sqrt{\lVert \partial L / \partial W_{\mathrm{in}} \rVert^2 + "
            r"\lVert \partial L / \partial W_{\mathrm{out}} \rVert^2} \;\longrightarrow\; 0",
        ),
        N_(
            "$\\lVert \\nabla L \\rVert$ (log scale) starts near 0 (with every $u = 0$ the centre vectors get no "
            "gradient: a saddle), rises as that symmetry breaks, then falls."
        ),
        "pages/dynamics.py",
        N_("Dynamics: ‖∇L‖, mean ‖v‖ and displacement per epoch"),
    ),
    Step(
        "l2",
        "§6",
        N_("Regularisation"),
        N_(
            "An L2 penalty keeps vectors from growing without bound and limits overfitting. EmbedLab's NumPy "
            "trainer penalises both matrices."
        ),
        (
            r"L_{\mathrm{reg}} = L + \lambda \lVert v \rVert^2",
            N_(r"\text{here: } L + \lambda\big(\lVert W_{\mathrm{in}}\rVert^2 + \lVert W_{\mathrm{out}}\rVert^2\big)"),
        ),
        N_("without L2 the mean vector length keeps growing; with $\\lambda > 0$ it levels off lower."),
        "pages/train.py",
        N_("Train: tick “L2 comparison” to train with and without λ"),
    ),
    Step(
        "biasvar",
        "§7",
        N_("Bias–variance: choosing d"),
        N_(
            "A larger dimension $d$ lowers bias and raises variance, so $d$ must be balanced. EmbedLab splits the "
            "held-out error of the predicted context distribution exactly, over $d$ ($y$: the context seen, $p_r$: "
            "run $r$'s prediction, $\\bar p$: their mean, $q$: the held-out contexts' own distribution)."
        ),
        (
            r"\mathbb{E}\big[(y - \hat f(x))^2\big] = \mathrm{Bias}^2 + \mathrm{Variance} + \sigma^2",
            r"\overline{\lVert y - p_r \rVert^2} = \underbrace{\lVert y - q \rVert^2}_{\sigma^2} + "
            r"\underbrace{\lVert q - \bar p \rVert^2}_{\mathrm{Bias}^2} + "
            r"\underbrace{\overline{\lVert p_r - \bar p \rVert^2}}_{\mathrm{Variance}}",
        ),
        N_("bias² falling and variance rising with $d$; the total is lowest where they balance."),
        "pages/bias_variance.py",
        N_("Bias–variance over d: run the sweep"),
    ),
    Step(
        "finetune",
        "§8",
        N_("Embeddings are not static: fine-tuning"),
        N_(
            "In large models embeddings are further fine-tuned per domain. Training continues from the last "
            "snapshot on a second corpus; the words it uses differently should move, the rest stay."
        ),
        (
            r"v(t+1) = v(t) - \eta\, \nabla L_{B}\big(v(t)\big) \quad (t \ge t_s)",
            r"\mathrm{drift}_w(t) = 1 - \cos\big(v_w(t)\,R_t,\; v_w(t_s)\big), \quad "
            r"R_t = \arg\min_{R^\top R = I} \lVert V(t)\,R - V(t_s) \rVert_F",
        ),
        N_("after the switch $t_s$ the planted words that change company drift far more than the others."),
        "pages/finetune.py",
        N_("Fine-tune: continue the runs on a second corpus"),
    ),
)


@functools.lru_cache(maxsize=8)
def _steps_in(language: str) -> tuple[Step, ...]:
    return tuple(step.translated() for step in STEPS)


def steps() -> tuple[Step, ...]:
    """:data:`STEPS` in the current language (keys, sections, anchors and pages unchanged)."""
    return _steps_in(current())
