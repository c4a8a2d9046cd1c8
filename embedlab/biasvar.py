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
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse
from scipy.special import log_softmax

from embedlab.config import Limits, Seeds, SweepOptions
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks
from embedlab.prepared import Prepared, check_feasible
from embedlab.training import train_final
from embedlab.vocab import skipgram_pairs

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
    "variance_unbiased",
    "bias2_corrected",
    "bias2_sampling",
    "total_se",
    "total_se_runs",
    "bias2_se",
    "variance_se",
    "train_loss",
    "train_loss_sd",
    "heldout_loss",
    "heldout_loss_sd",
    "heldout_pairs",
    "seconds",
]


@dataclass(frozen=True)
class Decomposition:
    """The held-out Brier score of R runs and its three parts (each a mean over pairs).

    ``total = noise + bias2 + variance`` holds exactly (plug-in estimates: ``variance``
    divides by R, so ``bias2`` still holds variance / R). ``run_totals`` (R,) is each run's
    own Brier score; ``centres`` (W, 5) each held-out centre word's summed terms
    (pairs, total, noise, bias², variance), so that standard errors can be bootstrapped.
    """

    total: float
    noise: float
    bias2: float
    variance: float
    pairs: int
    run_totals: np.ndarray = field(default=None, repr=False, compare=False)
    centres: np.ndarray = field(default=None, repr=False, compare=False)
    sampling: float = float("nan")  # E‖q̂ − q‖²: the part of bias² that is q's own sampling error

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("total", "noise", "bias2", "variance", "pairs")}

    @property
    def runs(self) -> int:
        return len(self.run_totals)

    @property
    def variance_unbiased(self) -> float:
        """The variance across runs with divisor R − 1 (E[plug-in] = (R − 1)/R · variance)."""
        R = self.runs
        return self.variance * R / (R - 1) if R > 1 else float("nan")

    @property
    def bias2_corrected(self) -> float:
        """bias² without the variance / R that the mean of R runs still carries."""
        return self.bias2 - self.variance_unbiased / self.runs

    def standard_errors(self, resamples: int = 200, seed: int = 0) -> dict:
        """Standard errors of total, bias² and variance over the held-out sample (a bootstrap
        over centre words, each with all its pairs), and of total over runs (sd / √R)."""
        rng = np.random.default_rng(seed)
        W = len(self.centres)
        picks = rng.integers(0, W, size=(resamples, W))
        sums = self.centres[picks].sum(axis=1)  # (B, 5)
        means = sums[:, 1:] / sums[:, :1]  # per pair: total, noise, bias², variance
        sd = means.std(axis=0, ddof=1)
        return {
            "total_se": float(sd[0]),
            "bias2_se": float(sd[2]),
            "variance_se": float(sd[3]),
            "total_se_runs": float(np.std(self.run_totals, ddof=1) / np.sqrt(self.runs))
            if self.runs > 1
            else float("nan"),
        }


class _Sums:
    """The four terms per centre word, summed over its pairs, and each run's total."""

    def __init__(self, runs: int):
        self.blocks: list[np.ndarray] = []
        self.run_totals = np.zeros(runs)
        self.sampling = 0.0

    def add(self, probabilities: np.ndarray, counts: np.ndarray) -> None:
        """probabilities (R, w, V) for w centres; counts (w, V) held-out pair counts n_wc."""
        R = len(probabilities)
        n_w = counts.sum(axis=1)  # (w,) pairs per centre
        q = counts / n_w[:, None]  # (w, V) empirical context distribution
        p_bar = probabilities.mean(axis=0)  # (w, V) mean prediction over runs
        p_sq = np.einsum("rwv,rwv->rw", probabilities, probabilities)  # ‖p_r‖²
        p_hit = np.einsum("rwv,wv->rw", probabilities, counts)  # Σ_c n_wc p_r(c)
        per_run = n_w * (1.0 + p_sq) - 2.0 * p_hit  # (R, w) Σ_pairs ‖y − p_r‖²
        q_sq = np.einsum("wv,wv->w", q, q)
        spread = probabilities - p_bar  # (R, w, V)
        self.blocks.append(
            np.stack(
                [
                    n_w,
                    per_run.mean(axis=0),
                    n_w * (1.0 - q_sq),
                    n_w * np.einsum("wv,wv->w", q - p_bar, q - p_bar),
                    n_w * np.einsum("rwv,rwv->w", spread, spread) / R,
                ],
                axis=1,
            )
        )
        self.run_totals += per_run.sum(axis=1)
        # E‖q̂ − q‖² = (1 − ‖q‖²)/n for n draws; unbiased from q̂: (1 − ‖q̂‖²)/(n − 1)
        several = n_w > 1
        self.sampling += float(np.sum(n_w[several] * (1.0 - q_sq[several]) / (n_w[several] - 1)))

    def result(self) -> Decomposition:
        centres = np.concatenate(self.blocks) if self.blocks else np.zeros((0, 5))
        n = centres[:, 0].sum()
        if n == 0:
            raise EmbedLabError("there are no held-out pairs to evaluate; raise the held-out fraction.")
        total, noise, bias2, variance = (float(x) for x in centres[:, 1:].sum(axis=0) / n)
        return Decomposition(total, noise, bias2, variance, int(n), self.run_totals / n, centres, self.sampling / n)


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
    sums = _Sums(R)
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
    sums = _Sums(len(models))
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


