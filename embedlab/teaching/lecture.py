"""What the Lecture page measures: one function per claim of the lecture (SEED.md), on the current runs.

Every step function takes the runs shown side by side (display name → :class:`~embedlab.store.Run`)
and returns a :class:`Measured`: the long-form table its chart draws (every table starts at
epoch 0) and one note in Markdown with the numbers read from the runs — including where this
corpus and these settings do not show the claim. Nothing here is hard-coded about a run: the
notes are written from whatever the runs hold.

The measurements are plain array functions in :mod:`embedlab.teaching.lecture_measures`; the steps that
read an experiment beyond the current runs (§6–§8) are in :mod:`embedlab.teaching.lecture_experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from embedlab.i18n import _, listing
from embedlab.i18n import number as num
from embedlab.markup import inert
from embedlab.store import Run
from embedlab.teaching import descent
from embedlab.teaching.lecture_measures import (
    SPREAD_QUANTILES,
    analogy_rank,
    cosine_spread,
    frequent_rows,
)
from embedlab.teaching.measured import (
    Measured,
    bullets,
    by_trainer,
    long_form,
    loss_note,
    lr_range,
    objective_name,
    runs_with,
    runs_with_loss,
)
from embedlab.text.builtin_corpora import planted_analogy
from embedlab.text.corpus import Corpus
from embedlab.text.lookup import display_word

ANALOGY = ("king", "man", "woman", "queen")  # a − b + c ≈ expected (the toy corpus plants it)
TOYS = ("toy", "toy-vi")  # the corpora whose planted analogy another corpus's vocabulary may hold


# ---------------------------------------------------------------- §1 embeddings


def embeddings(runs: Mapping[str, Run], words: Sequence[str] | None = None) -> Measured:
    """§1: the rank of ``expected`` for a − b + c at every epoch, per trainer. ``words``: (a, b,
    c, expected); by default the analogy the runs' corpus plants, else a toy corpus's analogy
    whose words the vocabulary holds, else king − man + woman ≈ queen."""
    first = next(iter(runs.values()))
    vocab = first.vocab
    if words is None:
        held = (found for found in map(planted_analogy, TOYS) if found and all(w in vocab.index for w in found))
        words = planted_analogy(first.corpus_name) or next(held, ANALOGY)
    a, b, c, expected = words
    shown = dict(zip(("a", "b", "c", "expected"), map(display_word, words), strict=True))  # "đàn ông"
    missing = [w for w in words if w not in vocab.index]
    if missing:
        return Measured(
            "analogy",
            None,
            _(
                "This corpus has no {missing} in its vocabulary, so {a} − {b} + {c} ≈ {expected} cannot be asked "
                "here (the toy corpus plants it). Ask your own a − b + c on the Neighbours page."
            ).format(missing=listing([f"*{inert(display_word(w))}*" for w in missing]), **shown),
        )
    frames = {name: analogy_rank(run.input_vectors, run.vocab, a, b, c, expected) for name, run in runs.items()}
    candidates = len(vocab) - 3
    parts = []
    for name, frame in frames.items():
        first = frame.loc[frame["rank"] == 1, "epoch"]
        last = frame.iloc[-1]
        text = _("**{name}**: rank {rank} of {candidates} at epoch 0").format(
            name=name, rank=num(int(frame["rank"].iloc[0]), ","), candidates=num(candidates, ",")
        )
        if len(first):
            text += _(", first at epoch {epoch}").format(epoch=int(first.iloc[0]))
        else:
            text += _(", never first (best rank {rank})").format(rank=num(int(frame["rank"].min()), ","))
        text += _(", rank {rank} at epoch {epoch} (cosine {cosine})").format(
            rank=num(int(last["rank"]), ","), epoch=int(last["epoch"]), cosine=num(last["cosine"], ".2f")
        )
        if last["rank"] != 1:
            text += _("; the nearest answer there is *{best}*").format(best=inert(display_word(last["best"])))
        parts.append(text)
    note = bullets(
        parts,
        _(
            "Random vectors put {expected} at rank {rank} on average. The toy corpus plants this relation ({a} and "
            "{expected} share a ruler's contexts and differ as {b} and {c} do); a corpus that does not contain it "
            "will not show it."
        ).format(rank=num((candidates + 1) / 2, ",.0f"), **shown),
    )
    return Measured("analogy", long_form(frames), note, extra={"words": tuple(words), "candidates": candidates})


# ---------------------------------------------------------------- §2 softmax


def softmax(runs: Mapping[str, Run]) -> Measured:
    """§2: the full-softmax run's training and held-out loss per epoch against ln V."""
    exact = runs_with_loss(by_trainer(runs, "numpy"))
    if not exact:
        return Measured(
            "loss",
            None,
            _(
                "The current runs have no NumPy full-softmax run, the trainer that computes exactly this loss and "
                "gradient. Train both trainers on the Train page to see it."
            ),
        )
    name, run = next(iter(exact.items()))
    V = len(run.vocab)
    m = run.metrics
    frame = m[["epoch", "loss", "heldout_loss"]].melt("epoch", var_name="series", value_name="value")
    frame["series"] = frame["series"].map({"loss": _("training pairs"), "heldout_loss": _("held-out pairs")})
    frame["trainer"] = name
    options = run.config.get("train_options", {})
    note = loss_note(name, run)
    if l2 := options.get("l2"):
        note += " " + _("With λ = {l2} the training loss includes the penalty (its own column in the metrics).").format(
            l2=num(l2, "g")
        )
    others = {n: r for n, r in runs_with_loss(runs).items() if r.trainer != "numpy"}
    for other, orun in others.items():
        om = orun.metrics
        note += " " + _(
            "{other} is not drawn: it optimises {objective}, a different loss on another scale ({start} → {last})."
        ).format(
            other=other,
            objective=objective_name(orun),
            start=num(om["loss"].iloc[0], ".3f"),
            last=num(om["loss"].iloc[-1], ".3f"),
        )
    return Measured("loss", frame, note, extra={"ln_V": math.log(V), "V": V})


