"""The size of a training job before it starts: positions per epoch, a batch size, flops, seconds.

The NumPy trainer's cost is its products: each centre position costs three (1 × V)·(V × d)
products in the full softmax, whatever its number of contexts. The pages and the job
scheduler size a run with these before they start it (:mod:`embedlab.jobs` refuses what
would take too long).
"""

from __future__ import annotations

import time

import numpy as np

from embedlab.config import TrainOptions
from embedlab.metrics import keep_for
from embedlab.prepared import Prepared


def positions_per_epoch(prepared: Prepared, options: TrainOptions) -> float:
    """Expected centre positions in one epoch after subsampling (the NumPy trainer's rows)."""
    keep = keep_for(prepared.vocab.counts, options)
    return float(prepared.train.n_tokens if keep is None else keep[prepared.train.tokens].sum())


def suggested_batch_size(positions: float, steps: int = 50, low: int = 16, high: int = 512) -> int:
    """The largest power of two in [low, high] that still gives at least ``steps`` SGD steps an epoch.

    >>> suggested_batch_size(1_000_000), suggested_batch_size(5_000), suggested_batch_size(100)
    (512, 64, 16)
    """
    batch = high
    while batch > low and positions / batch < steps:
        batch //= 2
    return batch


def work_estimate(prepared: Prepared, options: TrainOptions, seconds_per_gflop: float | None = None) -> dict:
    """The size of the NumPy trainer's job before it starts.

    Each centre position costs three (1 × V)·(V × d) products in the full softmax (logits, ∂v,
    ∂U), whatever its number of contexts: 6·V·d flops. ``seconds_per_gflop`` measured on this
    machine (e.g. by :func:`measure_speed`) turns that into a time. Keys: positions, steps
    (per epoch), V, d, epochs, gflop, seconds (None without a speed).
    """
    positions = positions_per_epoch(prepared, options)
    V, d = len(prepared.vocab), options.dim
    flops = 6.0 * positions * V * d * options.epochs
    return {
        "positions": positions,
        "steps": int(-(-positions // options.batch_size)),
        "V": V,
        "d": d,
        "epochs": options.epochs,
        "gflop": flops / 1e9,
        "seconds": flops / 1e9 * seconds_per_gflop if seconds_per_gflop else None,
    }


def measure_speed(V: int = 2000, d: int = 50, batch: int = 256, seconds: float = 0.1) -> float:
    """Seconds per GFLOP of the NumPy trainer's kernel on this machine now: its three products,
    repeated for ``seconds`` after a warm-up (which starts BLAS's threads), the fastest kept."""
    rng = np.random.default_rng(0)
    W = rng.random((V, d), dtype=np.float32)
    H = rng.random((batch, d), dtype=np.float32)
    G = H @ W.T  # warm-up
    best, started, repeats = float("inf"), time.perf_counter(), 0
    while repeats < 3 or time.perf_counter() - started < seconds:
        began = time.perf_counter()
        G = H @ W.T
        G @ W
        G.T @ H
        best = min(best, time.perf_counter() - began)
        repeats += 1
    return best / (6.0 * batch * V * d / 1e9)
