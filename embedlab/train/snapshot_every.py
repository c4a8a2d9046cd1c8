"""Snapshots every k-th epoch (``train --snapshot-every K``), for runs whose every epoch would cost
too much disk: (epochs + 1) × V × d × 4 bytes, twice with output vectors.

The run keeps the snapshots after epochs 0, K, 2K, … and always the last, each measured as usual;
the epochs between are trained but neither stored nor measured. The run directory is the usual
one with fewer rows: row i of the arrays and of ``metrics.csv`` is the snapshot after training
epoch ``config.json["snapshot_epochs"][i]``, which ``metrics.csv``'s ``epoch`` column repeats.

:class:`EveryK` wraps any trainer so that :func:`embedlab.train.training.fit`'s one step trains K epochs;
nothing of the loop changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from embedlab.config import Limits, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks, Snapshot
from embedlab.store import Run


def snapshot_epochs(epochs: int, every: int) -> list[int]:
    """The epochs whose snapshots a run keeps: 0, every, 2·every, … and the last.

    >>> snapshot_epochs(10, 4), snapshot_epochs(6, 3), snapshot_epochs(3, 1)
    ([0, 4, 8, 10], [0, 3, 6], [0, 1, 2, 3])
    """
    if not isinstance(every, int) or every < 1:
        raise EmbedLabError(f"--snapshot-every must be a whole number of epochs, at least 1; got {every!r}.")
    kept = list(range(0, epochs + 1, every))
    return kept if kept[-1] == epochs else [*kept, epochs]


class EveryK:
    """A trainer whose step ``s`` trains epochs ``kept[s - 1] + 1 .. kept[s]`` of ``trainer``."""

    def __init__(self, trainer, kept: list[int]):
        self.trainer, self.kept = trainer, kept
        self.name = trainer.name

    @property
    def lr(self) -> float:
        return self.trainer.lr

    def __getattr__(self, name):  # the objective's needs (huffman_paths) and the like
        return getattr(self.trainer, name)

    def train_epoch(self, step: int, should_stop=None, progress: Callable[[float], None] | None = None) -> dict:
        first, last = self.kept[step - 1] + 1, self.kept[step]
        total = {"pairs": 0, "positions": 0, "words": 0}
        for epoch in range(first, last + 1):
            done = epoch - first

            def within(fraction: float, done=done) -> None:
                if progress is not None:
                    progress((done + fraction) / (last - first + 1))

            counts = self.trainer.train_epoch(epoch, should_stop, within)
            for key in total:
                if counts.get(key) is None:
                    total[key] = None
                elif total[key] is not None:
                    total[key] += counts[key]
        return total | {"lr": counts["lr"]}

    def snapshot(self, step: int) -> Snapshot:
        snapshot = self.trainer.snapshot(self.kept[step])
        return Snapshot(step, snapshot.input_vectors, snapshot.output_vectors, snapshot.live)


def write_every(
    write_run: Callable[..., Run],
    prepared,
    options: TrainOptions,
    trainer,
    measure,
    config: dict,
    out_dir: str | os.PathLike,
    hooks: Hooks | None,
    scorer,
    every: int,
) -> Run:
    """``write_run`` (:func:`embedlab.train.training.write_run`) keeping the snapshots of :func:`snapshot_epochs`."""
    kept = snapshot_epochs(options.epochs, every)
    config = config | {"snapshot_every": every, "snapshot_epochs": kept}
    steps = options.replace(epochs=len(kept) - 1)  # write_run sizes the arrays and the loop by it
    return write_run(
        prepared, steps, EveryK(trainer, kept), measure, config, out_dir, hooks, scorer,
        extra=lambda snapshot: {"epoch": kept[snapshot.epoch]},
    )  # fmt: skip


def train_every(
    prepared,
    options: TrainOptions,
    out_dir: str | os.PathLike,
    every: int,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer=None,
) -> Run:
    """:func:`embedlab.train.training.train` with the snapshots of :func:`snapshot_epochs` only."""
    from embedlab.text.prepared import check_feasible
    from embedlab.train.metrics import build_measure, objective_for, trainer_pairs
    from embedlab.train.training import make_trainer, run_config, write_run

    options = options.validate(limits)
    check_feasible(prepared, options, limits)
    stop = (hooks or Hooks()).stop_requested
    train_pairs = trainer_pairs(prepared.train, prepared.vocab.counts, options, stop)
    trainer = make_trainer(prepared.train, prepared.vocab, options, train_pairs)
    objective = objective_for(options, prepared.vocab.counts, trainer)
    counts = prepared.vocab.counts
    measure = build_measure(
        prepared.train, prepared.heldout, counts, options, objective, train_pairs, should_stop=stop
    )  # fmt: skip
    config = run_config(prepared, options, scorer) | measure.describe()
    return write_every(write_run, prepared, options, trainer, measure, config, out_dir, hooks, scorer, every)
