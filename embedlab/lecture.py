"""What the Lecture page measures: one function per claim of the lecture (SEED.md), on the current runs.

Every step function takes the runs shown side by side (display name → :class:`~embedlab.store.Run`)
and returns a :class:`Measured`: the long-form table its chart draws (every table starts at
epoch 0) and one note in Markdown with the numbers read from the runs — including where this
corpus and these settings do not show the claim. Nothing here is hard-coded about a run: the
notes are written from whatever the runs hold.

The measurements are plain array functions in :mod:`embedlab.lecture_measures`; the steps that
read an experiment beyond the current runs (§6–§8) are in :mod:`embedlab.lecture_experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedlab.lecture_measures import (
    SPREAD_QUANTILES,
    analogy_rank,
    cosine_spread,
    frequent_rows,
    sum_residual,
    word_steps,
)
from embedlab.store import Run

ANALOGY = ("king", "man", "woman", "queen")  # a − b + c ≈ expected (the toy corpus plants it)


@dataclass(frozen=True)
class Measured:
    """What one step shows of the current runs.

    ``kind`` names what ``frame`` holds (the chart :func:`embedlab.charts.lecture.step_chart`
    draws); ``frame`` is None when the runs cannot show the claim at all (then ``note`` says
    why). ``more``: for a step whose full data come from opt-in work, one line on how to get
    it ("" when it is all there). ``extra``: numbers the chart needs besides the table.
    """

    kind: str
    frame: pd.DataFrame | None
    note: str
    more: str = ""
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- small helpers for the notes


def _by_trainer(runs: Mapping[str, Run], trainer: str) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.trainer == trainer}


def _with_loss(runs: Mapping[str, Run]) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.has_loss}


def _runs_with(runs: Mapping[str, Run], column: str) -> dict[str, Run]:
    """The runs whose metrics have ``column`` (an imported run may have none)."""
    return {name: run for name, run in runs.items() if column in run.metrics}


def _long(frames: Mapping[str, pd.DataFrame], column: str = "trainer") -> pd.DataFrame:
    return pd.concat([frame.assign(**{column: name}) for name, frame in frames.items()], ignore_index=True)


def _per_epoch(runs: Mapping[str, Run], column: str, label: str = "trainer") -> pd.DataFrame:
    """``epoch, <column>, <label>``: one metrics column of every run, stacked (label = the run's name)."""
    return _long({name: run.metrics[["epoch", column]] for name, run in runs.items()}, label)


def _lr_range(run: Run) -> str:
    lr = run.metrics["lr"]
    return f"{lr.iloc[0]:.3g} to {lr.iloc[-1]:.2g}" if lr.iloc[-1] != lr.iloc[0] else f"{lr.iloc[0]:.3g} throughout"


def _objective(run: Run) -> str:
    options = run.config.get("train_options", {})
    objective = run.config.get("objective")
    if objective == "softmax":
        return "the full softmax"
    if objective == "negative" or options.get("negative"):
        return f"negative sampling ({options.get('negative', '?')} noise words per pair)"
    if objective in ("hierarchical", "hs") or options.get("hs"):
        return "hierarchical softmax"
    return str(objective or "its own objective")


def _bullets(parts: Sequence[str], remark: str = "") -> str:
    """A Markdown list, one line per trainer, then a remark as its own paragraph."""
    text = "\n".join(f"- {part}" for part in parts)
    return f"{text}\n\n{remark}" if remark else text


# ---------------------------------------------------------------- §1 embeddings


def embeddings(runs: Mapping[str, Run], words: Sequence[str] = ANALOGY) -> Measured:
    """§1: the rank of ``expected`` for a − b + c at every epoch, per trainer."""
    a, b, c, expected = words
    vocab = next(iter(runs.values())).vocab
    missing = [w for w in words if w not in vocab.index]
    if missing:
        return Measured(
            "analogy",
            None,
            f"This corpus has no *{'*, *'.join(missing)}* in its vocabulary, so {a} − {b} + {c} ≈ {expected} "
            "cannot be asked here (the toy corpus plants it). Ask your own a − b + c on the Neighbours page.",
        )
    frames = {name: analogy_rank(run.input_vectors, run.vocab, a, b, c, expected) for name, run in runs.items()}
    candidates = len(vocab) - 3
    parts = []
    for name, frame in frames.items():
        first = frame.loc[frame["rank"] == 1, "epoch"]
        last = frame.iloc[-1]
        text = f"**{name}**: rank {frame['rank'].iloc[0]} of {candidates} at epoch 0"
        if len(first):
            text += f", first at epoch {int(first.iloc[0])}"
        else:
            text += f", never first (best rank {frame['rank'].min()})"
        text += f", rank {last['rank']} at epoch {int(last['epoch'])} (cosine {last['cosine']:.2f})"
        if last["rank"] != 1:
            text += f"; the nearest answer there is *{last['best']}*"
        parts.append(text)
    note = _bullets(
        parts,
        f"Random vectors put {expected} at rank {(candidates + 1) / 2:.0f} on average. The toy corpus plants this "
        "relation (king and queen share a ruler's contexts and differ by he/she, as man and woman do); a corpus that "
        "does not contain it will not show it.",
    )
    return Measured("analogy", _long(frames), note, extra={"words": tuple(words), "candidates": candidates})


# ---------------------------------------------------------------- §2 softmax


def softmax(runs: Mapping[str, Run]) -> Measured:
    """§2: the full-softmax run's training and held-out loss per epoch against ln V."""
    exact = _with_loss(_by_trainer(runs, "numpy"))
    if not exact:
        return Measured(
            "loss",
            None,
            "The current runs have no NumPy full-softmax run, the trainer that computes exactly this loss and "
            "gradient. Train both trainers on the Train page to see it.",
        )
    name, run = next(iter(exact.items()))
    V = len(run.vocab)
    m = run.metrics
    frame = m[["epoch", "loss", "heldout_loss"]].melt("epoch", var_name="series", value_name="value")
    frame["series"] = frame["series"].map({"loss": "training pairs", "heldout_loss": "held-out pairs"})
    frame["trainer"] = name
    last = m.iloc[-1]
    options = run.config.get("train_options", {})
    note = (
        f"**{name}**: L = {m['loss'].iloc[0]:.3f} at epoch 0 against ln V = ln {V} = {math.log(V):.3f}; "
        f"at epoch {int(last['epoch'])} {last['loss']:.3f} on the training pairs and {last['heldout_loss']:.3f} "
        f"held out, as if choosing among e^L = {math.exp(last['heldout_loss']):.0f} of the {V} words. "
        f"Each step is the mean gradient over a batch of {options.get('batch_size', '?')} centre positions "
        f"(all their contexts), with η from {_lr_range(run)} over the run (the lr column), not one pair at a time."
    )
    if l2 := options.get("l2"):
        note += f" With λ = {l2:g} the training loss includes the penalty (its own column in the metrics)."
    others = {n: r for n, r in _with_loss(runs).items() if r.trainer != "numpy"}
    for other, orun in others.items():
        om = orun.metrics
        note += (
            f" {other} is not drawn: it optimises {_objective(orun)}, a different loss on another scale "
            f"({om['loss'].iloc[0]:.3f} → {om['loss'].iloc[-1]:.3f})."
        )
    return Measured("loss", frame, note, extra={"ln_V": math.log(V), "V": V})


# ---------------------------------------------------------------- §3 geometry


def geometry(runs: Mapping[str, Run], word: str) -> Measured:
    """§3: one word's step lengths and distance from v(0) per epoch, and the sum check."""
    vocab = next(iter(runs.values())).vocab
    if word not in vocab.index:
        return Measured("steps", None, f"*{word}* is not in this run's vocabulary: pick another word.")
    row = vocab.index[word]
    frames, parts, residual = {}, [], 0.0
    for name, run in runs.items():
        steps = word_steps(run.input_vectors, row)
        frames[name] = steps
        residual = max(residual, sum_residual(run.input_vectors, row))
        last = steps.iloc[-1]
        biggest = steps.iloc[int(steps["step"].to_numpy().argmax())]
        parts.append(
            f"**{name}**, *{word}*: path Σ‖Δv(t)‖ = {last['path']:.2f}, net ‖v(T) − v(0)‖ = {last['net']:.2f} "
            f"({last['net'] / last['path']:.0%} of the path), the largest step at "
            f"epoch {int(biggest['epoch'])} ({biggest['step']:.2f}), the last {last['step']:.3f}"
        )
    long = _long(frames).melt(["epoch", "trainer"], ["step", "net"], var_name="quantity", value_name="value")
    long["quantity"] = long["quantity"].map({"step": "step ‖Δv(t)‖", "net": "distance from start ‖v(t) − v(0)‖"})
    rates = [f"{name} {_lr_range(run)}" for name, run in runs.items() if "lr" in run.metrics]
    check = "exactly" if residual == 0 else f"to within {residual:.1e}"
    note = _bullets(
        parts,
        f"The steps do not all point one way, so the net distance is shorter than the path. v(0) + Σ Δv(t) equals "
        f"v(T) {check} in every component (the table), so the snapshots hold the word's whole history. η is not one "
        f"number: the learning rate decays over the run ({'; '.join(rates)}; the lr column), and each epoch's Δv(t) "
        "is itself the sum of that epoch's many SGD steps −η_s ∇L_s, which are not stored one by one.",
    )
    return Measured("steps", long, note, extra={"word": word, "row": row, "residual": residual})


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
        f"**{name}**: median {frame['median'].iloc[1]:.2f} at epoch 1, {frame['median'].iloc[-1]:.2f} at epoch "
        f"{int(frame['epoch'].iloc[-1])}"
        for name, frame in frames.items()
        if len(frame) > 1
    ]
    note = (
        f"Epoch 0: the {int(start['pairs']):,} cosines among the {len(rows)} most frequent words have mean "
        f"{start['mean']:+.3f} and sd {start['sd']:.3f}, against 1/√d = {1 / math.sqrt(d):.3f} for random directions"
        + (" — the same for every trainer: they start from the same array." if same and len(runs) > 1 else ".")
    )
    if parts:
        note += " Then the whole distribution moves, not only its spread:\n\n" + _bullets(
            parts,
            "The first steps push every vector along a shared direction (every word shares the frequent function "
            "words as contexts); training then spreads them apart again.",
        )
    return Measured("spread", _long(frames), note, extra={"d": d, "quantiles": SPREAD_QUANTILES})


