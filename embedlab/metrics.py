"""Per-snapshot metrics: each trainer's own objective on fixed samples, ‖∇L‖, norms, movement.

gensim's running loss is cumulative per ``train()`` call and loses float32 precision
(gensim issues #2617, #2735), so we never read it: at every snapshot we evaluate the
objective ourselves, in float64, on a fixed sample of training pairs and one of held-out
pairs drawn once per run.

- NumPy trainer: the full-softmax cross-entropy plus its L2 term (``softmax.py``).
- gensim, negative sampling: −log σ(u_c·h) − Σ_k log σ(−u_k·h), with the k negatives drawn
  once from the unigram^0.75 distribution and then fixed, so epochs are comparable.
- gensim, hierarchical softmax: −Σ_j log σ((1 − 2·code_j) u_{point_j}·h) along the word's
  Huffman path (the objective gensim's update climbs).

h is the input vector of the centre word (skip-gram) or the mean of the context words'
input vectors (CBOW, gensim's ``cbow_mean=1``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlab.softmax import softmax_loss_and_grads
from embedlab.vocab import skipgram_pairs

CHUNK = 256  # rows per block, so a (chunk, V) softmax fits in memory for any V


@dataclass(frozen=True)
class Examples:
    """Fixed examples for an objective. inputs (N, K) rows of W_in averaged into h, −1 = padding;
    targets (N,) the predicted word; out_rows/labels (N, M) the logistic terms (−1 = unused)."""

    inputs: np.ndarray
    targets: np.ndarray
    out_rows: np.ndarray | None = None
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.targets)


def sample_skipgram(encoded, window: int, n: int, seed: int) -> Examples:
    """Up to ``n`` (centre → context) pairs drawn uniformly, without subsampling."""
    rng = np.random.default_rng(seed)
    centres, contexts = skipgram_pairs(encoded, window, rng)
    if len(centres) > n:
        pick = np.sort(rng.choice(len(centres), n, replace=False))
        centres, contexts = centres[pick], contexts[pick]
    return Examples(centres[:, None].astype(np.int64), contexts.astype(np.int64))


def sample_cbow(encoded, window: int, n: int, seed: int) -> Examples:
    """Up to ``n`` (context window → centre) examples, each window reduced as gensim does."""
    rng = np.random.default_rng(seed)
    positions = [(s, i) for s, sent in enumerate(encoded) for i in range(len(sent)) if len(sent) > 1]
    if len(positions) > n:
        positions = [positions[i] for i in np.sort(rng.choice(len(positions), n, replace=False))]
    inputs = np.full((len(positions), 2 * window), -1, dtype=np.int64)
    targets = np.empty(len(positions), dtype=np.int64)
    for row, (s, i) in enumerate(positions):
        sent = encoded[s]
        b = rng.integers(1, window + 1)
        ctx = np.concatenate([sent[max(0, i - b) : i], sent[i + 1 : i + 1 + b]])
        inputs[row, : len(ctx)] = ctx
        targets[row] = sent[i]
    return Examples(inputs, targets)


def with_negatives(examples: Examples, counts: np.ndarray, negative: int, seed: int) -> Examples:
    """Attach a fixed set of k negatives per example, drawn from unigram^0.75 like gensim."""
    rng = np.random.default_rng(seed)
    p = counts.astype(np.float64) ** 0.75
    negs = rng.choice(len(counts), size=(len(examples), negative), p=p / p.sum())
    negs[negs == examples.targets[:, None]] = -1  # gensim skips a negative equal to the target
    out_rows = np.concatenate([examples.targets[:, None], negs], axis=1)
    labels = np.zeros(out_rows.shape, dtype=np.float64)
    labels[:, 0] = 1.0
    return Examples(examples.inputs, examples.targets, out_rows, labels)


def with_huffman_paths(examples: Examples, codes: list, points: list) -> Examples:
    """Attach each target's Huffman path: rows of syn1 and labels 1 − code."""
    depth = max(len(c) for c in codes)
    out_rows = np.full((len(examples), depth), -1, dtype=np.int64)
    labels = np.zeros((len(examples), depth), dtype=np.float64)
    for row, t in enumerate(examples.targets):
        L = len(codes[t])
        out_rows[row, :L] = points[t]
        labels[row, :L] = 1.0 - np.asarray(codes[t], dtype=np.float64)
    return Examples(examples.inputs, examples.targets, out_rows, labels)