# ---------------------------------------------------------------- §3 geometry


def geometry(runs: Mapping[str, Run], word: str, corpora: Mapping[str, Corpus] | None = None) -> Measured:
    """§3: does each epoch's step go down the gradient? Per epoch, the distribution over words of
    cos(Δv_w(t), −∇_w J(t−1)) (:mod:`embedlab.teaching.descent`), against what a random direction gives;
    ``corpora`` (sha256 → Corpus) are the uploads a run may have been trained on."""
    vocab = next(iter(runs.values())).vocab
    if word not in vocab.index:
        return Measured(
            "descent", None, _("*{word}* is not in this run's vocabulary: pick another word.").format(word=inert(word))
        )
    row = vocab.index[word]
    frames, parts, missing, mine = {}, [], [], {}
    for name, run in runs.items():
        rebuilt = descent.training_objective(run, corpora)
        if isinstance(rebuilt, str):
            missing.append(_("**{name}** is not checked: {reason}.").format(name=name, reason=rebuilt))
            continue
        rows = descent.measured_rows(rebuilt.counts, also=(row,))
        cosines = descent.descent_cosines(
            run.input_vectors, run.output_vectors, rebuilt.objective, rebuilt.counts, rows, rebuilt.l2
        )
        summary = descent.descent_summary(cosines, run.dim)
        if summary.empty:
            missing.append(_("**{name}** has no epoch after the first to check.").format(name=name))
            continue
        frames[name] = summary
        mine[name] = cosines.loc[cosines["row"] == row, ["epoch", "cosine"]]
        parts.append(descent.summary_line(name, summary, mine[name], word))
    if not frames:
        return Measured("descent", None, " ".join(missing) or _("No run to check."))
    d = next(iter(runs.values())).dim
    rates = [f"{name} {lr_range(run)}" for name, run in runs.items() if "lr" in run.metrics]
    note = bullets(
        parts,
        _(
            "A step in a random direction would give cosines around 0, 95% within ±2/√d = ±{bound} (the grey band). "
            "Epoch 1 has no cosine: at v(0) every u is 0, so ∇_v J = 0 there. The cosine is not 1 because an "
            "epoch's Δv(t) is the sum of thousands of small SGD steps −η_s ∇L_s, each on a few pairs, taken while v "
            "and u both move, and the rate changes ({rates}); near the optimum the gradient is small and the steps' "
            "noise dominates, so the cosine falls. The table below, v(0) + Σ Δv(t) = v(T), is bookkeeping of the "
            "path: it holds for any sequence of vectors, so it is no evidence of gradient descent."
        ).format(bound=num(2 / math.sqrt(d), ".2f"), rates="; ".join(rates)),
    )
    if missing:
        note += "\n\n" + " ".join(missing)
    extra = {"word": word, "row": row, "d": d, "word_cosines": long_form(mine)}
    return Measured("descent", long_form(frames), note, extra=extra)