def sweep(
    prepared: Prepared,
    options: SweepOptions,
    hooks: Hooks | None = None,
    *,
    limits: Limits | None = None,
    chunk: int = CHUNK,
) -> pd.DataFrame:
    """Train R bootstrap runs of the NumPy softmax model for each d and decompose their
    held-out Brier score. Returns one row per d with ``COLUMNS``.

    Run r (0-based) uses seed ``options.train.seed + r`` for its initial vectors, its SGD and
    its bootstrap resample of ``options.share`` × the training sentences; the same resamples
    serve every d, so the dimensions are compared on equal data (and runs are paired across d).
    The held-out pairs (all of them, or a fixed sample of MAX_HELDOUT_PAIRS) are the same for
    every d and run. ``hooks.on_progress(done_runs, fraction)`` reports progress;
    ``hooks.should_stop()`` stops it with TrainingCancelled.

    Besides the exact split (bias2, variance, noise, total): ``variance_unbiased`` (divisor
    R − 1), ``bias2_corrected`` (bias² without variance / R), ``bias2_sampling`` (the part
    of bias² that is the held-out distribution q's own sampling error), standard errors over
    the held-out sample (``*_se``, a bootstrap over centre words) and over runs
    (``total_se_runs``), each run's total (``total_run_<r>``, for paired comparisons), and the
    mean cross-entropy on each run's training pairs and on the held-out pairs (± sd over runs).
    """
    hooks = hooks or Hooks()
    options = options.validate(limits)
    base = options.trained()
    check_feasible(prepared, base, limits)
    centres, contexts = _fixed_pairs(prepared.heldout, base.window, MAX_HELDOUT_PAIRS, Seeds.HELDOUT_PAIRS)
    if len(centres) == 0:
        raise EmbedLabError("the held-out sentences give no (centre, context) pairs; raise the held-out fraction.")
    seeds = [base.seed + r for r in range(options.runs)]
    resamples = [prepared.train.select(bootstrap_sentences(len(prepared.train), seed, options.share)) for seed in seeds]
    train_samples = [_fixed_pairs(data, base.window, TRAIN_SAMPLE_PAIRS, Seeds.TRAIN_SAMPLE) for data in resamples]
    total_runs, done = len(options.dims) * options.runs, 0
    table = []
    for dim in options.dims:
        started = time.perf_counter()
        models = []
        for seed, data in zip(seeds, resamples, strict=True):
            run_hooks = Hooks(
                should_stop=hooks.should_stop,
                on_progress=lambda epoch, fraction, done=done: hooks.progress(
                    done, (done + (epoch - 1 + fraction) / base.epochs) / total_runs
                ),
            )
            final = train_final(data, prepared.vocab, base.replace(dim=dim, seed=seed), run_hooks)
            models.append((final.input_vectors, final.output_vectors))
            done += 1
            hooks.progress(done, done / total_runs)
        parts, heldout_loss = decompose_models(models, centres, contexts, chunk)
        train_loss = np.array(
            [cross_entropy(*model, *sample, chunk) for model, sample in zip(models, train_samples, strict=True)]
        )
        table.append(_row(dim, parts, train_loss, heldout_loss) | {"seconds": time.perf_counter() - started})
    return pd.DataFrame(table)[[*COLUMNS, *(f"total_run_{r}" for r in range(options.runs))]]