def _hidden(W_in: np.ndarray, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h = mean of the valid input rows; returns (h (N, d), mask (N, K) / count)."""
    mask = (inputs >= 0).astype(np.float64)
    count = np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
    weights = mask / count
    h = np.einsum("nk,nkd->nd", weights, W_in[np.maximum(inputs, 0)])
    return h, weights


def logistic_loss_and_grads(
    W_in: np.ndarray, W_out: np.ndarray, examples: Examples
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean over examples of −Σ_m [y log σ(u_m·h) + (1 − y) log σ(−u_m·h)] and its gradients."""
    W_in = np.asarray(W_in, dtype=np.float64)
    W_out = np.asarray(W_out, dtype=np.float64)
    N = len(examples)
    h, weights = _hidden(W_in, examples.inputs)  # (N, d)
    valid = examples.out_rows >= 0  # (N, M)
    rows = np.maximum(examples.out_rows, 0)
    U = W_out[rows]  # (N, M, d)
    score = np.einsum("nmd,nd->nm", U, h)  # u_m · h
    sign = 2.0 * examples.labels - 1.0  # +1 for y = 1, −1 for y = 0
    loss = float(np.sum(np.logaddexp(0.0, -sign * score) * valid)) / N  # −log σ(sign·score)
    g = (1.0 / (1.0 + np.exp(-score)) - examples.labels) * valid / N  # ∂L/∂score = σ − y
    dW_out = np.zeros_like(W_out)
    np.add.at(dW_out, rows, g[:, :, None] * h[:, None, :])
    dh = np.einsum("nm,nmd->nd", g, U)  # (N, d)
    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, np.maximum(examples.inputs, 0), weights[:, :, None] * dh[:, None, :])
    return loss, dW_in, dW_out


def objective_loss_and_grads(
    objective: str, W_in: np.ndarray, W_out: np.ndarray, examples: Examples, l2: float = 0.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """The trainer's objective on ``examples``, chunked so memory stays O(CHUNK·V)."""
    N = len(examples)
    loss = 0.0
    dW_in = np.zeros(W_in.shape)
    dW_out = np.zeros(W_out.shape)
    for start in range(0, N, CHUNK):
        part = slice(start, start + CHUNK)
        if objective == "softmax":
            chunk_loss, g_in, g_out = softmax_loss_and_grads(
                W_in, W_out, examples.inputs[part, 0], examples.targets[part]
            )
        else:
            chunk = Examples(
                examples.inputs[part], examples.targets[part], examples.out_rows[part], examples.labels[part]
            )
            chunk_loss, g_in, g_out = logistic_loss_and_grads(W_in, W_out, chunk)
        share = len(examples.targets[part]) / N  # chunk means → overall mean
        loss += share * chunk_loss
        dW_in += share * g_in
        dW_out += share * g_out
    if l2:
        loss += l2 * float(np.sum(np.square(W_in, dtype=np.float64)) + np.sum(np.square(W_out, dtype=np.float64)))
        dW_in += 2.0 * l2 * W_in
        dW_out += 2.0 * l2 * W_out
    return loss, dW_in, dW_out


def snapshot_metrics(
    objective: str,
    W_in: np.ndarray,
    W_out: np.ndarray,
    previous_W_in: np.ndarray | None,
    train_examples: Examples,
    heldout_examples: Examples | None,
    l2: float = 0.0,
) -> dict:
    """loss, heldout_loss, grad_norm = ‖(∂L/∂W_in, ∂L/∂W_out)‖, mean_norm = mean ‖v_w‖,
    displacement = mean ‖v_w(t) − v_w(t−1)‖ (0 at epoch 0), penalty = λ(‖W_in‖² + ‖W_out‖²)."""
    loss, dW_in, dW_out = objective_loss_and_grads(objective, W_in, W_out, train_examples, l2)
    if heldout_examples is not None and len(heldout_examples):
        heldout_loss = objective_loss_and_grads(objective, W_in, W_out, heldout_examples, l2)[0]
    else:
        heldout_loss = float("nan")
    grad_norm = float(np.sqrt(np.sum(dW_in**2) + np.sum(dW_out**2)))
    norms = np.linalg.norm(W_in.astype(np.float64), axis=1)
    if previous_W_in is None:
        displacement = 0.0
    else:
        displacement = float(np.mean(np.linalg.norm((W_in - previous_W_in).astype(np.float64), axis=1)))
    penalty = l2 * float(np.sum(np.square(W_in, dtype=np.float64)) + np.sum(np.square(W_out, dtype=np.float64)))
    return {
        "loss": loss,
        "heldout_loss": heldout_loss,
        "grad_norm": grad_norm,
        "mean_norm": float(norms.mean()),
        "displacement": displacement,
        "penalty": penalty,
    }
