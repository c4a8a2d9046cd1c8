"""The objective each trainer actually optimises, measured exactly over all training pairs.

Training draws pairs at random (subsampling, a reduced window per centre, gensim's negative
samples). What it minimises is the *expectation* of the per-pair loss over that draw:

    J(W) = Σ_{w,c} N_wc · ℓ(w, c) / Σ_{w,c} N_wc  (+ λ(‖W_in‖² + ‖W_out‖²) for L2)

with N the expected pair counts of one pass (:func:`embedlab.text.pair_counts.expected_pair_counts`).
Every per-epoch ``loss`` and ``grad_norm`` is J and ‖∇J‖ at that snapshot. The per-pair loss
ℓ of each objective, with z = W_out h the scores of the input vector h = v_w:

- ``softmax`` (the NumPy trainer, SEED §2):  ℓ = logsumexp(z) − z_c
- ``negative`` (gensim, k negatives from the noise distribution q ∝ count^0.75, a negative
  equal to the target skipped):  ℓ = softplus(−z_c) + k Σ_{n≠c} q_n softplus(z_n)
  — the expectation over the negatives, so no fixed draw of them is needed;
- ``hs`` (gensim, hierarchical softmax): ℓ = Σ_j softplus(−s_j z_{node_j}) along the Huffman
  path of c, s_j = 1 − 2·code_j.

Summed over a centre word's contexts, each objective needs only one row of scores z per
centre word, so the exact value over all pairs costs O(V²·d) (:func:`exact`). When that is
too much next to an epoch, :func:`embedlab.train.objectives_sampled.estimate` measures it on a
random sample of pairs with the unbiased estimator of ‖∇J‖² and standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import TrainingCancelled
from embedlab.train.blas import blas_threads

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    import scipy.sparse

BLOCK_BYTES = 4 * 1024 * 1024  # one (rows, V) float64 block of scores: a measurement holds ~6 such arrays at once


_EXP_LIMIT = 80.0  # exp(80) is finite in float32


def _logistic_parts(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(softplus(−Z), σ(Z)) with one exp and one log, in Z's dtype, stable for any Z.

    σ(z) = 1/(1 + e^−z) and softplus(−z) = −log σ(z); below −80 the clipped part is added
    back exactly (softplus(−z) = −z there to float precision).
    """
    clipped = np.maximum(Z, -_EXP_LIMIT)
    sigma = np.exp(-clipped)
    sigma += 1
    np.reciprocal(sigma, out=sigma)
    softplus_neg = np.log(sigma)
    np.negative(softplus_neg, out=softplus_neg)
    softplus_neg += np.maximum(-_EXP_LIMIT - Z, 0)
    return softplus_neg, sigma


