"""The objectives of :mod:`embedlab.train.objectives`, estimated on a random sample of examples.

When the exact J and ‖∇J‖ over every pair (:func:`embedlab.train.objectives.exact`, O(V²·d)) cost
too much next to an epoch, they are measured on iid examples of the training distribution:
skip-gram pairs drawn with probability N_wc / Σ N (:func:`sample_pairs`) or CBOW examples as
training draws them (:func:`sample_cbow`). :func:`estimate` gives J and the unbiased estimate
of ‖∇J‖ with standard errors; :func:`estimated_loss` the loss alone (held out).

For negative sampling, an example may carry negatives drawn from the noise distribution
(:func:`draw_negatives`): its loss and gradient then average over those m draws instead of
summing over all V words, unbiased for the same J, so an example costs O(m·d), not O(V·d).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embedlab.text.vocab import as_encoded, subsample
from embedlab.train.blas import blas_threads
from embedlab.train.objectives import BLOCK_BYTES, NegativeSampling, _block_rows, _check, _logistic_block, penalty

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    import scipy.sparse


KEEP_BYTES = 64 * 1024 * 1024  # an estimate keeps its blocks' ∂loss/∂z for the second pass up to this size


def one_blas_thread():
    """Products of an estimate run on one BLAS thread: its blocks are a few dozen rows, too
    small to split, and on a busy machine the threads' spinning costs many times what they
    save (benchmarks/README.md); the trainer it measures (gensim, one worker) uses one core too."""
    return blas_threads(0)


@dataclass(frozen=True)
class Examples:
    """Examples drawn from the training distribution: the input vector h of example i is the
    mean of W_in[inputs[i, j]] over its valid entries (−1 = padding; skip-gram has one), and
    ``targets[i]`` is the predicted word."""

    inputs: np.ndarray  # (n, m) int64
    targets: np.ndarray  # (n,) int64
    negatives: np.ndarray | None = None  # (n, draws) int64 noise words (negative sampling only)

    def __len__(self) -> int:
        return len(self.targets)


def draw_negatives(examples: Examples, objective: NegativeSampling, draws: int, seed: int) -> Examples:
    """``examples`` with ``draws`` words per example drawn independently from the noise
    distribution q of ``objective``. With them, an example's loss is

        softplus(−z_c) + (k/m) Σ_j [n_j ≠ c] softplus(z_{n_j}),   n_1..n_m ~ q

    whose expectation over the draws is the objective's k Σ_{n≠c} q_n softplus(z_n) term
    exactly; the same holds for its gradient, so the examples stay iid with mean ∇J."""
    cumulative = np.cumsum(objective.noise)
    uniform = np.random.default_rng(seed).random((len(examples), draws)) * cumulative[-1]
    negatives = np.minimum(np.searchsorted(cumulative, uniform, side="right"), len(cumulative) - 1)
    return dataclasses.replace(examples, negatives=negatives.astype(np.int64))


def sample_pairs(counts: scipy.sparse.csr_array, n: int, seed: int) -> Examples:
    """``n`` pairs drawn independently with probability N_wc / Σ N (skip-gram examples)."""
    coo = counts.tocoo()
    p = coo.data / coo.data.sum()
    pick = np.random.default_rng(seed).choice(len(p), size=n, p=p)
    return Examples(coo.row[pick].astype(np.int64)[:, None], coo.col[pick].astype(np.int64))


def _hidden(W_in: np.ndarray, inputs: np.ndarray, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """h = mean of the valid input rows (n, d), and each row's weight (n, m) (0 for padding)."""
    valid = inputs >= 0
    weights = (valid / np.maximum(valid.sum(axis=1, keepdims=True), 1)).astype(dtype)
    h = np.einsum("nm,nmd->nd", weights, np.asarray(W_in, dtype=dtype)[np.maximum(inputs, 0)])
    return h, weights