# ---------------------------------------------------------------- §5.2 clusters


def clusters(runs: Mapping[str, Run], separations: Mapping[str, pd.DataFrame | None]) -> Measured:
    """§5.2: within- and between-group cosine of the planted groups per epoch.

    separations: name → :func:`embedlab.analysis.separation_over_epochs` of that run (None when
    its corpus has no planted groups).
    """
    if any(frame is None for frame in separations.values()):
        return Measured(
            "clusters",
            None,
            "This corpus has no planted word groups, so clusters cannot be scored against a known answer here. "
            "Pick related words on the Heatmaps page and watch their cosines; the toy corpus plants groups.",
        )
    long = _long(separations).melt(["epoch", "trainer"], ["within", "between"], var_name="pairs", value_name="cosine")
    long["pairs"] = long["pairs"].map({"within": "within a group", "between": "between groups"})
    parts, jumps = [], []
    for name, frame in separations.items():
        last = frame.iloc[-1]
        parts.append(
            f"**{name}**: within {last['within']:.2f}, between {last['between']:.2f}, gap {last['gap']:.2f} "
            f"at epoch {int(last['epoch'])}"
        )
        after = frame[frame["epoch"] > 0]
        if len(after):
            peak = after.loc[after["between"].idxmax()]
            if peak["between"] > last["between"] + 0.1:
                jumps.append(f"{peak['between']:.2f} at epoch {int(peak['epoch'])} ({name})")
    note = _bullets(
        parts,
        "Not a smooth opening: the between-group cosine first jumps to "
        + ", ".join(jumps)
        + " — every vector moves along one shared direction at first — and the gap opens as it falls back."
        if jumps
        else "",
    )
    return Measured("clusters", long, note)