# ---------------------------------------------------------------- §5.1 random start


def random_start(runs: Mapping[str, Run]) -> Measured:
    """§5.1: the spread of cosines among the most frequent words per epoch, against 1/√d."""
    first = next(iter(runs.values()))
    rows = frequent_rows(first.vocab)
    frames = {name: cosine_spread(run.input_vectors, rows) for name, run in runs.items()}
    d = first.dim
    start = next(iter(frames.values())).iloc[0]
    runs_list = list(runs.values())
    same = all(np.array_equal(runs_list[0].input_vectors[0], r.input_vectors[0]) for r in runs_list[1:])
    parts = [
        _("**{name}**: median {first} at epoch 1, {last} at epoch {epoch}").format(
            name=name,
            first=num(frame["median"].iloc[1], ".2f"),
            last=num(frame["median"].iloc[-1], ".2f"),
            epoch=int(frame["epoch"].iloc[-1]),
        )
        for name, frame in frames.items()
        if len(frame) > 1
    ]
    note = _(
        "Epoch 0: the {pairs} cosines among the {words} most frequent words have mean {mean} and sd {sd}, against "
        "1/√d = {expected} for random directions"
    ).format(
        pairs=num(int(start["pairs"]), ","),
        words=len(rows),
        mean=num(start["mean"], "+.3f"),
        sd=num(start["sd"], ".3f"),
        expected=num(1 / math.sqrt(d), ".3f"),
    ) + (_(" — the same for every trainer: they start from the same array.") if same and len(runs) > 1 else ".")
    if parts:
        note += (
            " "
            + _("Then the whole distribution moves, not only its spread:")
            + "\n\n"
            + bullets(
                parts,
                _(
                    "The first steps push every vector along a shared direction (every word shares the frequent function "
                    "words as contexts); training then spreads them apart again."
                ),
            )
        )
    return Measured("spread", long_form(frames), note, extra={"d": d, "quantiles": SPREAD_QUANTILES})


# ---------------------------------------------------------------- §5.2 clusters

BETWEEN_MARGIN = 0.05  # a between-group cosine this far above its epoch-0 value is "closer than at random"


def _cluster_readings(separations: Mapping[str, pd.DataFrame]) -> tuple[list[str], list[str], list[str]]:
    """Per run: its last epoch's within/between cosines and gap; where the between-group cosine
    peaked well above its last value (a jump); where it ended above its random start (closer)."""
    parts, jumps, closer = [], [], []
    for name, frame in separations.items():
        last = frame.iloc[-1]
        parts.append(
            _("**{name}**: within {within}, between {between}, gap {gap} at epoch {epoch}").format(
                name=name,
                within=num(last["within"], ".2f"),
                between=num(last["between"], ".2f"),
                gap=num(last["gap"], ".2f"),
                epoch=int(last["epoch"]),
            )
        )
        start = frame.iloc[0]
        if last["between"] > start["between"] + BETWEEN_MARGIN:
            closer.append(
                _("{start} at epoch 0 to {end} ({name})").format(
                    start=num(round(start["between"], 2) + 0.0, ".2f"), end=num(last["between"], ".2f"), name=name
                )
            )
        after = frame[frame["epoch"] > 0]
        if len(after):
            peak = after.loc[after["between"].idxmax()]
            if peak["between"] > last["between"] + 0.1:
                jumps.append(
                    _("{cosine} at epoch {epoch} ({name})").format(
                        cosine=num(peak["between"], ".2f"), epoch=int(peak["epoch"]), name=name
                    )
                )
    return parts, jumps, closer


