"""Bias² + variance + noise over the dimension d, exactly (SEED.md §7).

For every d we train the NumPy full-softmax skip-gram R times; run r uses seed ``base + r``
and a bootstrap resample of the training sentences, so the runs differ the way models
trained on different samples of the language would. Each run predicts, for a held-out
centre word w, the whole context distribution p_r(·|w) = softmax(W_out v_w). For a held-out
pair (w, c) with one-hot y = e_c, the squared error of that prediction (the Brier score)
splits exactly:

    total    = mean over pairs and runs of ‖y − p_r‖²
    noise    = mean over pairs of ‖y − q(·|w)‖²           q = empirical held-out contexts of w
    bias²    = mean over pairs of ‖q(·|w) − p̄(·|w)‖²       p̄ = mean over runs of p_r
    variance = mean over pairs and runs of ‖p_r − p̄(·|w)‖²
    total    = noise + bias² + variance

The cross terms vanish because p̄ is the mean of p_r over runs and q is the mean of y over
w's pairs. With pair counts n_wc and n_w = Σ_c n_wc, each term is a sum over unique centres,
so the computation streams over chunks of centres and never holds R × pairs × V:

    Σ_pairs ‖y − p‖² = Σ_w [n_w (1 + ‖p_w‖²) − 2 Σ_c n_wc p_w(c)]
    Σ_pairs ‖y − q‖² = Σ_w n_w (1 − ‖q_w‖²)

Yin & Shen (NeurIPS 2018) show the same trade-off for the Pairwise Inner Product loss
against an oracle embedding; here it is measured directly on held-out predictions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import altair as alt
import numpy as np
import pandas as pd
import scipy.sparse
from scipy.special import log_softmax

from embedlab.config import Limits, SweepOptions, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.softmax import SoftmaxTrainer, initial_vectors
from embedlab.vocab import skipgram_pairs

HELDOUT_SEED = 20240607  # the held-out pairs are the same for every d and every run
TRAIN_SAMPLE_SEED = 20240608
MAX_HELDOUT_PAIRS = 200_000  # a fixed uniform sample above this (keeps the counts small)
TRAIN_SAMPLE_PAIRS = 5_000
CHUNK = 256  # unique centres per block: memory is O(R · CHUNK · V)

COLUMNS = [
    "dim",
    "runs",
    "bias2",
    "variance",
    "noise",
    "total",
    "train_loss",
    "train_loss_sd",
    "heldout_loss",
    "heldout_loss_sd",
    "seconds",
]


@dataclass(frozen=True)
class Decomposition:
    """The held-out Brier score of R runs and its three parts (each a mean over pairs)."""

    total: float
    noise: float
    bias2: float
    variance: float
    pairs: int

    def as_dict(self) -> dict:
        return asdict(self)


class _Sums:
    """Running sums of the four terms over chunks of centres, weighted by pair counts."""

    def __init__(self):
        self.total = self.noise = self.bias2 = self.variance = 0.0
        self.pairs = 0

    def add(self, probabilities: np.ndarray, counts: np.ndarray) -> None:
        """probabilities (R, w, V) for w centres; counts (w, V) held-out pair counts n_wc."""
        n_w = counts.sum(axis=1)  # (w,) pairs per centre
        q = counts / n_w[:, None]  # (w, V) empirical context distribution
        p_bar = probabilities.mean(axis=0)  # (w, V) mean prediction over runs
        p_sq = np.einsum("rwv,rwv->w", probabilities, probabilities) / len(probabilities)  # mean_r ‖p_r‖²
        p_hit = np.einsum("rwv,wv->w", probabilities, counts) / len(probabilities)  # mean_r Σ_c n_wc p_r(c)
        self.total += float(np.sum(n_w * (1.0 + p_sq) - 2.0 * p_hit))
        self.noise += float(np.sum(n_w * (1.0 - np.einsum("wv,wv->w", q, q))))
        self.bias2 += float(np.sum(n_w * np.einsum("wv,wv->w", q - p_bar, q - p_bar)))
        spread = probabilities - p_bar  # (R, w, V)
        self.variance += float(np.sum(n_w * np.einsum("rwv,rwv->w", spread, spread))) / len(probabilities)
        self.pairs += int(n_w.sum())

    def result(self) -> Decomposition:
        if self.pairs == 0:
            raise EmbedLabError("there are no held-out pairs to evaluate; raise the held-out fraction.")
        n = self.pairs
        return Decomposition(self.total / n, self.noise / n, self.bias2 / n, self.variance / n, n)


def _check_counts(counts, n_rows: int, V: int) -> scipy.sparse.csr_array:
    counts = scipy.sparse.csr_array(counts, dtype=np.float64)
    if counts.shape != (n_rows, V):
        raise ValueError(f"counts has shape {counts.shape}, expected (W, V) = {(n_rows, V)}")
    if counts.nnz and counts.data.min() < 0:
        raise ValueError("counts must be non-negative")
    if np.any(counts.sum(axis=1) <= 0):
        raise ValueError("every centre (row of counts) needs at least one pair")
    return counts


def decompose(probabilities: np.ndarray, counts, chunk: int = CHUNK) -> Decomposition:
    """Exact split of the held-out Brier score into noise + bias² + variance.

    probabilities: (R, W, V), run r's predicted context distribution for each of W centre
    words (rows sum to 1). counts: (W, V) number of held-out pairs (centre w, context c),
    a dense array or a scipy sparse matrix; every row needs at least one pair. Processes
    ``chunk`` centres at a time.

    >>> p = np.array([[[0.5, 0.5]], [[1.0, 0.0]]])  # two runs, one centre, V = 2
    >>> d = decompose(p, np.array([[1, 1]]))  # the centre seen once with each context
    >>> d.noise, d.bias2, d.variance, d.total
    (0.5, 0.125, 0.125, 0.75)
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 3:
        raise ValueError(f"probabilities has shape {probabilities.shape}, expected (R, W, V)")
    R, W, V = probabilities.shape
    counts = _check_counts(counts, W, V)
    sums = _Sums()
    for start in range(0, W, chunk):
        rows = slice(start, start + chunk)
        sums.add(probabilities[:, rows].astype(np.float64), counts[rows].toarray())
    return sums.result()


