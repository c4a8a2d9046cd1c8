"""The objectives of :mod:`embedlab.train.objectives`, estimated on a random sample of examples.

When the exact J and ‖∇J‖ over every pair (:func:`embedlab.train.objectives.exact`, O(V²·d)) cost
too much next to an epoch, they are measured on iid examples of the training distribution:
skip-gram pairs drawn with probability N_wc / Σ N (:func:`sample_pairs`) or CBOW examples as
training draws them (:func:`sample_cbow`). :func:`estimate` gives J and the unbiased estimate
of ‖∇J‖ with standard errors; :func:`estimated_loss` the loss alone (held out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embedlab.text.vocab import as_encoded, subsample
from embedlab.train.blas import blas_threads
from embedlab.train.objectives import _block_rows, _check, penalty

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

    def __len__(self) -> int:
        return len(self.targets)


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
        kept = None
        if n * W_out.shape[0] * np.dtype(dtype).itemsize <= KEEP_BYTES:  # the second pass reuses the first's
            kept = list(_example_blocks(objective, W_in, W_out_c, examples, dtype, should_stop))

        def blocks():
            return (
                iter(kept)
                if kept is not None
                else _example_blocks(objective, W_in, W_out_c, examples, dtype, should_stop)
            )

        losses, sq_norms, mean_in, mean_out = _mean_gradient(blocks(), n, W_in.shape, W_out.shape)
        r_in = 2.0 * l2 * np.asarray(W_in, np.float64)  # the L2 part of ∇J, known exactly
        r_out = 2.0 * l2 * W_out_c
        along = _dots(blocks(), n, mean_in, mean_out)  # x_i · x̄
        along_r = _dots(blocks(), n, r_in, r_out) if l2 else np.zeros(n)  # x_i · r
        norm, norm_se = _gradient_norm(sq_norms, along, along_r, (mean_in, mean_out), (r_in, r_out))
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


def _example_blocks(objective, W_in, W_out_c, examples: Examples, dtype, should_stop) -> Iterator[tuple]:
    """The examples a block at a time, with their per-example gradients' parts:
    (slice, inputs (b, m), weights (b, m), h (b, d), loss (b,), ∂loss/∂z (b, V), ∂loss/∂h (b, d))."""
    step = _block_rows(W_out_c.shape[0])
    for start in range(0, len(examples), step):
        _check(should_stop)
        part = slice(start, start + step)
        inputs, targets = examples.inputs[part], examples.targets[part]
        H, weights = _hidden(W_in, inputs, dtype)
        row_loss, C = objective.block(H @ W_out_c.T, _one_hot(targets, W_out_c.shape[0], dtype))
        yield part, inputs, weights, H, row_loss, C, C @ W_out_c  # dh (b, d)


def _mean_gradient(blocks, n: int, in_shape, out_shape) -> tuple[np.ndarray, ...]:
    """One pass: per-example losses and ‖x_i‖² (n,), and the mean gradient x̄ as (V, d) arrays."""
    mean_in, mean_out = np.zeros(in_shape), np.zeros(out_shape)
    losses, sq_norms = np.empty(n), np.empty(n)
    for part, inputs, weights, H, row_loss, C, dH in blocks:
        losses[part] = row_loss
        sq_norms[part] = np.einsum("bv,bv->b", C, C) * np.einsum("bd,bd->b", H, H) + np.einsum(
            "bd,bd->b", dH, dH
        ) * _input_weight_norms(inputs, weights)
        mean_out += C.T @ H
        valid = inputs >= 0
        np.add.at(mean_in, inputs[valid], (weights[:, :, None] * dH[:, None, :])[valid])
    mean_in /= n
    mean_out /= n
    return losses, sq_norms, mean_in, mean_out


def _dots(blocks, n: int, G_in: np.ndarray, G_out: np.ndarray) -> np.ndarray:
    """x_i · G for every example (G a pair of (V, d) arrays)."""
    out = np.empty(n)
    for part, inputs, weights, H, _, C, dH in blocks:
        in_part = np.einsum("bm,bmd,bd->b", weights, G_in[np.maximum(inputs, 0)], dH)
        out[part] = np.einsum("bv,bv->b", C, H @ G_out.T) + in_part
    return out


def _gradient_norm(sq_norms, along, along_r, mean: tuple, r: tuple) -> tuple[float, float]:
    """(‖∇J‖, its standard error) from ‖x_i‖², x_i · x̄, x_i · r, x̄ and r (see :func:`estimate`)."""
    n = len(sq_norms)
    (mean_in, mean_out), (r_in, r_out) = mean, r
    mean_sq = float(np.sum(mean_in**2) + np.sum(mean_out**2))
    mean_r = float(np.sum(mean_in * r_in) + np.sum(mean_out * r_out))
    r_sq = float(np.sum(r_in**2) + np.sum(r_out**2))
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
    step = _block_rows(W_out.shape[0])
    with one_blas_thread():
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
