"""What the Lecture page measures: one function per claim of the lecture (SEED.md), on the current runs.

Every step function takes the runs shown side by side (display name → :class:`~embedlab.store.Run`)
and returns a :class:`Measured`: the long-form table its chart draws (every table starts at
epoch 0) and one note in Markdown with the numbers read from the runs — including where this
corpus and these settings do not show the claim. Nothing here is hard-coded about a run: the
notes are written from whatever the runs hold.

The building blocks are plain array functions (a word's steps between snapshots, the analogy
rank of a word, the spread of cosines), tested against computations written another way in
``tests/test_lecture.py``.

>>> X = np.array([[[0.0, 0.0]], [[1.0, 0.0]], [[1.0, 2.0]]])  # one word, epochs 0..2
>>> word_steps(X, 0)[["step", "net", "path"]].round(4).values.tolist()
[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.2361, 3.0]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedlab.analogies import cos_add
from embedlab.analysis import normalize_rows
from embedlab.store import Run
from embedlab.vocab import Vocabulary

ANALOGY = ("king", "man", "woman", "queen")  # a − b + c ≈ expected (the toy corpus plants it)
SPREAD_WORDS = 300  # cosines of all pairs among this many most frequent words (bounded work on any V)
SPREAD_QUANTILES = (0.05, 0.5, 0.95)
COMPONENTS = 6  # components of v shown in the §3 table


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


# ---------------------------------------------------------------- building blocks


def _snapshots(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 3 or vectors.shape[0] < 1:
        raise ValueError(f"vectors has shape {vectors.shape}; expected (epochs+1, V, d)")
    return vectors


def word_steps(vectors: np.ndarray, row: int) -> pd.DataFrame:
    """One word's movement between snapshots: ``epoch, step, net, path, norm``.

    vectors: (E+1, V, d). step = ‖Δv(t)‖ = ‖v(t) − v(t−1)‖ (0 at epoch 0); net = ‖v(t) − v(0)‖;
    path = Σ_{s≤t} ‖Δv(s)‖; norm = ‖v(t)‖. Computed in float64 from the stored snapshots.
    """
    v = _snapshots(vectors)[:, row, :].astype(np.float64)  # (E+1, d)
    deltas = np.diff(v, axis=0)  # (E, d): Δv(1..E)
    step = np.concatenate([[0.0], np.linalg.norm(deltas, axis=1)])
    return pd.DataFrame(
        {
            "epoch": np.arange(len(v)),
            "step": step,
            "net": np.linalg.norm(v - v[0], axis=1),
            "path": np.cumsum(step),
            "norm": np.linalg.norm(v, axis=1),
        }
    )


def step_table(vectors: np.ndarray, row: int, components: int = COMPONENTS) -> pd.DataFrame:
    """v(0), every Δv(t), their sum and v(T), component by component, as rows of a table.

    Rows: ``v(0)``, ``Δv(1)`` … ``Δv(T)``, ``Σ Δv(t)``, ``v(0) + Σ Δv(t)``, ``v(T)``; columns: the
    first ``components`` components ``v[1]``… and the vector's length ``‖·‖`` (float64).

    >>> X = np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 1.0]]])
    >>> step_table(X, 0, 2).loc["v(0) + Σ Δv(t)"].tolist() == step_table(X, 0, 2).loc["v(T)"].tolist()
    True
    """
    v = _snapshots(vectors)[:, row, :].astype(np.float64)  # (E+1, d)
    deltas = np.diff(v, axis=0)  # (E, d)
    total = deltas.sum(axis=0)
    rows = [v[0], *deltas, total, v[0] + total, v[-1]]
    labels = ["v(0)", *[f"Δv({t})" for t in range(1, len(v))], "Σ Δv(t)", "v(0) + Σ Δv(t)", "v(T)"]
    k = min(components, v.shape[1])
    table = pd.DataFrame([r[:k] for r in rows], index=labels, columns=[f"v[{i + 1}]" for i in range(k)])
    table["‖·‖"] = [float(np.linalg.norm(r)) for r in rows]
    table.index.name = "row"
    return table


def sum_residual(vectors: np.ndarray, row: int) -> float:
    """max |v(0) + Σ_t Δv(t) − v(T)| over the components of one word (float64): 0 up to rounding.

    >>> sum_residual(np.random.default_rng(0).random((4, 3, 2)), 1) < 1e-15
    True
    """
    v = _snapshots(vectors)[:, row, :].astype(np.float64)
    return float(np.max(np.abs(v[0] + np.diff(v, axis=0).sum(axis=0) - v[-1])))


def analogy_rank(vectors: np.ndarray, vocab: Vocabulary, a: str, b: str, c: str, expected: str) -> pd.DataFrame:
    """Where ``expected`` ranks as the answer to a − b + c at every epoch (3CosAdd, as on the
    Neighbours page): ``epoch, rank, cosine, best, best_cosine``.

    rank 1 = the nearest of all words but a, b and c to â − b̂ + ĉ (hats: unit vectors), by cosine;
    ``best`` is the word that is nearest. Ties count in the expected word's favour.

    >>> v = Vocabulary.from_words(["king", "man", "woman", "queen", "apple"], [5, 4, 3, 2, 1])
    >>> X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    >>> analogy_rank(np.stack([X]), v, "king", "man", "woman", "queen")[["rank", "best"]].values.tolist()
    [[1, 'queen']]
    """
    vectors = _snapshots(vectors)
    ids = [vocab.index[w] for w in (a, b, c)]
    target = vocab.index[expected]
    candidates = np.ones(len(vocab), dtype=bool)
    candidates[ids] = False
    rows = []
    for epoch in range(vectors.shape[0]):
        cosines = cos_add(normalize_rows(vectors[epoch]), *([i] for i in ids), cosine=True)[0]  # (V,)
        scores = np.where(candidates, cosines, -np.inf)
        best = int(np.argmax(scores))
        rank = 1 + int(np.sum(scores > scores[target]))
        rows.append((epoch, rank, float(scores[target]), vocab.words[best], float(scores[best])))
    return pd.DataFrame(rows, columns=["epoch", "rank", "cosine", "best", "best_cosine"])


def frequent_rows(vocab: Vocabulary, n: int = SPREAD_WORDS) -> np.ndarray:
    """The rows of the ``n`` most frequent words (the vocabulary is sorted by count)."""
    return np.arange(min(n, len(vocab)))


def cosine_spread(vectors: np.ndarray, rows: Sequence[int], quantiles=SPREAD_QUANTILES) -> pd.DataFrame:
    """The distribution of cosines of all pairs of distinct ``rows``, per epoch:
    ``epoch, low, median, high, mean, sd, pairs`` (low/median/high: the given quantiles).

    >>> X = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    >>> cosine_spread(X, [0, 1])[["median", "pairs"]].values.tolist()
    [[0.0, 1.0]]
    """
    vectors = _snapshots(vectors)
    rows = np.asarray(rows, dtype=np.int64)
    upper = np.triu_indices(len(rows), k=1)
    table = []
    for epoch in range(vectors.shape[0]):
        unit = normalize_rows(vectors[epoch][rows])  # (k, d)
        cosines = (unit @ unit.T)[upper]
        low, median, high = np.quantile(cosines, quantiles)
        table.append((epoch, low, median, high, cosines.mean(), cosines.std(), len(cosines)))
    return pd.DataFrame(table, columns=["epoch", "low", "median", "high", "mean", "sd", "pairs"])


# ---------------------------------------------------------------- small helpers for the notes


def _by_trainer(runs: Mapping[str, Run], trainer: str) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.trainer == trainer}


def _with_loss(runs: Mapping[str, Run]) -> dict[str, Run]:
    return {name: run for name, run in runs.items() if run.has_loss}


def _long(frames: Mapping[str, pd.DataFrame], column: str = "trainer") -> pd.DataFrame:
    return pd.concat([frame.assign(**{column: name}) for name, frame in frames.items()], ignore_index=True)


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
    measured = {n: r for n, r in _with_loss(runs).items() if "grad_norm" in r.metrics}
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


# ---------------------------------------------------------------- §6 L2


def _growth(metrics: pd.DataFrame) -> float:
    norms = metrics["mean_norm"].to_numpy()
    return float(norms[-1] / norms[-2] - 1.0) if len(norms) > 1 else 0.0


def regularisation(runs: Mapping[str, Run], l2_pair: tuple[Run, Run] | None) -> Measured:
    """§6: mean ‖v‖ per epoch without and with L2 (the comparison runs), else of the current runs."""
    if l2_pair is not None:
        off, on = l2_pair
        lam = on.config["train_options"]["l2"]
        names = {"λ = 0": off, f"λ = {lam:g}": on}
        long = _long({name: run.metrics[["epoch", "mean_norm"]] for name, run in names.items()}, "run")
        long["trainer"] = next((n for n, r in runs.items() if r.trainer == "numpy"), "NumPy softmax")
        mo, mn = off.metrics.iloc[-1], on.metrics.iloc[-1]
        note = (
            f"NumPy trainer, constant learning rate, {int(mo['epoch'])} epochs: mean ‖v‖ at the last epoch "
            f"{mo['mean_norm']:.2f} with λ = 0 and {mn['mean_norm']:.2f} with λ = {lam:g} "
            f"({mn['mean_norm'] / mo['mean_norm']:.0%}); without L2 it still grew {_growth(off.metrics):.1%} in the "
            f"last epoch, with L2 {_growth(on.metrics):+.1%}. Held-out loss {mo['heldout_loss']:.3f} against "
            f"{mn['heldout_loss']:.3f}: here L2 {'lowers' if mn['heldout_loss'] < mo['heldout_loss'] else 'raises'} "
            f"it by {abs(mn['heldout_loss'] - mo['heldout_loss']):.3f}."
        )
        ln_v = math.log(len(on.vocab))
        if mn["loss"] - mn.get("penalty", 0.0) > 0.95 * ln_v:
            note += (
                f" With this λ the cross-entropy stays near ln V = {ln_v:.2f}: the penalty is too strong for the "
                "vectors to learn anything."
            )
        return Measured("l2", long, note, extra={"lambda": lam})
    with_norms = {n: r for n, r in runs.items() if "mean_norm" in r.metrics}
    if not with_norms:
        return Measured("norms", None, "The current runs carry no mean ‖v‖ (an imported run without metrics).")
    long = _long({name: run.metrics[["epoch", "mean_norm"]] for name, run in with_norms.items()})
    parts = []
    for name, run in with_norms.items():
        m = run.metrics
        lam = run.config.get("train_options", {}).get("l2", 0.0) if run.trainer == "numpy" else 0.0
        parts.append(
            f"**{name}** (λ = {lam:g}): mean ‖v‖ {m['mean_norm'].iloc[0]:.3f} at epoch 0, "
            f"{m['mean_norm'].iloc[-1]:.2f} at epoch {int(m['epoch'].iloc[-1])}, {_growth(m):+.1%} in the last epoch"
        )
    note = _bullets(
        parts,
        "The growth slows at the end because the learning rate has decayed, not because of a penalty: gensim has "
        "no L2, and these runs do not compare λ.",
    )
    more = (
        "To see what λ does, tick “L2 comparison” on the Train page: it trains the NumPy trainer twice more, "
        "with and without λ, at a constant learning rate, and this step then compares them."
    )
    return Measured("norms", long, note, more=more)


# ---------------------------------------------------------------- §7 bias–variance


def bias_variance(runs: Mapping[str, Run], sweep: pd.DataFrame | None = None, verdict_text: str = "") -> Measured:
    """§7: a sweep's bias², variance and noise over d if this session ran one; else the current
    runs' generalisation gap (held-out minus training loss) per epoch.

    sweep: a :func:`embedlab.biasvar.sweep` table; verdict_text: its :func:`~embedlab.biasvar.optimum_text`.
    """
    if sweep is not None and len(sweep):
        best = sweep.loc[sweep["total"].idxmin()]
        note = (
            f"{verdict_text} Over d = {', '.join(str(int(d)) for d in sweep['dim'])}: bias² "
            f"{sweep['bias2'].iloc[0]:.4f} → {sweep['bias2'].iloc[-1]:.4f}, variance {sweep['variance'].iloc[0]:.4f} → "
            f"{sweep['variance'].iloc[-1]:.4f}, noise σ² = {sweep['noise'].iloc[0]:.4f} at every d; the total is "
            f"lowest at d = {int(best['dim'])} ({best['total']:.4f})."
        )
        return Measured("sweep", sweep, note)
    with_loss = _with_loss(runs)
    if not with_loss:
        return Measured("gap", None, "The current runs carry no held-out loss (an imported run without metrics).")
    frames = {
        name: run.metrics[["epoch"]].assign(gap=run.metrics["heldout_loss"] - run.metrics["loss"])
        for name, run in with_loss.items()
    }
    parts = [
        f"**{name}** (d = {with_loss[name].dim}): {frame['gap'].iloc[0]:+.3f} at epoch 0, "
        f"{frame['gap'].iloc[-1]:+.3f} at epoch {int(frame['epoch'].iloc[-1])}"
        for name, frame in frames.items()
    ]
    note = "No sweep over d in this session yet, so this shows what one run can: held-out minus training loss\n\n" + (
        _bullets(
            parts,
            "What a model fits in its own training sample and does not carry to new sentences grows with training; "
            "the variance of §7 measures the same thing across samples, and at one d a run cannot show how it trades "
            "against bias.",
        )
    )
    more = (
        "To split the error over d, press “Run the sweep” on the Bias–variance page: it trains the NumPy trainer "
        "several times per d, and this step then shows bias², variance and noise."
    )
    return Measured("gap", _long(frames), note, more=more)


# ---------------------------------------------------------------- §8 fine-tuning


def fine_tuning(
    runs: Mapping[str, Run], drifts: Mapping[str, pd.DataFrame] | None = None, focus: Sequence[str] = ()
) -> Measured:
    """§8: for fine-tuned runs, the mean drift since the switch of the ``focus`` words (the
    planted shifts) against all other words; else the current runs' displacement per epoch.

    drifts: name → :func:`embedlab.finetune.drift` of each fine-tuned run.
    """
    switch = next(iter(runs.values())).config.get("switch_epoch")
    if switch is not None and drifts:
        frames, parts = {}, []
        moved = "words that change company" if len(focus) else "the 5 words that moved most"
        for name, drift in drifts.items():
            chosen = list(focus)
            if not chosen:  # no planted shift: the words that moved most by the last epoch
                chosen = drift[drift["epoch"] == drift["epoch"].max()].nlargest(5, "drift")["word"].tolist()
            kind = np.where(drift["word"].isin(chosen), moved, "all other words")
            mean = drift.assign(kind=kind).groupby(["epoch", "kind"], as_index=False)["drift"].mean()
            mean = mean.sort_values(
                ["epoch", "kind"],
                key=lambda c: c.eq(moved) if c.name == "kind" else c,
                ascending=[True, False],
                ignore_index=True,
            )
            frames[name] = mean
            at_last = mean[mean["epoch"] == mean["epoch"].max()].set_index("kind")["drift"]
            parts.append(f"**{name}**: " + ", ".join(f"{kind} {value:.3f}" for kind, value in at_last.items()))
        note = (
            f"Trained on the first corpus until epoch {switch}, then on the second. Mean drift 1 − cos(v(t), "
            f"v({switch})) at the last epoch:\n\n"
            + _bullets(parts, f"The planted words: {', '.join(focus)}." if len(focus) else "")
        )
        return Measured("drift", _long(frames), note, extra={"switch": switch})
    moving = {n: r for n, r in runs.items() if "displacement" in r.metrics}
    if not moving:
        return Measured("displacement", None, "The current runs carry no displacement (an imported run).")
    long = _long({name: run.metrics[["epoch", "displacement"]] for name, run in moving.items()})
    parts = []
    for name, run in moving.items():
        m = run.metrics
        if len(m) > 1:
            parts.append(
                f"**{name}**: {m['displacement'].iloc[1]:.2f} in epoch 1, {m['displacement'].iloc[-1]:.3f} in epoch "
                f"{int(m['epoch'].iloc[-1])}"
            )
    note = (
        "The current runs are not fine-tuned. On one corpus they show the opposite of §8's claim, the space settling; "
        "the mean step of a vector per epoch, ‖v(t) − v(t−1)‖:\n\n" + _bullets(parts)
    )
    toy = next(iter(runs.values())).corpus_name == "toy"
    more = (
        "To see a domain shift, fine-tune both runs on a second corpus on the Fine-tune page"
        + (" (the built-in toy-shift moves four planted words to new company)" if toy else "")
        + "; this step then shows how far each word drifts."
    )
    return Measured("displacement", long, note, more=more)