def pair_counts(centres: np.ndarray, contexts: np.ndarray, V: int) -> tuple[np.ndarray, scipy.sparse.csr_array]:
    """Unique centre words (W,) and the sparse (W, V) count of each (centre, context) pair.

    >>> words, counts = pair_counts(np.array([2, 0, 2]), np.array([1, 1, 1]), V=3)
    >>> words.tolist(), counts.toarray().tolist()
    ([0, 2], [[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]])
    """
    centres = np.asarray(centres)
    contexts = np.asarray(contexts)
    if centres.shape != contexts.shape or centres.ndim != 1:
        raise ValueError(f"centres {centres.shape} and contexts {contexts.shape} must be equal (N,)")
    words, row = np.unique(centres, return_inverse=True)
    counts = scipy.sparse.coo_array(
        (np.ones(len(centres)), (row, contexts)), shape=(len(words), V)
    ).tocsr()  # duplicates are summed
    return words, counts


def predictions(W_in: np.ndarray, W_out: np.ndarray, words: np.ndarray) -> np.ndarray:
    """log P(·|w) for each centre in ``words``: (len(words), V) float64, log-softmax of W_out v_w."""
    logits = np.asarray(W_in, dtype=np.float64)[words] @ np.asarray(W_out, dtype=np.float64).T
    return log_softmax(logits, axis=1)


def decompose_models(
    models: Sequence[tuple[np.ndarray, np.ndarray]],
    centres: np.ndarray,
    contexts: np.ndarray,
    chunk: int = CHUNK,
) -> tuple[Decomposition, np.ndarray]:
    """The decomposition for R trained models on (centre, context) pairs, streamed by centre.

    models: R pairs (W_in, W_out), each (V, d); centres, contexts: (N,) row indices. Holds
    at most R × chunk × V probabilities at once. Returns the decomposition and each run's
    mean cross-entropy −log p_r(c|w) over the pairs, shape (R,).
    """
    if not models:
        raise ValueError("give at least one model")
    V = models[0][1].shape[0]
    words, counts = pair_counts(centres, contexts, V)
    sums = _Sums()
    log_loss = np.zeros(len(models))
    for start in range(0, len(words), chunk):
        rows = slice(start, start + chunk)
        block = counts[rows].toarray()  # (w, V)
        log_p = np.stack([predictions(W_in, W_out, words[rows]) for W_in, W_out in models])  # (R, w, V)
        log_loss -= np.einsum("rwv,wv->r", log_p, block)
        np.exp(log_p, out=log_p)
        sums.add(log_p, block)
    return sums.result(), log_loss / max(len(centres), 1)


