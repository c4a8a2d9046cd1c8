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
from dataclasses import asdict, dataclass

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


def sweep(
    prepared: Prepared,
    options: SweepOptions,
    hooks: Hooks | None = None,
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
    every d and run. ``hooks.on_progress(done_runs, fraction)`` reports progress (runs done,
    share of the sweep); ``hooks.should_stop()`` stops it with TrainingCancelled.
    train_loss / heldout_loss are the mean cross-entropy −log p(c|w) (no L2 term) on a fixed
    sample of each run's own training pairs and on the held-out pairs; ``*_sd`` is the sample
    standard deviation over runs.
    """
    hooks = hooks or Hooks()
    options = options.validate(limits)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 < share <= 1.0:
        raise EmbedLabError(f"the share of training sentences per run must be in (0, 1]; got {share!r}.")
    base = options.train.replace(trainer="numpy")
    check_feasible(prepared, base, limits)
    centres, contexts = _fixed_pairs(prepared.heldout, base.window, MAX_HELDOUT_PAIRS, Seeds.HELDOUT_PAIRS)
    if len(centres) == 0:
        raise EmbedLabError("the held-out sentences give no (centre, context) pairs; raise the held-out fraction.")
    seeds = [base.seed + r for r in range(options.runs)]
    resamples = [prepared.train.select(bootstrap_sentences(len(prepared.train), seed, share)) for seed in seeds]
    train_samples = [_fixed_pairs(data, base.window, TRAIN_SAMPLE_PAIRS, Seeds.TRAIN_SAMPLE) for data in resamples]
    total_runs, done = len(options.dims) * options.runs, 0
    table = []
    for dim in options.dims:
        started = time.perf_counter()
        models = []
        for seed, data in zip(seeds, resamples, strict=True):
            run_hooks = Hooks(
                should_stop=hooks.should_stop,
                on_progress=lambda epoch, fraction, done=done, d=dim: hooks.progress(
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
