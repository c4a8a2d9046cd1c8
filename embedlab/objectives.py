"""The objective each trainer actually optimises, measured exactly over all training pairs.

Training draws pairs at random (subsampling, a reduced window per centre, gensim's negative
samples). What it minimises is the *expectation* of the per-pair loss over that draw:

    J(W) = Σ_{w,c} N_wc · ℓ(w, c) / Σ_{w,c} N_wc  (+ λ(‖W_in‖² + ‖W_out‖²) for L2)

with N the expected pair counts of one pass (:func:`embedlab.vocab.expected_pair_counts`).
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
too much next to an epoch, :func:`estimate` measures it on a random sample of pairs with
the unbiased estimator of ‖∇J‖² and standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from embedlab.blas import blas_threads
from embedlab.errors import TrainingCancelled
from embedlab.vocab import as_encoded, subsample

BLOCK_BYTES = 16 * 1024 * 1024  # one (rows, V) float64 block of scores


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
        softplus_neg, sigma = _logistic_parts(Z)
        both = K + negatives
        # K·softplus(−z) + negatives·softplus(z), with softplus(z) = softplus(−z) + z
        loss = np.einsum("bv,bv->b", both, softplus_neg, dtype=np.float64) + np.einsum(
            "bv,bv->b", negatives, Z, dtype=np.float64
        )
        sigma *= both
        sigma -= K  # −K(1 − σ) + negatives·σ
        return loss, sigma


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
        make = lambda mask: scipy.sparse.csr_array(  # noqa: E731
            (np.ones(mask.sum()), (rows[mask], cols[mask])), shape=(V, V)
        )
        return cls(make(signs == 0), make(signs == 1))

    def block(self, Z: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        plus = (self.positive.T @ K.T).T.astype(Z.dtype)  # (b, V) expected uses of each node with label 1
        minus = (self.negative.T @ K.T).T.astype(Z.dtype)
        softplus_neg, sigma = _logistic_parts(Z)
        both = plus + minus
        loss = np.einsum("bv,bv->b", both, softplus_neg, dtype=np.float64) + np.einsum(
            "bv,bv->b", minus, Z, dtype=np.float64
        )
        sigma *= both
        sigma -= plus  # −plus(1 − σ) + minus·σ
        return loss, sigma


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


# ---------------------------------------------------------------- estimated on a sample


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
    with blas_threads(_block_rows(W_out.shape[0]) * W_out.size):
        return _estimate(objective, W_in, W_out, examples, l2, should_stop)


def _estimate(
    objective,
    W_in: np.ndarray,
    W_out: np.ndarray,
    examples: Examples,
    l2: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
) -> Estimate:
    """The body of :func:`estimate`."""
    n = len(examples)
    if n < 2:
        raise ValueError(f"estimate needs at least 2 examples; got {n}")
    dtype = np.result_type(W_in.dtype, W_out.dtype, np.float32)
    W_out64 = np.asarray(W_out, dtype=dtype)
    mean_in, mean_out = np.zeros(W_in.shape), np.zeros(W_out.shape)
    losses, sq_norms = np.empty(n), np.empty(n)
    step = _block_rows(W_out.shape[0])

    def blocks():
        for start in range(0, n, step):
            _check(should_stop)
            part = slice(start, start + step)
            inputs, targets = examples.inputs[part], examples.targets[part]
            H, weights = _hidden(W_in, inputs, dtype)
            K = np.zeros((len(targets), W_out.shape[0]), dtype=dtype)
            K[np.arange(len(targets)), targets] = 1.0
            row_loss, C = objective.block(H @ W_out64.T, K)
            yield part, inputs, weights, H, row_loss, C, C @ W_out64  # dh (b, d)

    for part, inputs, weights, H, row_loss, C, dH in blocks():
        losses[part] = row_loss
        sq_norms[part] = np.einsum("bv,bv->b", C, C) * np.einsum("bd,bd->b", H, H) + np.einsum(
            "bd,bd->b", dH, dH
        ) * _input_weight_norms(inputs, weights)
        mean_out += C.T @ H
        valid = inputs >= 0
        np.add.at(mean_in, inputs[valid], (weights[:, :, None] * dH[:, None, :])[valid])
    mean_in /= n
    mean_out /= n
    r_in = 2.0 * l2 * np.asarray(W_in, np.float64)  # the L2 part of ∇J, known exactly
    r_out = 2.0 * l2 * W_out64

    def dots(G_in: np.ndarray, G_out: np.ndarray) -> np.ndarray:
        """x_i · G for every example (G a pair of (V, d) arrays)."""
        out = np.empty(n)
        for part, inputs, weights, H, _, C, dH in blocks():
            in_part = np.einsum("bm,bmd,bd->b", weights, G_in[np.maximum(inputs, 0)], dH)
            out[part] = np.einsum("bv,bv->b", C, H @ G_out.T) + in_part
        return out

    along = dots(mean_in, mean_out)  # x_i · x̄
    along_r = dots(r_in, r_out) if l2 else np.zeros(n)  # x_i · r
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
    return Estimate(
        loss=float(losses.mean()) + penalty(W_in, W_out, l2),
        loss_se=float(losses.std(ddof=1) / np.sqrt(n)),
        grad_norm=norm,
        grad_norm_se=norm_se,
        examples=n,
    )


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
    for start in range(0, len(examples), step):
        _check(should_stop)
        part = slice(start, start + step)
        H, _ = _hidden(W_in, examples.inputs[part], dtype)
        targets = examples.targets[part]
        K = np.zeros((len(targets), W_out.shape[0]), dtype=dtype)
        K[np.arange(len(targets)), targets] = 1.0
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