def _fixed_pairs(encoded: list, window: int, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs of ``encoded`` (gensim's reduced window, no subsampling),
    or a fixed uniform sample of ``limit`` of them; the same for every d and run."""
    rng = np.random.default_rng(seed)
    centres, contexts = skipgram_pairs(encoded, window, rng, keep_prob=None)
    if len(centres) > limit:
        pick = np.sort(rng.choice(len(centres), limit, replace=False))
        centres, contexts = centres[pick], contexts[pick]
    return centres, contexts


def cross_entropy(
    W_in: np.ndarray, W_out: np.ndarray, centres: np.ndarray, contexts: np.ndarray, chunk: int = CHUNK
) -> float:
    """Mean −log P(c|w) of (centre, context) pairs under one model, no L2 term, streamed by centre.

    W_in, W_out: (V, d); centres, contexts: (N,) row indices.

    >>> W = np.zeros((4, 2))  # every prediction is uniform over V = 4
    >>> round(cross_entropy(W, W, np.array([0, 1]), np.array([2, 3])), 6) == round(float(np.log(4)), 6)
    True
    """
    return float(decompose_models([(W_in, W_out)], centres, contexts, chunk)[1][0])


def bootstrap_sentences(n_sentences: int, seed: int, share: float = 1.0) -> np.ndarray:
    """Row numbers of a bootstrap resample: round(share · n) sentences drawn with replacement
    (at least 1) from ``default_rng(seed)``; share = 1 is the classical bootstrap.

    >>> bootstrap_sentences(10, seed=3).shape, bootstrap_sentences(10, seed=3, share=0.5).shape
    ((10,), (5,))
    """
    size = max(1, int(round(share * n_sentences)))
    return np.random.default_rng(seed).integers(0, n_sentences, size)


def train_final(
    prepared, options: TrainOptions, sentence_rows: np.ndarray, should_stop: Callable[[], bool] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Train the NumPy softmax model on the training sentences ``sentence_rows`` (repeats
    allowed) and return the final (W_in, W_out), each (V, d) float32; no run directory."""
    sentences = [prepared.train_ids[i] for i in sentence_rows]
    W0 = initial_vectors(len(prepared.vocab), options.dim, options.seed)
    trainer = SoftmaxTrainer(sentences, prepared.vocab.counts, options, W0)
    for epoch in range(1, options.epochs + 1):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"the sweep was stopped during d = {options.dim}; nothing was saved.")
        trainer.train_epoch(epoch)
    return trainer.W_in, trainer.W_out


def sweep(
    prepared,
    options: SweepOptions,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    share: float = 1.0,
    limits: Limits | None = None,
    chunk: int = CHUNK,
) -> pd.DataFrame:
    """Train R bootstrap runs of the NumPy softmax model for each d and decompose their
    held-out Brier score. Returns one row per d with ``COLUMNS`` (+ ``heldout_pairs``).

    Run r (0-based) uses seed ``options.train.seed + r`` for its initial vectors, its SGD and
    its bootstrap resample of ``share`` × the training sentences (less data per run → more
    variance); the same resamples serve every d, so the dimensions are compared on equal data.
    The held-out pairs (all of them, or a fixed sample of MAX_HELDOUT_PAIRS) are the same for
    every d and run. ``progress(done, total, text)`` is called after every run;
    ``should_stop()`` is asked before every epoch and stops the sweep with TrainingCancelled.
    train_loss / heldout_loss are the mean cross-entropy −log p(c|w) (no L2 term) on a fixed
    sample of each run's own training pairs and on the held-out pairs; ``*_sd`` is the sample
    standard deviation over runs.
    """
    from embedlab.training import check_feasible

    options = options.validate(limits)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 < share <= 1.0:
        raise EmbedLabError(f"the share of training sentences per run must be in (0, 1]; got {share!r}.")
    base = options.train.replace(trainer="numpy")
    check_feasible(prepared, base, limits)
    centres, contexts = _fixed_pairs(prepared.heldout_ids, base.window, MAX_HELDOUT_PAIRS, HELDOUT_SEED)
    if len(centres) == 0:
        raise EmbedLabError("the held-out sentences give no (centre, context) pairs; raise the held-out fraction.")
    seeds = [base.seed + r for r in range(options.runs)]
    resamples = [bootstrap_sentences(len(prepared.train_ids), seed, share) for seed in seeds]
    train_samples = [
        _fixed_pairs([prepared.train_ids[i] for i in rows], base.window, TRAIN_SAMPLE_PAIRS, TRAIN_SAMPLE_SEED)
        for rows in resamples
    ]
    total_runs, done = len(options.dims) * options.runs, 0
    table = []
    for dim in options.dims:
        started = time.perf_counter()
        models = []
        for seed, rows in zip(seeds, resamples, strict=True):
            models.append(train_final(prepared, base.replace(dim=dim, seed=seed), rows, should_stop))
            done += 1
            if progress is not None:
                progress(done, total_runs, f"d = {dim}, run {len(models)}/{options.runs}")
        parts, heldout_loss = decompose_models(models, centres, contexts, chunk)
        train_loss = np.array(
            [cross_entropy(*model, *sample, chunk) for model, sample in zip(models, train_samples, strict=True)]
        )
        table.append(
            {
                "dim": dim,
                "runs": options.runs,
                "bias2": parts.bias2,
                "variance": parts.variance,
                "noise": parts.noise,
                "total": parts.total,
                "train_loss": float(train_loss.mean()),
                "train_loss_sd": float(train_loss.std(ddof=1)),
                "heldout_loss": float(heldout_loss.mean()),
                "heldout_loss_sd": float(heldout_loss.std(ddof=1)),
                "seconds": time.perf_counter() - started,
                "heldout_pairs": parts.pairs,
            }
        )
    return pd.DataFrame(table, columns=[*COLUMNS, "heldout_pairs"])


def parse_dims(text: str) -> tuple[int, ...]:
    """Dimensions typed as "1, 2, 4": a tuple of ints; anything else is an EmbedLabError.

    >>> parse_dims("1, 2,4")
    (1, 2, 4)
    """
    try:
        dims = tuple(int(part) for part in str(text).replace(" ", "").split(",") if part)
    except ValueError:
        dims = ()
    if not dims:
        raise EmbedLabError(f"write the dimensions as whole numbers separated by commas, e.g. 1,2,4,8; got {text!r}.")
    return dims


def best_dim(table: pd.DataFrame) -> int:
    """The d with the lowest total held-out error in a ``sweep`` table.

    >>> best_dim(pd.DataFrame({"dim": [1, 2, 4], "total": [0.9, 0.7, 0.8]}))
    2
    """
    return int(table.loc[table["total"].idxmin(), "dim"])


# ---------------------------------------------------------------- charts (Altair; the page only places them)


# One colour per term in both panels (Streamlit's theme would otherwise use shades of one hue).
TERM_COLOURS = alt.Scale(
    domain=["bias²", "variance", "bias² + variance", "total", "noise"],
    range=["#1f77b4", "#ff7f0e", "#9467bd", "#222222", "#8c8c8c"],
)


def _dim_axis() -> alt.X:
    return alt.X(
        "dim:Q", scale=alt.Scale(type="log", base=2), axis=alt.Axis(values=[2**k for k in range(10)]), title="d (log₂)"
    )


def decomposition_chart(table: pd.DataFrame) -> alt.HConcatChart:
    """Two panels over d (log₂ axis): bias², variance and their sum (= total − noise); and the
    total held-out error above its noise floor. The d with the lowest total is marked in both.

    table: the output of :func:`sweep` (columns dim, bias2, variance, noise, total).

    >>> t = pd.DataFrame({"dim": [1, 2, 4], "bias2": [0.3, 0.2, 0.1], "variance": [0.01, 0.02, 0.2],
    ...                   "noise": [0.5] * 3, "total": [0.81, 0.72, 0.8]})
    >>> spec = decomposition_chart(t).to_dict()
    >>> len(spec["hconcat"]), spec["hconcat"][0]["layer"][0]["encoding"]["x"]["scale"]
    (2, {'base': 2, 'type': 'log'})
    """
    missing = {"dim", "bias2", "variance", "noise", "total"} - set(table.columns)
    if missing:
        raise ValueError(f"decomposition_chart needs the sweep table; missing columns {sorted(missing)}")
    names = {"bias2": "bias²", "variance": "variance", "reducible": "bias² + variance"}
    parts = table.assign(reducible=table["bias2"] + table["variance"]).melt(
        id_vars="dim", value_vars=list(names), var_name="term", value_name="value"
    )
    parts["term"] = parts["term"].map(names)
    left = (
        alt.Chart(parts, title="bias² and variance over d")
        .mark_line(point=True)
        .encode(
            x=_dim_axis(),
            y=alt.Y("value:Q", title="mean squared error (held-out)"),
            color=alt.Color("term:N", scale=TERM_COLOURS, legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["dim:Q", "term:N", alt.Tooltip("value:Q", format=".5f")],
        )
    )
    best = table.loc[[table["total"].idxmin()]].assign(value=float((table["bias2"] + table["variance"]).min()))
    best = best.assign(label=f"lowest total: d = {best_dim(table)}")
    rule = alt.Chart(best).mark_rule(color="black", strokeDash=[4, 3]).encode(x="dim:Q")
    totals = table.melt(id_vars="dim", value_vars=["total", "noise"], var_name="term", value_name="value")
    right = (
        alt.Chart(totals, title="total = noise + bias² + variance")
        .mark_line(point=True)
        .encode(
            x=_dim_axis(),
            y=alt.Y("value:Q", title="Brier score (held-out)", scale=alt.Scale(zero=False)),
            color=alt.Color("term:N", scale=TERM_COLOURS, legend=None),
            strokeDash=alt.StrokeDash(
                "term:N", scale=alt.Scale(domain=["total", "noise"], range=[[1, 0], [5, 4]]), legend=None
            ),
            tooltip=["dim:Q", "term:N", alt.Tooltip("value:Q", format=".5f")],
        )
    )
    # the label goes on the side of the rule with more room (log₂ position of the best d)
    logs = np.log2(table["dim"].to_numpy(dtype=np.float64))
    right_half = np.log2(best_dim(table)) > (logs.min() + logs.max()) / 2
    label = (
        alt.Chart(best)
        .mark_text(align="right" if right_half else "left", dx=-5 if right_half else 5, dy=-10, fontWeight="bold")
        .encode(x="dim:Q", y="total:Q", text="label:N")
    )
    return alt.hconcat(
        alt.layer(left, rule).properties(width=380, height=300),
        alt.layer(right, rule, label).properties(width=380, height=300),
    )


def loss_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Training and held-out cross-entropy against d (log₂ axis), each with a ±1 sd band over runs.

    table: the output of :func:`sweep`.

    >>> t = pd.DataFrame({"dim": [1, 2], "train_loss": [5.0, 4.0], "train_loss_sd": [0.1, 0.1],
    ...                   "heldout_loss": [5.1, 4.5], "heldout_loss_sd": [0.2, 0.1]})
    >>> [layer["mark"]["type"] for layer in loss_chart(t).to_dict()["layer"]]
    ['area', 'line']
    """
    missing = {"dim", "train_loss", "train_loss_sd", "heldout_loss", "heldout_loss_sd"} - set(table.columns)
    if missing:
        raise ValueError(f"loss_chart needs the sweep table; missing columns {sorted(missing)}")
    frames = []
    for column, name in (("train_loss", "training"), ("heldout_loss", "held-out")):
        sd = table[f"{column}_sd"].fillna(0.0)
        frames.append(
            pd.DataFrame(
                {
                    "dim": table["dim"],
                    "split": name,
                    "loss": table[column],
                    "low": table[column] - sd,
                    "high": table[column] + sd,
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    base = alt.Chart(long, title="cross-entropy −log p(c|w) (mean ± sd over runs)").encode(
        x=_dim_axis(),
        color=alt.Color(
            "split:N",
            scale=alt.Scale(domain=["training", "held-out"], range=["#1f77b4", "#ff7f0e"]),
            legend=alt.Legend(orient="bottom", title=None),
        ),
    )
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title="cross-entropy", scale=alt.Scale(zero=False)), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y="loss:Q",
        tooltip=["dim:Q", "split:N", alt.Tooltip("loss:Q", format=".4f"), alt.Tooltip("high:Q", format=".4f")],
    )
    return alt.layer(band, line).properties(width=380, height=300)
