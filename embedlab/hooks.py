"""The small protocol every training loop calls, so a progress bar, ``st.progress`` and a cancel
button are just different callers (after gensim's ``CallbackAny2Vec``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Snapshot:
    """The two weight matrices after ``epoch`` epochs (0 = before any training)."""

    epoch: int
    input_vectors: np.ndarray  # (V, d) float32, centre vectors v
    output_vectors: np.ndarray  # (V, d) float32, context/output weights u


@dataclass
class Hooks:
    """``on_epoch(epoch, snapshot, metrics)`` after each snapshot (epoch 0 included);
    ``on_progress(epoch, fraction)`` during an epoch; ``should_stop()`` is asked between
    batches and stops training (TrainingCancelled)."""

    on_epoch: Callable[[int, Snapshot, dict], None] | None = None
    should_stop: Callable[[], bool] | None = None
    on_progress: Callable[[int, float], None] | None = None

    def epoch_done(self, snapshot: Snapshot, metrics: dict) -> None:
        if self.on_epoch is not None:
            self.on_epoch(snapshot.epoch, snapshot, metrics)

    def stop_requested(self) -> bool:
        return self.should_stop is not None and bool(self.should_stop())

    def progress(self, epoch: int, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(epoch, fraction)