def _input_weight_norms(inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_r (weight of row r)² per example, repeated rows added first (their gradients add)."""
    if inputs.shape[1] == 1:
        return (inputs[:, 0] >= 0).astype(np.float64)
    out = np.zeros(len(inputs))
    for i, (row, w) in enumerate(zip(inputs, weights, strict=True)):
        valid = row >= 0
        _, inverse = np.unique(row[valid], return_inverse=True)
        out[i] = np.sum(np.bincount(inverse, weights=w[valid]) ** 2)
    return out


@dataclass(frozen=True)
class Estimate:
    loss: float
    loss_se: float
    grad_norm: float
    grad_norm_se: float
    examples: int


def estimate(
    objective,
    W_in: np.ndarray,
    W_out: np.ndarray,
    examples: Examples,
    l2: float = 0.0,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> Estimate:
    """J and ‖∇J‖ estimated from iid examples of the training distribution, with standard errors.

    With per-example gradients x_i (E x_i = ∇J without the L2 term r = 2λW) and their mean x̄,

        ‖∇J‖² ≈ (n²‖x̄‖² − Σ‖x_i‖²) / (n(n − 1)) + 2 x̄·r + ‖r‖²

    is unbiased (the plain ‖x̄‖² is biased upwards by the sampling noise, tr Cov / n). Its
    standard error is the delete-one jackknife of that U-statistic (computed from x_i · x̄ and
    ‖x_i‖², no second pass over pairs of examples), carried to ‖∇J‖ by the delta method.
    The loss is the mean per-example loss, SE sd/√n.
    """
    with one_blas_thread():
        n = len(examples)
        if n < 2:
            raise ValueError(f"estimate needs at least 2 examples; got {n}")
        dtype = np.result_type(W_in.dtype, W_out.dtype, np.float32)
        W_out_c = np.asarray(W_out, dtype=dtype)
        rows = _touched_rows(examples, W_out.shape[0])

        def fresh():
            return _compact(_example_blocks(objective, W_in, W_out_c, examples, dtype, should_stop), rows)

        kept = None
        if n * _bytes_per_example(examples, W_out_c) <= KEEP_BYTES:  # the second pass reuses the first's
            kept = list(fresh())

        def blocks():
            return iter(kept) if kept is not None else fresh()

        losses, sq_norms, mean_in, mean_out = _mean_gradient(blocks(), n, rows, W_in.shape[1])
        along = _dots(blocks(), n, mean_in, mean_out)  # x_i · x̄
        mean_sq = float(np.vdot(mean_in, mean_in) + np.vdot(mean_out, mean_out))  # no squared copies
        mean_r = r_sq = 0.0
        along_r = np.zeros(n)
        if l2:  # the L2 part of ∇J, r = 2λW, known exactly; x_i and x̄ are zero off the touched rows
            r_in = 2.0 * l2 * np.asarray(W_in[rows.inputs], np.float64)
            r_out = 2.0 * l2 * (W_out_c if rows.outputs is None else W_out_c[rows.outputs])
            along_r = _dots(blocks(), n, r_in, r_out)  # x_i · r
            mean_r = float(np.sum(mean_in * r_in) + np.sum(mean_out * r_out))
            r_sq = 4.0 * l2 * penalty(W_in, W_out, l2)  # ‖r‖² = 4λ²(‖W_in‖² + ‖W_out‖²)
        norm, norm_se = _gradient_norm(sq_norms, along, along_r, mean_sq, mean_r, r_sq)
        return Estimate(
            loss=float(losses.mean()) + penalty(W_in, W_out, l2),
            loss_se=float(losses.std(ddof=1) / np.sqrt(n)),
            grad_norm=norm,
            grad_norm_se=norm_se,
            examples=n,
        )


def _one_hot(targets: np.ndarray, V: int, dtype) -> np.ndarray:
    """(b, V) pair counts of one example per row: 1 at each row's target."""
    K = np.zeros((len(targets), V), dtype=dtype)
    K[np.arange(len(targets)), targets] = 1.0
    return K


def _bytes_per_example(examples: Examples, W_out: np.ndarray) -> int:
    """What one example's block parts hold: a row of V scores, or its drawn columns and h, ∂h."""
    itemsize = np.dtype(W_out.dtype).itemsize
    if examples.negatives is None:
        return W_out.shape[0] * itemsize
    return (1 + examples.negatives.shape[1]) * (itemsize + 12) + 3 * W_out.shape[1] * itemsize


def _example_blocks(objective, W_in, W_out_c, examples: Examples, dtype, should_stop) -> Iterator[tuple]:
    """The examples a block at a time, with their per-example gradients' parts:
    (slice, inputs (b, m), weights (b, m), h (b, d), loss (b,), ∂loss/∂z (b, V), ∂loss/∂h (b, d));
    ∂loss/∂z is a sparse (b, V) array when the examples carry drawn negatives."""
    drawn = examples.negatives is not None
    if drawn and not isinstance(objective, NegativeSampling):
        raise ValueError(f"drawn negatives belong to negative sampling, not to {objective.name}")
    step = _drawn_block_rows(examples, W_out_c) if drawn else _block_rows(W_out_c.shape[0])
    for start in range(0, len(examples), step):
        _check(should_stop)
        part = slice(start, start + step)
        inputs, targets = examples.inputs[part], examples.targets[part]
        H, weights = _hidden(W_in, inputs, dtype)
        if drawn:
            row_loss, C, dH = _drawn_block(objective, H, W_out_c, targets, examples.negatives[part])
        else:
            row_loss, C = objective.block(H @ W_out_c.T, _one_hot(targets, W_out_c.shape[0], dtype))
            dH = C @ W_out_c  # (b, d)
        yield part, inputs, weights, H, row_loss, C, dH


def _drawn_block_rows(examples: Examples, W_out: np.ndarray) -> int:
    """Rows per block with drawn negatives: their (b, 1 + m, d) output rows within 4 BLOCK_BYTES
    (larger blocks than the dense path's: each block adds into (V, d) arrays once)."""
    per_row = (1 + examples.negatives.shape[1]) * W_out.shape[1] * W_out.dtype.itemsize
    return max(16, 4 * BLOCK_BYTES // per_row)


def _drawn_block(objective: NegativeSampling, H, W_out_c, targets, negatives) -> tuple:
    """(loss (b,), ∂loss/∂z as a sparse (b, V) array, ∂loss/∂h (b, d)) of examples whose
    negatives were drawn (:func:`draw_negatives`): the scores of the target and the m drawn
    words only, a draw equal to the target skipped as gensim skips it."""
    import scipy.sparse

    b, m = negatives.shape
    columns = np.concatenate([targets[:, None], negatives], axis=1)  # (b, 1 + m)
    U = W_out_c[columns]  # (b, 1 + m, d)
    Z = np.einsum("bd,bjd->bj", H, U)  # (b, 1 + m) scores
    positive = np.zeros_like(Z)
    positive[:, 0] = 1.0
    negative = np.zeros_like(Z)
    negative[:, 1:] = (objective.negative / m) * (negatives != targets[:, None])
    loss, G = _logistic_block(positive, negative, Z)  # G: ∂loss/∂z on those columns
    rows = np.repeat(np.arange(b), 1 + m)
    C = scipy.sparse.csr_array((G.ravel(), (rows, columns.ravel())), shape=(b, W_out_c.shape[0]))
    C.sum_duplicates()  # a word drawn twice is one row of W_out: its gradient parts add
    return loss, C, np.einsum("bj,bjd->bd", G, U)


@dataclass(frozen=True)
class _Rows:
    """The rows of W_in and W_out that some example's gradient touches, sorted; ``outputs`` None:
    every output row (full scores over V touch them all)."""

    inputs: np.ndarray
    outputs: np.ndarray | None
    V_out: int

    @property
    def output_count(self) -> int:
        return self.V_out if self.outputs is None else len(self.outputs)


def _touched_rows(examples: Examples, V_out: int) -> _Rows:
    """The input rows of the examples and, with drawn negatives, their target and noise words: an
    estimate holds x̄ on those rows only, so its memory is set by the examples, not by V × d."""
    inputs = np.unique(examples.inputs[examples.inputs >= 0])
    if examples.negatives is None:
        return _Rows(inputs, None, V_out)
    return _Rows(inputs, np.unique(np.concatenate([examples.targets, examples.negatives.ravel()])), V_out)


def _compact(blocks, rows: _Rows) -> Iterator[tuple]:
    """:func:`_example_blocks` with row numbers in ``rows``' order: the inputs (−1 stays padding) and
    the columns of a sparse ∂loss/∂z. Sorted rows keep every sum in the same order."""
    import scipy.sparse

    for part, inputs, weights, H, row_loss, C, dH in blocks:
        local = np.where(inputs >= 0, np.searchsorted(rows.inputs, inputs), -1)
        if rows.outputs is not None:
            columns = np.searchsorted(rows.outputs, C.indices)
            C = scipy.sparse.csr_array((C.data, columns, C.indptr), shape=(C.shape[0], len(rows.outputs)))
        yield part, local, weights, H, row_loss, C, dH


def _row_squares(C) -> np.ndarray:
    """Σ_v C[i, v]² per row, of a dense or a sparse (b, V) array."""
    if isinstance(C, np.ndarray):
        return np.einsum("bv,bv->b", C, C)
    return np.bincount(np.repeat(np.arange(C.shape[0]), np.diff(C.indptr)), weights=C.data**2, minlength=C.shape[0])


def _mean_gradient(blocks, n: int, rows: _Rows, d: int) -> tuple[np.ndarray, ...]:
    """One pass over compact blocks (:func:`_compact`): per-example losses and ‖x_i‖² (n,), and the
    mean gradient x̄ on the rows the examples touch, as (rows, d) arrays (x̄ is zero elsewhere)."""
    mean_in, mean_out = np.zeros((len(rows.inputs), d)), np.zeros((rows.output_count, d))
    losses, sq_norms = np.empty(n), np.empty(n)
    for part, inputs, weights, H, row_loss, C, dH in blocks:
        losses[part] = row_loss
        sq_norms[part] = _row_squares(C) * np.einsum("bd,bd->b", H, H) + np.einsum(
            "bd,bd->b", dH, dH
        ) * _input_weight_norms(inputs, weights)
        if isinstance(C, np.ndarray):
            mean_out += C.T @ H
        else:  # the block's own columns: C.T @ H would be a dense (rows, d) array a block
            np.add.at(mean_out, C.indices, C.data[:, None] * H[np.repeat(np.arange(len(H)), np.diff(C.indptr))])
        valid = inputs >= 0
        np.add.at(mean_in, inputs[valid], (weights[:, :, None] * dH[:, None, :])[valid])
    mean_in /= n
    mean_out /= n
    return losses, sq_norms, mean_in, mean_out


def _dots(blocks, n: int, G_in: np.ndarray, G_out: np.ndarray) -> np.ndarray:
    """x_i · G for every example of compact blocks (G a pair of arrays on the touched rows)."""
    out = np.empty(n)
    for part, inputs, weights, H, _, C, dH in blocks:
        in_part = np.einsum("bm,bmd,bd->b", weights, G_in[np.maximum(inputs, 0)], dH)
        out[part] = np.einsum("bd,bd->b", H, C @ G_out) + in_part  # Σ_v C_iv h_i·G_out[v]
    return out


def _gradient_norm(sq_norms, along, along_r, mean_sq: float, mean_r: float, r_sq: float) -> tuple[float, float]:
    """(‖∇J‖, its standard error) from ‖x_i‖², x_i · x̄, x_i · r, ‖x̄‖², x̄ · r and ‖r‖² (see :func:`estimate`)."""
    n = len(sq_norms)
    squared = (n * n * mean_sq - float(sq_norms.sum())) / (n * (n - 1)) + 2.0 * mean_r + r_sq
    # delete-one jackknife: ‖S − x_i‖² = ‖S‖² − 2n x_i·x̄ + ‖x_i‖² with S = n x̄
    left_out = (n * n * mean_sq - 2 * n * along + sq_norms - (sq_norms.sum() - sq_norms)) / ((n - 1) * (n - 2))
    left_out += 2.0 * (n * mean_r - along_r) / (n - 1) + r_sq
    squared_se = float(np.sqrt((n - 1) / n * np.sum((left_out - left_out.mean()) ** 2))) if n > 2 else float("inf")
    norm = float(np.sqrt(max(squared, 0.0)))
    norm_se = squared_se / (2.0 * norm) if norm > 0 else float(np.sqrt(squared_se))
    return norm, norm_se


def estimated_loss(
    objective,
    W_in: np.ndarray,
    W_out: np.ndarray,
    examples: Examples,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[float, float]:
    """(mean per-example loss, its standard error) on iid examples; no gradient (held-out)."""
    dtype = np.result_type(W_in.dtype, W_out.dtype, np.float32)
    W_out_c = np.asarray(W_out, dtype=dtype)
    losses = np.empty(len(examples))
    with one_blas_thread():
        if examples.negatives is not None:
            blocks = _example_blocks(objective, W_in, W_out_c, examples, dtype, should_stop)
            for part, _, _, _, row_loss, _, _ in blocks:
                losses[part] = row_loss
        else:
            step = _block_rows(W_out.shape[0])
            for start in range(0, len(examples), step):
                _check(should_stop)
                part = slice(start, start + step)
                H, _ = _hidden(W_in, examples.inputs[part], dtype)
                K = _one_hot(examples.targets[part], W_out.shape[0], dtype)
                losses[part] = objective.block(H @ W_out_c.T, K)[0]
    return float(losses.mean()), float(losses.std(ddof=1) / np.sqrt(len(losses)))


def sample_cbow(encoded, window: int, keep_prob: np.ndarray | None, n: int, seed: int) -> Examples:
    """``n`` CBOW examples as training draws them: a subsampling draw, then centre positions
    picked uniformly among those with a context, each with its own window b in 1..W; the
    inputs are the kept words within b of the centre (padded with −1), the target the centre."""
    rng = np.random.default_rng(seed)
    tokens, sentence_id = subsample(as_encoded(encoded), keep_prob, rng)
    N = len(tokens)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2W,)
    has_context = np.zeros(N, dtype=bool)
    for o in (-1, 1):
        other = np.arange(N) + o
        inside = (other >= 0) & (other < N)
        has_context[inside] |= sentence_id[other[inside]] == sentence_id[inside.nonzero()[0]]
    candidates = np.flatnonzero(has_context)
    if len(candidates) == 0:
        return Examples(np.zeros((0, 2 * window), np.int64), np.zeros(0, np.int64))
    centre = candidates[rng.integers(0, len(candidates), size=n)]  # (n,)
    reach = rng.integers(1, window + 1, size=n)  # b per example
    positions = centre[:, None] + offsets[None, :]  # (n, 2W)
    inside = (positions >= 0) & (positions < N)
    clipped = np.clip(positions, 0, N - 1)
    valid = (
        inside & (sentence_id[clipped] == sentence_id[centre][:, None]) & (np.abs(offsets)[None, :] <= reach[:, None])
    )
    inputs = np.where(valid, tokens[clipped], -1).astype(np.int64)
    return Examples(inputs, tokens[centre].astype(np.int64))
