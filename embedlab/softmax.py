"""The transparent trainer: skip-gram with a full softmax, in NumPy (SEED.md §2, §6).

    P(c | w) = exp(u_c · v_w) / Σ_c' exp(u_c' · v_w)
    L        = mean over the batch of −log P(c | w)  +  λ (‖W_in‖² + ‖W_out‖²)
    ∂L/∂v_w  = Σ_c' P(c'|w) u_c' − u_c           (one row of  (P − Y) @ W_out)
    ∂L/∂u_c' = (P(c'|w) − [c' = c]) v_w            (one row of  (P − Y)ᵀ @ H)
    W ← W − η ∂L/∂W

W_in holds the centre vectors v (rows = words), W_out the context vectors u. Everything is
float32 and batched: three matrix products per mini-batch, no Python loop over pairs.
"""

from __future__ import annotations

import numpy as np

from embedlab.errors import EmbedLabError
from embedlab.hooks import Snapshot
from embedlab.vocab import keep_probabilities, skipgram_pairs


def initial_vectors(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """gensim's initial input vectors, bit for bit: uniform in [−1/d, 1/d), float32.

    Same generator and the same float32 operations as ``gensim.models.keyedvectors.prep_vectors``,
    so both trainers start from identical epoch-0 vectors.

    >>> w = initial_vectors(3, 4, seed=1)
    >>> w.shape, w.dtype, bool(np.all(np.abs(w) <= 0.25))
    ((3, 4), dtype('float32'), True)
    """
    rng = np.random.default_rng(seed=seed)
    vectors = rng.random((vocab_size, dim), dtype=np.float32)  # [0, 1)
    vectors *= 2.0
    vectors -= 1.0
    vectors /= dim
    return vectors


def _check_shapes(W_in: np.ndarray, W_out: np.ndarray, centers: np.ndarray, contexts: np.ndarray) -> None:
    if W_in.ndim != 2 or W_in.shape != W_out.shape:
        raise ValueError(f"W_in {W_in.shape} and W_out {W_out.shape} must both be (V, d)")
    if centers.ndim != 1 or centers.shape != contexts.shape or len(centers) == 0:
        raise ValueError(f"centers {centers.shape} and contexts {contexts.shape} must be equal non-empty (B,)")
    V = W_in.shape[0]
    for name, ids in (("centers", centers), ("contexts", contexts)):
        if ids.min() < 0 or ids.max() >= V:
            raise ValueError(f"{name} must index rows 0..{V - 1}")


CACHE_BYTES = 2 * 1024 * 1024  # a core's L2 on current x86 servers: one block of logits rows fits


def softmax_xent_backward(logits: np.ndarray, contexts: np.ndarray) -> float:
    """Mean cross-entropy of a batch of logits; overwrites ``logits`` with ∂L/∂logits.

    logits (B, V) = H @ W_outᵀ; contexts (B,) the target columns. Afterwards ``logits`` holds
    (P − Y) / B, where P is the softmax of each row and Y the one-hot contexts. Stable: the
    row maximum is subtracted first (log-sum-exp), so −log P(c|w) = log Σ exp(z − m) − (z_c − m).

    The rows are worked through in blocks that fit in a core's cache, so the passes over a
    block (max, subtract, exp, sum, scale) read cache rather than memory; the row sums use
    ``np.einsum``, whose straight SIMD loop is several times faster than ``np.sum``'s pairwise one.

    >>> g = np.zeros((2, 4)); loss = softmax_xent_backward(g, np.array([0, 3]))
    >>> round(loss, 6) == round(float(np.log(4)), 6), g[0].tolist()
    (True, [-0.375, 0.125, 0.125, 0.125])
    """
    B, V = logits.shape
    if contexts.shape != (B,):
        raise ValueError(f"logits {logits.shape} need contexts of shape ({B},), got {contexts.shape}")
    step = max(16, CACHE_BYTES // (V * logits.itemsize))
    total = 0.0
    for start in range(0, B, step):
        block = logits[start : start + step]  # (b, V), a view
        targets = contexts[start : start + step]
        rows = np.arange(len(block))
        block -= block.max(axis=1, keepdims=True)  # z − m ≤ 0
        target = block[rows, targets]  # (b,) z_c − m, a copy
        np.exp(block, out=block)
        Z = np.einsum("ij->i", block)  # (b,) Σ exp(z − m) ≥ 1
        total += float(np.sum(np.log(Z) - target))
        block *= (1.0 / (Z * B))[:, None]  # P / B
        block[rows, targets] -= 1.0 / B  # (P − Y) / B
    return total / B


def softmax_loss_and_grads(
    W_in: np.ndarray, W_out: np.ndarray, centers: np.ndarray, contexts: np.ndarray, l2: float = 0.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean full-softmax cross-entropy of (centre, context) pairs plus λ(‖W_in‖² + ‖W_out‖²).

    W_in, W_out: (V, d); centers, contexts: (B,) row indices. Returns ``(loss, dW_in, dW_out)``
    with the gradients of that loss, same shapes as the matrices (float64 for checking).

    >>> W_in = np.array([[1.0, 0.0], [0.0, 1.0]]); W_out = np.zeros((2, 2))
    >>> loss, dW_in, dW_out = softmax_loss_and_grads(W_in, W_out, np.array([0]), np.array([1]))
    >>> round(loss, 6) == round(float(np.log(2)), 6), dW_out.tolist()
    (True, [[0.5, 0.0], [-0.5, 0.0]])
    """
    W_in = np.asarray(W_in, dtype=np.float64)
    W_out = np.asarray(W_out, dtype=np.float64)
    centers = np.asarray(centers)
    contexts = np.asarray(contexts)
    _check_shapes(W_in, W_out, centers, contexts)
    H = W_in[centers]  # (B, d) the centre vectors v_w
    G = H @ W_out.T  # (B, V) logits u_c' · v_w
    loss = softmax_xent_backward(G, contexts)  # G is now (P − Y) / B
    dW_out = G.T @ H  # (V, d)
    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, centers, G @ W_out)  # rows Σ_c' P(c'|w) u_c' − u_c, summed per word
    if l2:
        loss += l2 * float(np.sum(W_in**2) + np.sum(W_out**2))
        dW_in += 2.0 * l2 * W_in
        dW_out += 2.0 * l2 * W_out
    return loss, dW_in, dW_out


class SoftmaxTrainer:
    """Mini-batch SGD on the full-softmax skip-gram, one epoch per call.

    The pairs of each epoch are drawn as gensim's skip-gram draws them (subsampling, reduced
    window) from the training sentences, then shuffled. The learning rate decays linearly
    from ``lr`` to ``lr * min_lr_fraction`` over all batches of the run.
    """

    name = "numpy"
    objective = "softmax"

    def __init__(self, encoded: list[np.ndarray], counts: np.ndarray, options, initial: np.ndarray):
        V, d = initial.shape
        self.encoded = encoded
        self.options = options
        self.W_in = initial.copy()  # (V, d) centre vectors v
        self.W_out = np.zeros((V, d), dtype=np.float32)  # (V, d) context vectors u, zero as in gensim
        self.keep_prob = keep_probabilities(counts, options.sample)
        self.rng = np.random.default_rng(options.seed)
        self.lr0 = options.resolved_lr()
        self.lr_end = self.lr0 * options.min_lr_fraction
        self.lr = self.lr0
        self.total_epochs = options.epochs
        B = options.batch_size
        # buffers reused by every batch, so no step allocates (B, V) or (V, d) memory
        self._logits = np.empty((B, V), dtype=np.float32)
        self._dH = np.empty((B, d), dtype=np.float32)
        self._dW_out = np.empty((V, d), dtype=np.float32)

    def snapshot(self, epoch: int) -> Snapshot:
        return Snapshot(epoch, self.W_in.copy(), self.W_out.copy())

    def train_epoch(self, epoch: int) -> dict:
        """Run epoch ``epoch`` (1-based). Returns counts for the metrics row."""
        centres, contexts = skipgram_pairs(self.encoded, self.options.window, self.rng, keep_prob=self.keep_prob)
        pairs = np.stack([centres, contexts], axis=1)  # (N, 2) int32: centre, context
        del centres, contexts
        # in place: the same order as indexing by rng.permutation(N), without that (N,) int64
        # index and two shuffled copies held through the epoch (they grow with the corpus)
        self.rng.shuffle(pairs)
        B = self.options.batch_size
        n_batches = max(1, -(-len(pairs) // B))
        losses = np.empty(n_batches)
        for b, start in enumerate(range(0, len(pairs), B)):
            progress = ((epoch - 1) + b / n_batches) / self.total_epochs
            self.lr = self.lr0 + (self.lr_end - self.lr0) * progress
            batch = pairs[start : start + B]  # (b, 2)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
                losses[b] = self._sgd_step(batch[:, 0], batch[:, 1], self.lr)
            if not np.isfinite(losses[b]):
                raise EmbedLabError(
                    f"training diverged in epoch {epoch}: the loss became non-finite at learning rate "
                    f"{self.lr:.4g}; lower the learning rate (--lr) and train again."
                )
        return {"pairs": len(pairs), "words": int(sum(len(s) for s in self.encoded)), "lr": self.lr}

    def _sgd_step(self, centres: np.ndarray, contexts: np.ndarray, lr: float) -> float:
        """One SGD step on a batch; the same maths as ``softmax_loss_and_grads``, in place."""
        B = len(centres)
        H = self.W_in[centres]  # (B, d)
        G = np.matmul(H, self.W_out.T, out=self._logits[:B])  # (B, V) logits
        loss = softmax_xent_backward(G, contexts)  # G = (P − Y) / B
        dH = np.matmul(G, self.W_out, out=self._dH[:B])  # (B, d) ∂L/∂v_w, before W_out moves
        np.matmul(G.T, H, out=self._dW_out)  # (V, d) ∂L/∂W_out
        if self.options.l2:
            shrink = np.float32(1.0 - 2.0 * lr * self.options.l2)  # −η·2λW, the L2 gradient step
            self.W_out *= shrink
            self.W_in *= shrink
        self._dW_out *= np.float32(lr)
        self.W_out -= self._dW_out
        dH *= np.float32(lr)
        np.subtract.at(self.W_in, centres, dH)
        return loss