# ---------------------------------------------------------------- §5.3 gradient norm


def gradient(runs: Mapping[str, Run]) -> Measured:
    """§5.3: ‖∇L‖ per epoch, its peak and its last value."""
    measured = _runs_with(_with_loss(runs), "grad_norm")
    if not measured:
        return Measured("gradient", None, "The current runs carry no ‖∇L‖ (an imported run without metrics).")
    frames, parts = {}, []
    for name, run in measured.items():
        m = run.metrics
        frame = m[["epoch", "grad_norm"]].assign(grad_norm_se=m.get("grad_norm_se", 0.0))
        frames[name] = frame
        g = m["grad_norm"].to_numpy()
        peak = int(np.nanargmax(g))
        rises = int(np.sum(np.diff(g[peak:]) > 0))
        text = (
            f"**{name}**: {g[0]:.2g} at epoch 0, peak {g[peak]:.2g} at epoch {int(m['epoch'].iloc[peak])}, "
            f"{g[-1]:.2g} at epoch {int(m['epoch'].iloc[-1])} ({g[-1] / g[peak]:.0%} of the peak"
        )
        if rises:
            text += f"; it rose again in {rises} of the {len(g) - 1 - peak} epochs after the peak"
        parts.append(text + ")")
    name, run = next(iter(measured.items()))
    m = run.metrics
    remark = (
        f"It falls, but it does not reach 0: {name} stops after {int(m['epoch'].iloc[-1])} epochs "
        f"with the learning rate decayed to {m['lr'].iloc[-1]:.2g}, and its training loss still fell by "
        f"{m['loss'].iloc[-2] - m['loss'].iloc[-1]:.2g} in the last epoch. At epoch 0 only the context vectors have "
        "a gradient: with every u = 0, ∂L/∂v_w = Σ P u − u_c = 0 exactly (a saddle), so ‖∇L‖ there is ‖∂L/∂W_out‖ alone."
    )
    if any(frame["grad_norm_se"].fillna(0).gt(0).any() for frame in frames.values()):
        remark += " Values with a standard error are estimates on a sample of pairs (the tooltip shows it)."
    return Measured("gradient", _long(frames), _bullets(parts, remark))
