"""The transparent trainer: skip-gram with a full softmax, in NumPy (SEED.md §2, §6).

First the formula a student reads beside SEED §2, one pair at a time:

    P(c | w) = exp(u_c · v_w) / Σ_c' exp(u_c' · v_w)
    L        = mean over the pairs of −log P(c | w)  +  λ (‖W_in‖² + ‖W_out‖²)
    ∂L/∂v_w  = Σ_c' P(c'|w) u_c' − u_c            (a row of (P − Y) @ W_out)
    ∂L/∂u_c' = (P(c'|w) − [c' = c]) v_w             (a row of (P − Y)ᵀ @ H)
    W ← W − η ∂L/∂W

Then the same maths grouped by centre position, which is how the trainer runs. P(·|w) is
the same for every context c of one centre, so summed over its n contexts (counts k):

    Σ_c −log P(c|w) = n · logsumexp(U v_w) − Σ_c k_c u_c · v_w
    ∂/∂v_w           = (n · P(·|w) − k) @ U
    ∂/∂U             = (n · P(·|w) − k)ᵀ v_w

one row of logits per centre instead of one per pair: the same loss and gradient with about
six times fewer flops (:func:`grouped_loss_and_grads`, tested equal to the per-pair formula).
W_in holds the centre vectors v (rows = words), W_out the context vectors u.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from embedlab.errors import TrainingCancelled, TrainingDiverged
from embedlab.hooks import Snapshot
from embedlab.text.vocab import Encoded, as_encoded, keep_probabilities, subsample
from embedlab.train.blas import blas_threads


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


# ---------------------------------------------------------------- the formula, pair by pair


def _check_shapes(W_in: np.ndarray, W_out: np.ndarray, centres: np.ndarray, contexts: np.ndarray) -> None:
    if W_in.ndim != 2 or W_in.shape != W_out.shape:
        raise ValueError(f"W_in {W_in.shape} and W_out {W_out.shape} must both be (V, d)")
    if centres.ndim != 1 or centres.shape != contexts.shape or len(centres) == 0:
        raise ValueError(f"centres {centres.shape} and contexts {contexts.shape} must be equal non-empty (B,)")
    V = W_in.shape[0]
    for name, ids in (("centres", centres), ("contexts", contexts)):
        if ids.min() < 0 or ids.max() >= V:
            raise ValueError(f"{name} must index rows 0..{V - 1}")


def softmax_loss_and_grads(
    W_in: np.ndarray, W_out: np.ndarray, centres: np.ndarray, contexts: np.ndarray, l2: float = 0.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean full-softmax cross-entropy of (centre, context) pairs plus λ(‖W_in‖² + ‖W_out‖²).

    W_in, W_out: (V, d); centres, contexts: (B,) row indices. Returns ``(loss, dW_in, dW_out)``
    in float64, line for line SEED §2.

    >>> W_in = np.array([[1.0, 0.0], [0.0, 1.0]]); W_out = np.zeros((2, 2))
    >>> loss, dW_in, dW_out = softmax_loss_and_grads(W_in, W_out, np.array([0]), np.array([1]))
    >>> round(loss, 6) == round(float(np.log(2)), 6), dW_out.tolist()
    (True, [[0.5, 0.0], [-0.5, 0.0]])
    """
    W_in = np.asarray(W_in, dtype=np.float64)
    W_out = np.asarray(W_out, dtype=np.float64)
    centres, contexts = np.asarray(centres), np.asarray(contexts)
    _check_shapes(W_in, W_out, centres, contexts)
    B = len(centres)
    H = W_in[centres]  # (B, d) the centre vectors v_w
    scores = H @ W_out.T  # (B, V) u_c' · v_w
    scores -= scores.max(axis=1, keepdims=True)  # stable: softmax does not change
    log_P = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))  # (B, V) log P(c'|w)
    rows = np.arange(B)
    loss = float(-log_P[rows, contexts].mean())  # mean −log P(c|w)
    P = np.exp(log_P)
    G = P.copy()
    G[rows, contexts] -= 1.0  # P − Y
    G /= B  # the mean over pairs
    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, centres, G @ W_out)  # Σ_c' P(c'|w) u_c' − u_c, summed per word
    dW_out = G.T @ H  # (P(c'|w) − [c' = c]) v_w
    if l2:
        loss += l2 * float(np.sum(W_in**2) + np.sum(W_out**2))
        dW_in += 2.0 * l2 * W_in
        dW_out += 2.0 * l2 * W_out
    return loss, dW_in, dW_out


# ---------------------------------------------------------------- grouped by centre position


CACHE_BYTES = 2 * 1024 * 1024  # a core's L2 on current x86 servers: one block of logits rows fits


