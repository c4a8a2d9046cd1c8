"""The size of a training job before it starts: positions per epoch, a batch size, flops.

The flops come from the cost model in :mod:`embedlab.train.metrics` (``numpy_epoch_flops``); how long a
job takes on this server is measured, not computed (:mod:`embedlab.train.job_estimate`, which also
refuses what would take too long).
"""

from __future__ import annotations

from embedlab.config import TrainOptions
from embedlab.text.prepared import Prepared
from embedlab.train.metrics import keep_for, numpy_epoch_flops


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


def work_estimate(prepared: Prepared, options: TrainOptions) -> dict:
    """The size of the NumPy trainer's job before it starts. Keys: positions, steps (per epoch),
    V, d, epochs, gflop (``metrics.numpy_epoch_flops`` over every epoch)."""
    positions = positions_per_epoch(prepared, options)
    V, d = len(prepared.vocab), options.dim
    return {
        "positions": positions,
        "steps": int(-(-positions // options.batch_size)),
        "V": V,
        "d": d,
        "epochs": options.epochs,
        "gflop": numpy_epoch_flops(positions, V, d) * options.epochs / 1e9,
    }
