"""Training on a streamed corpus (:mod:`embedlab.text.streamed`): memory set by V × d, not by the text.

run = train_streamed(streamed, TrainOptions(trainer="gensim", dim=100), "runs/big")

gensim reads the training sentences itself (``corpus_file``: its own reader, threads that do not
share Python's lock); the measurements' pairs are drawn from the rows on disk
(:func:`embedlab.text.pair_draws.draw_pairs`), or counted block by block when exact measurements are cheap; everything
else is :func:`embedlab.train.training.write_run`, the loop every run goes through. The NumPy trainer,
capped at a vocabulary whose full softmax one machine can afford, reads the rows into memory and
trains as :func:`embedlab.train.training.train` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from embedlab.config import Limits, Seeds, TrainOptions
from embedlab.errors import TrainingCancelled
from embedlab.hooks import Hooks, Snapshot
from embedlab.store import Run
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.prepared import check_feasible
from embedlab.text.streamed import Streamed, blocks, give_back_freed_memory, read_tokens
from embedlab.text.vocab import Encoded
from embedlab.train.gensim_trainer import GensimTrainer
from embedlab.train.metrics import (
    MAX_EXAMPLES,
    NEGATIVE_DRAWS,
    Measure,
    _draws_negatives,
    _plan,
    drawn_pairs,
    keep_for,
    objective_for,
)
from embedlab.train.objectives_sampled import Examples, draw_negatives, sample_cbow
from embedlab.train.snapshot_every import train_every, write_every
from embedlab.train.softmax import initial_vectors
from embedlab.train.training import Scorer, run_config, train, write_run

Progress = Callable[[str, float], None]


class FileGensimTrainer(GensimTrainer):
    """:class:`GensimTrainer` fed by ``corpus_file`` (one sentence a line, in-vocabulary words) instead
    of an iterable. gensim's file workers report when they finish their part of the file, not
    before, so there is no progress within an epoch, and a stop is seen when the epoch ends."""

    def __init__(self, train_file, encoded: Encoded, words, counts, options: TrainOptions, *, initial=None):
        super().__init__(encoded, words, counts, options, initial=initial)
        self.train_file = str(train_file)
        self._last = None  # no copies held between epochs: see snapshot

    def snapshot(self, epoch: int) -> Snapshot:
        """gensim's own arrays, live: :func:`~embedlab.train.training.fit` measures and writes a
        snapshot before the next epoch moves them, and copies the input vectors only once they are
        measured (the next step's displacement is from them). One (V, d) copy held, not two, while
        a snapshot is measured."""
        return Snapshot(epoch, self.model.wv.vectors, self._output_weights(), live=True)

    def train_epoch(self, epoch: int, should_stop=None, progress=None) -> dict:
        E = self.options.epochs
        start = self.alpha - (self.alpha - self.min_alpha) * (epoch - 1) / E
        end = self.alpha - (self.alpha - self.min_alpha) * epoch / E
        model, total = self.model, self.encoded.n_tokens
        model.train(
            corpus_file=self.train_file,
            total_words=total,
            total_examples=len(self.encoded),
            epochs=1,
            start_alpha=start,
            end_alpha=end,
        )
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"training stopped during epoch {epoch}.")
        model.wv.fill_norms(force=True)
        self.lr = end
        return {"pairs": None, "positions": total, "words": total, "lr": end}


def _pair_counts_by_blocks(encoded: Encoded, options: TrainOptions, V: int, keep, should_stop):
    """Expected pair counts summed over blocks of whole sentences (pairs never cross a sentence)."""
    total = None
    for part in blocks(encoded):
        counts = expected_pair_counts(part, options.window, V, keep, should_stop=should_stop)
        total = counts if total is None else total + counts
    return total


def streamed_measure(streamed: Streamed, options: TrainOptions, objective, should_stop=None) -> Measure:
    """The metrics of a streamed run: exact when the cost rule of :func:`embedlab.train.metrics.metric_plan`
    allows (pair counts summed block by block), else estimated on pairs drawn by :func:`embedlab.text.pair_draws.draw_pairs`."""
    prepared = streamed.prepared
    counts, V = prepared.vocab.counts, len(prepared.vocab)
    keep = keep_for(counts, options)
    train, heldout = prepared.train, prepared.heldout
    positions = float(sum(part.n_tokens if keep is None else keep[part.tokens].sum() for part in blocks(train)))
    cbow = options.sg == 0
    if cbow:  # CBOW's examples are drawn from one subsampling draw of the whole text
        n = MAX_EXAMPLES
        train_examples = sample_cbow(train, options.window, keep, n, Seeds.METRICS)
        heldout_examples = sample_cbow(heldout, options.window, keep, n, Seeds.METRICS + 1) if len(heldout) else None
        return _estimated(objective, options, train_examples, heldout_examples)
    drawn, pairs = drawn_pairs(train, options, keep, MAX_EXAMPLES, Seeds.METRICS, should_stop)
    method, n, _ = _plan(options, float(V), pairs, positions, V)  # every word has pairs, or nearly
    if method == "exact":
        train_pairs = _pair_counts_by_blocks(train, options, V, keep, should_stop)
        heldout_pairs = _pair_counts_by_blocks(heldout, options, V, keep, should_stop) if len(heldout) else None
        return Measure(objective, 0.0, "exact", train_pairs=train_pairs, heldout_pairs=heldout_pairs)
    heldout_examples = None
    if len(heldout):
        heldout_examples = drawn_pairs(heldout, options, keep, n, Seeds.METRICS + 1, should_stop)[0]
    train_examples = Examples(drawn.inputs[:n], drawn.targets[:n])  # a random n of iid draws are iid
    return _estimated(objective, options, train_examples, heldout_examples)


def _estimated(objective, options: TrainOptions, train_examples: Examples, heldout_examples) -> Measure:
    """Estimated metrics on these examples; with gensim's negative sampling, each example carries its
    drawn noise words (as :func:`embedlab.train.metrics.build_measure` draws them): scoring all V words
    an example costs more than the epoch it measures once V is in the hundred thousands."""
    if _draws_negatives(options):
        train_examples = draw_negatives(train_examples, objective, NEGATIVE_DRAWS, Seeds.METRICS + 2)
        if heldout_examples is not None:
            heldout_examples = draw_negatives(heldout_examples, objective, NEGATIVE_DRAWS, Seeds.METRICS + 3)
    return Measure(objective, 0.0, "estimated", train_examples=train_examples, heldout_examples=heldout_examples)


def in_memory(encoded: Encoded) -> Encoded:
    return Encoded(read_tokens(encoded.tokens, 0, encoded.n_tokens), encoded.starts)


def train_streamed(
    streamed: Streamed,
    options: TrainOptions,
    out_dir: str | os.PathLike,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer: Scorer | None = None,
    *,
    progress: Progress | None = None,
    snapshot_every: int | None = None,
) -> Run:
    """One run from a streamed corpus, its directory written atomically (as :func:`train`); with
    ``snapshot_every``, the snapshots of :func:`embedlab.snapshot_every.snapshot_epochs` only."""
    prepared = streamed.prepared
    if options.trainer == "numpy":
        prepared = replace(prepared, train=in_memory(prepared.train), heldout=in_memory(prepared.heldout))
        if snapshot_every is not None:
            return train_every(prepared, options, out_dir, snapshot_every, hooks, limits, scorer)
        return train(prepared, options, out_dir, hooks, limits, scorer)
    options = options.validate(limits)
    check_feasible(prepared, options, limits)
    stop = (hooks or Hooks()).stop_requested
    initial = initial_vectors(len(prepared.vocab), options.dim, options.seed)
    trainer = FileGensimTrainer(
        streamed.train_file, prepared.train, prepared.vocab.words, prepared.vocab.counts, options, initial=initial
    )
    if progress is not None:
        progress("the measurements: drawing their pairs, measuring epoch 0", 0.0)
    measure = streamed_measure(streamed, options, objective_for(options, prepared.vocab.counts, trainer), stop)
    give_back_freed_memory()  # the passes over the rows for the measurements' pairs
    config = run_config(prepared, options, scorer) | measure.describe() | {"corpus_read": "streamed"}
    if snapshot_every is not None:
        return write_every(
            write_run, prepared, options, trainer, measure, config, out_dir, hooks, scorer, snapshot_every
        )
    return write_run(prepared, options, trainer, measure, config, out_dir, hooks, scorer)