def _row(dim: int, parts: Decomposition, train_loss: np.ndarray, heldout_loss: np.ndarray) -> dict:
    R = parts.runs
    return {
        "dim": dim,
        "runs": R,
        "bias2": parts.bias2,
        "variance": parts.variance,
        "noise": parts.noise,
        "total": parts.total,
        "variance_unbiased": parts.variance_unbiased,
        "bias2_corrected": parts.bias2_corrected,
        "bias2_sampling": parts.sampling,
        **parts.standard_errors(),
        "train_loss": float(train_loss.mean()),
        "train_loss_sd": float(train_loss.std(ddof=1)),
        "heldout_loss": float(heldout_loss.mean()),
        "heldout_loss_sd": float(heldout_loss.std(ddof=1)),
        "heldout_pairs": parts.pairs,
        **{f"total_run_{r}": float(parts.run_totals[r]) for r in range(R)},
    }


def optimum(table: pd.DataFrame) -> dict:
    """Is there a best d at this R? The d with the lowest total held-out error, and whether it
    beats each neighbour (and each end of the range) by more than 2 standard errors of the
    difference. Runs are paired across d (same seeds and resamples), so the SE of a difference
    is the sd over runs of the per-run differences / √R.

    Returns ``best`` (d), ``interior`` (not at either end), ``resolved`` (beats both
    neighbours by > 2 SE), ``beats_ends`` (beats both ends by > 2 SE, or is an end), ``margins``
    (d → (gap, se) against each neighbour and end) and ``runs_needed`` (about how many runs
    would make the smallest unresolved gap 2 SE, or None).

    >>> t = pd.DataFrame({"dim": [1, 2, 4], "total": [0.9, 0.7, 0.8],
    ...                   "total_run_0": [0.91, 0.70, 0.80], "total_run_1": [0.89, 0.70, 0.80]})
    >>> o = optimum(t); o["best"], o["interior"], o["resolved"]
    (2, True, True)
    """
    runs = table[[c for c in table.columns if c.startswith("total_run_")]].to_numpy()  # (D, R)
    R = runs.shape[1]
    i = int(np.argmin(table["total"].to_numpy()))
    D = len(table)
    others = sorted({j for j in (i - 1, i + 1, 0, D - 1) if 0 <= j < D and j != i})
    margins = {}
    for j in others:
        diff = runs[j] - runs[i]
        se = float(diff.std(ddof=1) / np.sqrt(R)) if R > 1 else float("inf")
        margins[int(table["dim"].iloc[j])] = (float(diff.mean()), se)
    clear = lambda j: margins[int(table["dim"].iloc[j])][0] > 2 * margins[int(table["dim"].iloc[j])][1]  # noqa: E731
    neighbours = [j for j in (i - 1, i + 1) if 0 <= j < D]
    resolved = all(clear(j) for j in neighbours)
    ends = [j for j in (0, D - 1) if j != i]
    needed = None
    unresolved = [margins[int(table["dim"].iloc[j])] for j in neighbours if not clear(j)]
    if unresolved:
        gap, se = min(unresolved, key=lambda m: m[0] / m[1] if m[1] > 0 else np.inf)
        needed = int(np.ceil(R * (2 * se / gap) ** 2)) if gap > 0 else None
    return {
        "best": int(table["dim"].iloc[i]),
        "interior": 0 < i < D - 1,
        "resolved": resolved,
        "beats_ends": all(clear(j) for j in ends),
        "margins": margins,
        "runs_needed": needed,
    }


def optimum_text(verdict: dict, runs: int) -> str:
    """One line: the best d if it is resolved at this R, or why not and how many runs would do."""
    d = verdict["best"]
    if not verdict["interior"]:
        return f"lowest total at d = {d}, an end of the range: the trade-off's other side is not in this range of d."
    if verdict["resolved"]:
        ends = "and beats both ends" if verdict["beats_ends"] else "but not both ends"
        return f"best d = {d}: it beats its neighbours by more than 2 standard errors ({ends})."
    more = f"; about {verdict['runs_needed']} runs would resolve it" if verdict["runs_needed"] else ""
    return f"no resolvable optimum at R = {runs}: d = {d} is lowest but within 2 standard errors of a neighbour{more}."


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