def _logistic_block(positive: np.ndarray, negative: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logistic terms with label-1 weights ``positive`` and label-0 weights ``negative`` (b, V)
    on the scores Z → (loss per row (b,), ∂loss/∂Z (b, V)).

    loss = Σ positive·softplus(−z) + negative·softplus(z), with softplus(z) = softplus(−z) + z;
    ∂loss/∂z = −positive(1 − σ) + negative·σ = (positive + negative)σ − positive.
    """
    softplus_neg, sigma = _logistic_parts(Z)
    both = positive + negative
    loss = np.einsum("bv,bv->b", both, softplus_neg, dtype=np.float64) + np.einsum(
        "bv,bv->b", negative, Z, dtype=np.float64
    )
    sigma *= both
    sigma -= positive
    return loss, sigma


class Softmax:
    """ℓ = logsumexp(z) − z_c; summed over counts K of a block: Σ_w n_w lse(z_w) − Σ K ⊙ z."""

    name = "softmax"

    def block(self, Z: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z (b, V) scores, K (b, V) pair counts → (loss per row (b,), ∂loss/∂Z (b, V)).

        Z is overwritten (it becomes the gradient)."""
        n = K.sum(axis=1)  # (b,) pairs per row
        target = np.einsum("bv,bv->b", K, Z, dtype=np.float64)  # Σ K ⊙ z, before Z changes
        m = Z.max(axis=1, keepdims=True)
        Z -= m
        np.exp(Z, out=Z)
        total = Z.sum(axis=1, keepdims=True, dtype=np.float64)
        lse = m[:, 0] + np.log(total[:, 0])  # (b,)
        Z *= (n[:, None] / total).astype(Z.dtype)  # n · P
        Z -= K
        return n * lse - target, Z


@dataclass(frozen=True)
class NegativeSampling:
    """gensim's negative-sampling loss in expectation over the k negatives per pair."""

    noise: np.ndarray  # (V,) q, sums to 1
    negative: int
    name: str = "negative"

    @classmethod
    def from_counts(cls, counts: np.ndarray, negative: int, exponent: float = 0.75) -> NegativeSampling:
        q = np.asarray(counts, dtype=np.float64) ** exponent
        return cls(q / q.sum(), int(negative))

    def block(self, Z: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = K.sum(axis=1, keepdims=True)  # (b, 1)
        negatives = (self.negative * self.noise[None, :]).astype(Z.dtype) * (
            n - K
        )  # expected negatives, not the target
        return _logistic_block(K, negatives, Z)  # K·softplus(−z) + negatives·softplus(z)


@dataclass(frozen=True)
class Hierarchical:
    """gensim's hierarchical softmax: one logistic term per node of the target's Huffman path."""

    positive: scipy.sparse.csr_array  # (V, V) [c, node] = 1 when node is on c's path with code 0
    negative: scipy.sparse.csr_array  # (V, V) the same for code 1
    name: str = "hs"

    @classmethod
    def from_paths(cls, codes: list, points: list, V: int) -> Hierarchical:
        rows, cols, signs = [], [], []
        for word, (code, point) in enumerate(zip(codes, points, strict=True)):
            rows += [word] * len(code)
            cols += list(point)
            signs += list(code)
        rows, cols, signs = np.array(rows), np.array(cols), np.array(signs)
        import scipy.sparse

        make = lambda mask: scipy.sparse.csr_array(  # noqa: E731
            (np.ones(mask.sum()), (rows[mask], cols[mask])), shape=(V, V)
        )
        return cls(make(signs == 0), make(signs == 1))

    def block(self, Z: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        plus = (self.positive.T @ K.T).T.astype(Z.dtype)  # (b, V) expected uses of each node with label 1
        minus = (self.negative.T @ K.T).T.astype(Z.dtype)
        return _logistic_block(plus, minus, Z)


def _check(should_stop: Callable[[], bool] | None) -> None:
    """Between two blocks: a measurement of a cancelled training stops within milliseconds."""
    if should_stop is not None and should_stop():
        raise TrainingCancelled("training stopped while measuring a snapshot.")


def _block_rows(V: int) -> int:
    return max(16, BLOCK_BYTES // (8 * max(V, 1)))


def penalty(W_in: np.ndarray, W_out: np.ndarray | None, l2: float) -> float:
    """λ(‖W_in‖² + ‖W_out‖²) in float64."""
    if not l2:
        return 0.0
    total = float(np.sum(np.square(W_in, dtype=np.float64)))
    if W_out is not None:
        total += float(np.sum(np.square(W_out, dtype=np.float64)))
    return l2 * total


def exact(
    objective,
    W_in: np.ndarray,
    W_out: np.ndarray,
    counts: scipy.sparse.csr_array,
    l2: float = 0.0,
    *,
    grads: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """J and ∇J over every pair: (loss, dW_in, dW_out), the mean over Σ counts.

    The products run in the inputs' precision (float32 snapshots: float32, float64 checks:
    float64); sums and the returned gradients are float64.

    counts: (V, V) expected pair counts, rows = input word, columns = predicted word. The
    loss is the mean per-pair loss plus λ(‖W_in‖² + ‖W_out‖²); with ``grads=False`` only the
    loss is computed (a third of the work).
    """
    V = W_in.shape[0]
    if counts.shape != (V, W_out.shape[0]):
        raise ValueError(f"counts has shape {counts.shape}; expected {(V, W_out.shape[0])}")
    total = float(counts.sum())
    if total <= 0:
        return float("nan"), None, None
    dtype = np.result_type(W_in.dtype, W_out.dtype, np.float32)  # float32 snapshots: float32 products
    W_out_c = np.asarray(W_out, dtype=dtype)
    rows = np.flatnonzero(np.asarray(counts.sum(axis=1)).ravel() > 0)
    loss = 0.0
    dW_in = np.zeros(W_in.shape) if grads else None
    dW_out = np.zeros(W_out.shape) if grads else None
    step = _block_rows(W_out.shape[0])
    with blas_threads(step * W_out.size):
        for start in range(0, len(rows), step):
            _check(should_stop)
            block = rows[start : start + step]
            H = np.asarray(W_in[block], dtype=dtype)  # (b, d) input vectors
            Z = H @ W_out_c.T  # (b, V) scores
            row_loss, C = objective.block(Z, counts[block].toarray().astype(dtype))
            loss += float(row_loss.sum())
            if grads:
                dW_in[block] = C @ W_out_c  # (b, d) each row once: the rows are distinct words
                dW_out += C.T @ H
    loss /= total
    if grads:
        dW_in /= total
        dW_out /= total
        if l2:
            dW_in += 2.0 * l2 * W_in
            dW_out += 2.0 * l2 * W_out
    return loss + penalty(W_in, W_out, l2), dW_in, dW_out