def clusters(runs: Mapping[str, Run], separations: Mapping[str, pd.DataFrame | None]) -> Measured:
    """§5.2: within- and between-group cosine of the planted groups per epoch.

    separations: name → :func:`embedlab.runs.analysis.separation_over_epochs` of that run (None when
    its corpus has no planted groups).
    """
    if any(frame is None for frame in separations.values()):
        return Measured(
            "clusters",
            None,
            _(
                "This corpus has no planted word groups, so clusters cannot be scored against a known answer here. "
                "Pick related words on the Heatmaps page and watch their cosines; the toy corpus plants groups."
            ),
        )
    long = long_form(separations).melt(
        ["epoch", "trainer"], ["within", "between"], var_name="pairs", value_name="cosine"
    )
    long["pairs"] = long["pairs"].map({"within": _("within a group"), "between": _("between groups")})
    parts, jumps, closer = _cluster_readings(separations)
    note = bullets(
        parts,
        _(
            "Not a smooth opening: the between-group cosine first jumps to {jumps} — every vector moves along one "
            "shared direction at first — and the gap opens as it falls back."
        ).format(jumps=listing(jumps))
        if jumps
        else "",
    )
    if closer:
        note += "\n\n" + _(
            "The note says unrelated words move apart, their angle growing. Not here: the between-group cosine "
            "went from {changes}, so words of different groups end up *closer* than the random vectors they "
            "started as. The groups separate because the within-group cosine rises much further; every word also "
            "shares the frequent context words, which pulls all vectors toward one side."
        ).format(changes=listing(closer))
    return Measured("clusters", long, note)


# ---------------------------------------------------------------- §5.3 gradient norm


def gradient(runs: Mapping[str, Run]) -> Measured:
    """§5.3: ‖∇L‖ per epoch, its peak and its last value."""
    measured = runs_with(runs_with_loss(runs), "grad_norm")
    if not measured:
        return Measured("gradient", None, _("The current runs carry no ‖∇L‖ (an imported run without metrics)."))
    frames, parts = {}, []
    for name, run in measured.items():
        m = run.metrics
        frame = m[["epoch", "grad_norm"]].assign(grad_norm_se=m.get("grad_norm_se", 0.0))
        frames[name] = frame
        g = m["grad_norm"].to_numpy()
        peak = int(np.nanargmax(g))
        rises = int(np.sum(np.diff(g[peak:]) > 0))
        text = _(
            "**{name}**: {start} at epoch 0, peak {peak} at epoch {peak_epoch}, {last} at epoch {epoch} ({share} of the peak"
        ).format(
            name=name,
            start=num(g[0], ".2g"),
            peak=num(g[peak], ".2g"),
            peak_epoch=int(m["epoch"].iloc[peak]),
            last=num(g[-1], ".2g"),
            epoch=int(m["epoch"].iloc[-1]),
            share=num(g[-1] / g[peak], ".0%"),
        )
        if rises:
            text += _("; it rose again in {rises} of the {epochs} epochs after the peak").format(
                rises=rises, epochs=len(g) - 1 - peak
            )
        parts.append(text + ")")
    name, run = next(iter(measured.items()))
    m = run.metrics
    remark = _(
        "It falls, but it does not reach 0: {name} stops after {epochs} epochs with the learning rate decayed to "
        "{lr}, and its training loss still fell by {fall} in the last epoch. At epoch 0 only the context vectors have "
        "a gradient: with every u = 0, ∂L/∂v_w = Σ P u − u_c = 0 exactly (a saddle), so ‖∇L‖ there is ‖∂L/∂W_out‖ alone."
    ).format(
        name=name,
        epochs=int(m["epoch"].iloc[-1]),
        lr=num(m["lr"].iloc[-1], ".2g"),
        fall=num(m["loss"].iloc[-2] - m["loss"].iloc[-1], ".2g"),
    )
    if any(frame["grad_norm_se"].fillna(0).gt(0).any() for frame in frames.values()):
        remark += " " + _("Values with a standard error are estimates on a sample of pairs (the tooltip shows it).")
    return Measured("gradient", long_form(frames), bullets(parts, remark))
