"""The exact split of a held-out Brier score into noise + bias² + variance (SEED.md §7).

R runs of a model (in :mod:`embedlab.experiments.biasvar`, the NumPy full-softmax skip-gram at one d, each
on its own bootstrap resample) each predict, for a held-out centre word w, the whole context
distribution p_r(·|w) = softmax(W_out v_w). For a held-out
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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import EmbedLabError
from embedlab.i18n import _

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    import scipy.sparse

CHUNK = 256  # unique centres per block: memory is O(R · CHUNK · V)


@dataclass(frozen=True)
class Decomposition:
    """The held-out Brier score of R runs and its three parts (each a mean over pairs).

    ``total = noise + bias2 + variance`` holds exactly (plug-in estimates: ``variance``
    divides by R, so ``bias2`` still holds variance / R); it is an algebraic identity, true
    for any predictions, so it checks nothing by itself. ``run_totals`` (R,) is each run's
    own Brier score; ``centres`` (W, 6) each held-out centre word's summed terms
    (pairs, total, noise, bias², variance, sampling), so that standard errors can be bootstrapped.

    The plug-in bias² ‖q̂ − p̄‖² also holds the held-out sample's own error: E‖q̂ − p̄‖² =
    ‖q − p̄‖² + E‖q̂ − q‖² (the held-out pairs are not trained on), and the plug-in noise lacks
    the same amount. ``sampling`` estimates it without bias from each centre with n ≥ 2 held-out
    pairs, n(1 − ‖q̂‖²)/(n − 1) summed; a centre with one pair has no unbiased estimate of it
    (its ‖q‖² needs two draws), so its share stays in ``bias2_model``, at most
    ``single_pairs`` / ``pairs``. It treats a centre's pairs as independent draws of its
    contexts (pairs from one window are not quite).
    """

    total: float
    noise: float
    bias2: float
    variance: float
    pairs: int
    run_totals: np.ndarray = field(default=None, repr=False, compare=False)
    centres: np.ndarray = field(default=None, repr=False, compare=False)
    sampling: float = float("nan")  # E‖q̂ − q‖²: the part of bias² that is q's own sampling error
    single_pairs: int = 0  # held-out pairs whose centre has no other pair (no sampling estimate)

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

    @property
    def bias2_model(self) -> float:
        """The model's bias² ‖q − p̄‖²: ``bias2_corrected`` net of the held-out sample's error."""
        return self.bias2_corrected - self.sampling

    @property
    def noise_unbiased(self) -> float:
        """σ² = mean 1 − ‖q‖², the plug-in noise plus the sampling error it lacks; then
        total = noise_unbiased + bias2_model + variance_unbiased, exactly."""
        return self.noise + self.sampling

    def standard_errors(self, resamples: int = 200, seed: int = 0) -> dict:
        """Standard errors of total, bias², bias² (model) and variance over the held-out sample
        (a bootstrap over centre words, each with all its pairs), and of total over runs (sd / √R)."""
        rng = np.random.default_rng(seed)
        W = len(self.centres)
        picks = rng.integers(0, W, size=(resamples, W))
        sums = self.centres[picks].sum(axis=1)  # (B, 6)
        means = sums[:, 1:] / sums[:, :1]  # per pair: total, noise, bias², variance, sampling
        sd = means.std(axis=0, ddof=1)
        R = self.runs
        model = means[:, 2] - means[:, 3] / (R - 1) - means[:, 4] if R > 1 else np.full(resamples, np.nan)
        return {
            "total_se": float(sd[0]),
            "bias2_se": float(sd[2]),
            "bias2_model_se": float(model.std(ddof=1)),
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
        self.single_pairs = 0

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
        # E‖q̂ − q‖² = (1 − ‖q‖²)/n for n draws; unbiased from q̂: (1 − ‖q̂‖²)/(n − 1), times n pairs
        several = n_w > 1
        sampling = np.zeros_like(n_w, dtype=np.float64)
        sampling[several] = n_w[several] * (1.0 - q_sq[several]) / (n_w[several] - 1)
        self.single_pairs += int(np.sum(~several))
        self.blocks.append(
            np.stack(
                [
                    n_w,
                    per_run.mean(axis=0),
                    n_w * (1.0 - q_sq),
                    n_w * np.einsum("wv,wv->w", q - p_bar, q - p_bar),
                    n_w * np.einsum("rwv,rwv->w", spread, spread) / R,
                    sampling,
                ],
                axis=1,
            )
        )
        self.run_totals += per_run.sum(axis=1)

    def result(self) -> Decomposition:
        centres = np.concatenate(self.blocks) if self.blocks else np.zeros((0, 6))
        n = centres[:, 0].sum()
        if n == 0:
            raise EmbedLabError(_("there are no held-out pairs to evaluate; raise the held-out fraction."))
        total, noise, bias2, variance, sampling = (float(x) for x in centres[:, 1:].sum(axis=0) / n)
        return Decomposition(
            total, noise, bias2, variance, int(n), self.run_totals / n, centres, sampling, self.single_pairs
        )


def _check_counts(counts, n_rows: int, V: int) -> scipy.sparse.csr_array:
    import scipy.sparse

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
    import scipy.sparse

    counts = scipy.sparse.coo_array(
        (np.ones(len(centres)), (row, contexts)), shape=(len(words), V)
    ).tocsr()  # duplicates are summed
    return words, counts


def predictions(W_in: np.ndarray, W_out: np.ndarray, words: np.ndarray) -> np.ndarray:
    """log P(·|w) for each centre in ``words``: (len(words), V) float64, log-softmax of W_out v_w."""
    from scipy.special import log_softmax

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