def grouped_xent_backward(logits: np.ndarray, n: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    """Σ over the pairs of −log P(c|w) for rows of logits; overwrites ``logits`` with n·P − K.

    logits (b, V) = H @ W_outᵀ, one row per centre position; n (b,) its number of contexts;
    (rows, cols) the pairs (row of the centre, context word), K their counts. Stable: the
    row maximum is subtracted first. Worked through in blocks that fit in a core's cache.

    >>> z = np.zeros((1, 4)); loss = grouped_xent_backward(z, np.array([2.0]), np.array([0, 0]), np.array([1, 3]))
    >>> round(loss, 6) == round(2 * float(np.log(4)), 6), z[0].tolist()
    (True, [0.5, -0.5, 0.5, -0.5])
    """
    b, V = logits.shape
    target_sum = float(logits[rows, cols].sum())  # Σ_pairs z_c, read before the rows change
    step = max(16, CACHE_BYTES // (V * logits.itemsize))
    lse_sum = 0.0
    for start in range(0, b, step):
        block = logits[start : start + step]  # (s, V) a view
        m = block.max(axis=1, keepdims=True)
        block -= m
        np.exp(block, out=block)
        Z = np.einsum("ij->i", block)  # (s,) Σ exp(z − m) ≥ 1; einsum's SIMD loop beats np.sum here
        counts = n[start : start + step]
        lse_sum += float(np.dot(counts, np.log(Z) + m[:, 0]))
        block *= (counts / Z)[:, None].astype(block.dtype)  # n · P
    np.subtract.at(logits, (rows, cols), 1.0)  # n · P − K
    return lse_sum - target_sum


def grouped_loss_and_grads(
    W_in: np.ndarray, W_out: np.ndarray, centres: np.ndarray, rows: np.ndarray, cols: np.ndarray, l2: float = 0.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """The per-pair formula computed one softmax per centre position, for checking the kernel.

    centres (b,) the centre word of each position; pair j is (centres[rows[j]], cols[j]).
    Returns the same (mean loss, dW_in, dW_out) as :func:`softmax_loss_and_grads` on those
    pairs, in the dtype of the inputs.

    >>> W_in = np.eye(3); W_out = np.ones((3, 3))
    >>> a = grouped_loss_and_grads(W_in, W_out, np.array([0]), np.array([0, 0]), np.array([1, 2]))
    >>> b = softmax_loss_and_grads(W_in, W_out, np.array([0, 0]), np.array([1, 2]))
    >>> bool(np.isclose(a[0], b[0]) and np.allclose(a[1], b[1]) and np.allclose(a[2], b[2]))
    True
    """
    pairs = len(rows)
    n = np.bincount(rows, minlength=len(centres)).astype(W_in.dtype)
    H = W_in[centres]  # (b, d)
    G = H @ W_out.T  # (b, V)
    loss = grouped_xent_backward(G, n, rows, cols) / pairs
    G /= pairs
    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, centres, G @ W_out)
    dW_out = G.T @ H
    if l2:
        loss += l2 * float(np.sum(np.square(W_in, dtype=np.float64)) + np.sum(np.square(W_out, dtype=np.float64)))
        dW_in += 2.0 * l2 * W_in
        dW_out += 2.0 * l2 * W_out
    return loss, dW_in, dW_out


def window_contexts(
    tokens: np.ndarray, sentence_id: np.ndarray, positions: np.ndarray, reach: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every (position row, context word) of the centre positions ``positions`` (b,), each
    with its reduced window ``reach`` (b,): the tokens within reach in the same sentence."""
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2W,)
    where = positions[:, None] + offsets[None, :]  # (b, 2W)
    clipped = np.clip(where, 0, len(tokens) - 1)
    valid = (
        (where >= 0)
        & (where < len(tokens))
        & (sentence_id[clipped] == sentence_id[positions][:, None])
        & (np.abs(offsets)[None, :] <= reach[:, None])
    )
    rows, slot = np.nonzero(valid)
    return rows, tokens[clipped[rows, slot]]


class SoftmaxTrainer:
    """Mini-batch SGD on the full-softmax skip-gram, grouped by centre position.

    An epoch draws what gensim's skip-gram draws (a subsampling of frequent words, a window
    b in 1..W per centre), shuffles the centre positions and takes them ``batch_size`` at a
    time, each with all its contexts. The gradient of a batch is the sum over its pairs
    divided by the *expected* number of pairs in a batch, ``batch_size × pairs_per_position``:
    every pair gets the same step η/(that number), the last partial batch included, and a
    batch's expected step is exactly η ∇J for the mean per-pair loss J. The learning rate
    decays linearly from ``lr`` to ``lr × min_lr_fraction`` over all batches of the run.

    ``initial_out`` (default zeros, as in gensim) and ``epoch_offset`` let a run continue
    from another's last snapshot (fine-tuning).
    """

    name = "numpy"

    def __init__(
        self,
        encoded,
        counts: np.ndarray,
        options,
        initial: np.ndarray,
        *,
        pairs_per_position: float,
        initial_out: np.ndarray | None = None,
    ):
        V, d = initial.shape
        self.encoded: Encoded = as_encoded(encoded)
        self.options = options
        self.W_in = np.array(initial, dtype=np.float32)  # (V, d) centre vectors v
        self.W_out = np.zeros((V, d), np.float32) if initial_out is None else np.array(initial_out, np.float32)
        sample = options.resolved_sample()
        self.keep_prob = keep_probabilities(counts, sample) if sample > 0 else None
        self.rng = np.random.default_rng(options.seed)
        self.lr0 = options.resolved_lr()
        self.lr_end = self.lr0 * options.min_lr_fraction
        self.lr = self.lr0
        self.total_epochs = options.epochs
        self.batch_pairs = float(options.batch_size * max(pairs_per_position, 1e-12))  # the divisor
        B = options.batch_size
        self._logits = np.empty((B, V), dtype=np.float32)  # reused by every batch
        self._dH = np.empty((B, d), dtype=np.float32)
        self._dW_out = np.empty((V, d), dtype=np.float32)

    def snapshot(self, epoch: int) -> Snapshot:
        return Snapshot(epoch, self.W_in.copy(), self.W_out.copy())

    def train_epoch(
        self,
        epoch: int,
        should_stop: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> dict:
        """Run epoch ``epoch`` (1-based). ``should_stop()`` is asked between batches
        (TrainingCancelled); ``progress(fraction)`` is told how far the epoch is."""
        tokens, sentence_id = subsample(self.encoded, self.keep_prob, self.rng)
        reach = self.rng.integers(1, self.options.window + 1, size=len(tokens)).astype(np.int32)  # b_i
        order = self.rng.permutation(len(tokens)).astype(np.int32)  # shuffled centre positions
        B = self.options.batch_size
        n_batches = max(1, -(-len(order) // B))
        with blas_threads(B * self.W_in.size):
            pairs = self._epoch_batches(epoch, tokens, sentence_id, reach, order, n_batches, should_stop, progress)
        return {"pairs": pairs, "positions": len(order), "words": self.encoded.n_tokens, "lr": self.lr}

    def _epoch_batches(self, epoch, tokens, sentence_id, reach, order, n_batches, should_stop, progress) -> int:
        """The SGD steps of one epoch; returns the number of pairs trained."""
        B = self.options.batch_size
        pairs = 0
        for b, start in enumerate(range(0, len(order), B)):
            if should_stop is not None and should_stop():
                raise TrainingCancelled(f"training stopped during epoch {epoch}.")
            fraction = ((epoch - 1) + b / n_batches) / self.total_epochs
            self.lr = self.lr0 + (self.lr_end - self.lr0) * fraction
            positions = order[start : start + B]
            rows, cols = window_contexts(tokens, sentence_id, positions, reach[positions], self.options.window)
            if len(rows) == 0:
                continue
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
                loss = self._sgd_step(tokens[positions], rows, cols, self.lr)
            if not np.isfinite(loss):
                raise TrainingDiverged.at(epoch, lr=self.lr)
            pairs += len(rows)
            if progress is not None and b % 16 == 0:
                progress(b / n_batches)
        return pairs

    def _sgd_step(self, centres: np.ndarray, rows: np.ndarray, cols: np.ndarray, lr: float) -> float:
        """One SGD step for centre positions with their contexts; returns Σ −log P over the pairs."""
        b = len(centres)
        n = np.bincount(rows, minlength=b).astype(np.float32)  # (b,) contexts per position
        H = self.W_in[centres]  # (b, d)
        G = np.matmul(H, self.W_out.T, out=self._logits[:b])  # (b, V) logits
        loss = grouped_xent_backward(G, n, rows, cols)  # G = n·P − K
        scale = np.float32(lr / self.batch_pairs)  # the same step η/(expected pairs per batch) for every pair
        dH = np.matmul(G, self.W_out, out=self._dH[:b])  # (b, d) before W_out moves
        H *= scale  # the step's scale on the (b, d) factor: one pass less over the (V, d) product
        np.matmul(G.T, H, out=self._dW_out)  # (V, d) η/pairs · ∂L/∂W_out
        if self.options.l2:
            shrink = np.float32(1.0 - 2.0 * lr * self.options.l2)  # −η·2λW, the L2 gradient step
            self.W_out *= shrink
            self.W_in *= shrink
        self.W_out -= self._dW_out
        dH *= scale
        np.subtract.at(self.W_in, centres, dH)
        return loss
