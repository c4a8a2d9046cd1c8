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
    live: bool = False  # the trainer's own arrays, valid until it trains again: whoever keeps them copies


@dataclass
class Hooks:
    """``on_epoch(epoch, snapshot, metrics)`` after each snapshot (epoch 0 included);
    ``on_progress(epoch, fraction)`` during an epoch; ``should_stop()`` is asked between
    batches and stops training (TrainingCancelled); ``on_work(runs done, share)`` reports how
    much of a piece of work made of many runs (a sweep, stability runs, fine-tuning) is done."""

    on_epoch: Callable[[int, Snapshot, dict], None] | None = None
    should_stop: Callable[[], bool] | None = None
    on_progress: Callable[[int, float], None] | None = None
    on_work: Callable[[int, float], None] | None = None

    def epoch_done(self, snapshot: Snapshot, metrics: dict) -> None:
        if self.on_epoch is not None:
            self.on_epoch(snapshot.epoch, snapshot, metrics)

    def stop_requested(self) -> bool:
        return self.should_stop is not None and bool(self.should_stop())

    def progress(self, epoch: int, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(epoch, fraction)

    def work(self, done: int, share: float) -> None:
        if self.on_work is not None:
            self.on_work(done, share)

    def for_run(self, done: int, total: int, epochs: int, first_epoch: int = 0) -> Hooks:
        """The hooks of run ``done`` (0-based) of ``total`` runs of ``epochs`` epochs each (numbered
        from ``first_epoch`` + 1): its progress within an epoch becomes this work's share, its stop
        is this work's stop.

        >>> shares = []
        >>> Hooks(on_work=lambda done, share: shares.append(share)).for_run(1, 4, 10).progress(5, 0.5)
        >>> shares
        [0.3625]
        """

        def on_progress(epoch: int, fraction: float) -> None:
            self.work(done, (done + (epoch - first_epoch - 1 + fraction) / epochs) / total)

        return Hooks(should_stop=self.should_stop, on_progress=on_progress)
