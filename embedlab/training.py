"""From a prepared corpus to a run directory: one loop over epochs for every trainer.

prepared = prepare(corpus, CorpusOptions(min_count=5))
run = train(prepared, TrainOptions(trainer="numpy", dim=50), out_dir="runs/a")
run = train_cached(prepared, options, cache_dir)   # never trains the same run twice

Everything that trains — ``train``, the bias–variance sweep, the stability runs, fine-tuning —
goes through :func:`fit`: epoch 0 is the initial snapshot, then for each epoch the trainer's
``train_epoch`` and its snapshot, measured and handed to the hooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import numpy as np
import scipy.sparse

from embedlab import __version__, metrics, objectives
from embedlab.config import Limits, TrainOptions, cache_root
from embedlab.errors import EmbedLabError, TrainingCancelled, TrainingDiverged
from embedlab.gensim_trainer import GensimTrainer
from embedlab.hooks import Hooks, Snapshot
from embedlab.metrics import Measure, build_measure, geometry, keep_for, objective_for, pair_counts, pairs_per_position
from embedlab.objectives import NegativeSampling, Softmax
from embedlab.prepared import Prepared, check_feasible
from embedlab.softmax import SoftmaxTrainer, initial_vectors
from embedlab.store import Run, RunWriter, load_run
from embedlab.vocab import Encoded, Vocabulary

# The modules whose maths decide a run's numbers: their source is part of every cache key, so a
# change to the maths never serves a stale run.
_MATHS_MODULES = ("softmax.py", "gensim_trainer.py", "objectives.py", "metrics.py", "vocab.py", "training.py")
DIVERGENCE_FACTOR = 2.0  # a run whose loss ends above this × its epoch-0 loss is flagged diverged


class Trainer(Protocol):
    """What :func:`fit` needs of a trainer (both trainers implement it)."""

    name: str
    lr: float

    def train_epoch(
        self, epoch: int, should_stop: Callable[[], bool] | None = None, progress: Callable[[float], None] | None = None
    ) -> dict: ...

    def snapshot(self, epoch: int) -> Snapshot: ...


Scorer = Callable[[np.ndarray], dict]  # input vectors (V, d) → extra metrics columns


def fit(
    trainer: Trainer,
    epochs: int,
    hooks: Hooks | None = None,
    measure: Measure | None = None,
    scorer: Scorer | None = None,
    *,
    first_epoch: int = 0,
) -> list[dict]:
    """Train ``epochs`` epochs; returns one metrics row per snapshot, epoch 0 (or ``first_epoch``,
    the parent's last epoch when fine-tuning) included.

    Each snapshot is measured (``measure``: the objective, ‖∇J‖, norms; ``scorer``: e.g. the
    intrinsic benchmarks) and passed to ``hooks.on_epoch``. ``hooks.should_stop()`` is asked
    between batches and between the blocks of a measurement: TrainingCancelled. Non-finite vectors or loss: TrainingDiverged. Both carry
    ``error.rows``, the rows of the epochs that had finished.
    """
    hooks = hooks or Hooks()
    rows: list[dict] = []
    previous = None
    for step in range(epochs + 1):
        try:
            snapshot, row = _epoch(trainer, step, first_epoch + step, hooks, measure, scorer, previous)
        except (TrainingCancelled, TrainingDiverged) as stopped:
            stopped.rows = rows  # the epochs that had finished: a shorter run can be kept
            raise
        rows.append(row)
        previous = snapshot.input_vectors
        hooks.epoch_done(snapshot, row)
    return rows


def _epoch(trainer, step, epoch, hooks, measure, scorer, previous) -> tuple[Snapshot, dict]:
    """One step of :func:`fit`: train epoch ``step`` (none for step 0), snapshot it, measure it."""
    counts, seconds = {"pairs": 0, "positions": 0, "words": 0, "lr": trainer.lr}, 0.0
    if step > 0:
        started = time.perf_counter()
        counts = trainer.train_epoch(step, hooks.stop_requested, lambda fraction: hooks.progress(epoch, fraction))
        seconds = time.perf_counter() - started
    snapshot = trainer.snapshot(epoch)
    row = {"epoch": epoch}
    if not (np.isfinite(snapshot.input_vectors).all() and np.isfinite(snapshot.output_vectors).all()):
        raise TrainingDiverged.at(epoch, "the vectors", trainer.lr)
    if measure is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            row.update(measure(snapshot.input_vectors, snapshot.output_vectors, previous, hooks.stop_requested))
        if not np.isfinite(row["loss"]):
            raise TrainingDiverged.at(epoch, lr=trainer.lr)
    else:
        row.update(geometry(snapshot.input_vectors, previous))
    row.update(
        lr=counts["lr"],
        seconds=seconds,
        words_per_second=counts["words"] / seconds if seconds > 0 else 0.0,
    )
    if counts.get("pairs") is not None:  # the NumPy trainer counts what it trained
        row["pairs_per_second"] = counts["pairs"] / seconds if seconds > 0 else 0.0
        row["positions_per_second"] = counts["positions"] / seconds if seconds > 0 else 0.0
    if scorer is not None:
        row.update(scorer(snapshot.input_vectors))
    return snapshot, row


def diverged(rows: list[dict]) -> bool:
    """The loss ended far above where it started (e.g. above 2 log V for the softmax)."""
    losses = [row.get("loss") for row in rows if row.get("loss") is not None]
    return len(losses) > 1 and losses[-1] > DIVERGENCE_FACTOR * losses[0]


# ---------------------------------------------------------------- one run


def make_trainer(
    train: Encoded, vocab: Vocabulary, options: TrainOptions, train_pairs, *, initial=None, initial_out=None
) -> Trainer:
    """The trainer for ``options``, started from gensim's initial vectors (or ``initial``)."""
    if initial is None:
        initial = initial_vectors(len(vocab), options.dim, options.seed)
    if options.trainer == "numpy":
        per_position = pairs_per_position(train, vocab.counts, train_pairs, options)
        return SoftmaxTrainer(
            train, vocab.counts, options, initial, pairs_per_position=per_position, initial_out=initial_out
        )
    return GensimTrainer(train, vocab.words, vocab.counts, options, initial=initial, initial_out=initial_out)


def train_final(train: Encoded, vocab: Vocabulary, options: TrainOptions, hooks: Hooks | None = None) -> Snapshot:
    """Train with :func:`fit` and no run directory or metrics; the last snapshot (for sweeps)."""
    trainer = make_trainer(train, vocab, options, pair_counts(train, vocab.counts, options))
    fit(trainer, options.epochs, hooks)
    return trainer.snapshot(options.epochs)


def maths_fingerprint() -> str:
    """sha256 of the source of the modules that decide a run's numbers (part of every cache key)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _MATHS_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def run_config(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None) -> dict:
    """Everything that defines the run; also the cache key's content."""
    return {
        "quality_metrics": getattr(scorer, "key", None) if scorer is not None else None,
        "embedlab_version": __version__,
        "maths": maths_fingerprint(),
        "trainer": options.trainer,
        "corpus": {"name": prepared.corpus.name, "sha256": prepared.corpus.sha256},
        "corpus_options": asdict(prepared.options),
        "train_options": options.as_dict(),
        "vocab_size": len(prepared.vocab),
        "dim": options.dim,
        "epochs": options.epochs,
        "batch_size": options.batch_size if options.trainer == "numpy" else None,
    }


def run_key(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None) -> str:
    content = json.dumps(run_config(prepared, options, scorer), sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:20]


def train(
    prepared: Prepared,
    options: TrainOptions,
    out_dir: str | os.PathLike,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer: Scorer | None = None,
    *,
    keep_partial: bool = False,
    metric_method: str | None = None,
) -> Run:
    """Train one run and write its directory atomically; returns the loaded run.

    ``scorer`` adds columns to every metrics row (``evaluate.Scorer``: WordSim-353, SimLex-999,
    analogies, planted groups). A run whose loss ends above twice its start is kept but
    flagged ``diverged`` in config.json. When ``hooks.should_stop()`` stops training, the
    finished epochs are kept as a shorter run (``stopped_at_epoch`` in config.json) with
    ``keep_partial``; otherwise — or before the first epoch ends — TrainingCancelled is
    raised and nothing is left at ``out_dir``. A non-finite loss is an EmbedLabError.
    """
    options = options.validate(limits)
    check_feasible(prepared, options, limits)
    V = len(prepared.vocab)
    stop = (hooks or Hooks()).stop_requested  # the set-up counts pairs for seconds on a large corpus
    train_pairs = pair_counts(prepared.train, prepared.vocab.counts, options, stop)
    trainer = make_trainer(prepared.train, prepared.vocab, options, train_pairs)
    objective = objective_for(options, prepared.vocab.counts, trainer)
    measure = build_measure(
        prepared.train,
        prepared.heldout,
        prepared.vocab.counts,
        options,
        objective,
        train_pairs,
        force=metric_method,
        should_stop=stop,
    )
    config = run_config(prepared, options, scorer) | measure.describe()
    return _write_run(prepared, options, trainer, measure, scorer, config, out_dir, hooks, V, keep_partial)


def _write_run(prepared, options, trainer, measure, scorer, config, out_dir, hooks, V, keep_partial, first_epoch=0):
    """Run :func:`fit` into a RunWriter; the part of ``train`` that fine-tuning shares."""
    hooks = hooks or Hooks()
    with RunWriter(out_dir, first_epoch + options.epochs, V, options.dim) as writer:
        write = Hooks(
            on_epoch=lambda epoch, snapshot, row: (
                writer.write_snapshot(epoch, snapshot.input_vectors, snapshot.output_vectors),
                hooks.epoch_done(snapshot, row),
            ),
            should_stop=hooks.should_stop,
            on_progress=hooks.on_progress,
        )
        epochs_done, blew_up = None, False
        try:
            rows = fit(trainer, options.epochs, write, measure, scorer, first_epoch=first_epoch)
        except TrainingDiverged as error:  # keep the finite epochs, flagged, so the blow-up can be watched
            rows = getattr(error, "rows", [])
            if len(rows) < 2:
                raise
            epochs_done, blew_up = len(rows) - 1 - first_epoch, True
            config = config | {"stopped_at_epoch": rows[-1]["epoch"], "planned_epochs": options.epochs}
            config = config | {"diverged_message": str(error)}
        except TrainingCancelled as cancelled:
            rows = getattr(cancelled, "rows", [])
            if not keep_partial or len(rows) < 2:
                raise TrainingCancelled("training stopped before an epoch finished; nothing was saved.") from None
            epochs_done = len(rows) - 1 - first_epoch
            config = config | {"stopped_at_epoch": rows[-1]["epoch"], "planned_epochs": options.epochs}
        config = config | {"diverged": blew_up or diverged(rows)}
        writer.finish(
            config, prepared.vocab, rows, epochs_done=epochs_done, extra={"split.json": prepared.split_record()}
        )
    return load_run(out_dir)


def default_cache_dir() -> Path:
    return cache_root() / "runs"


def cache_path(prepared: Prepared, options: TrainOptions, cache_dir=None, scorer: Scorer | None = None) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"{options.trainer}-{run_key(prepared, options, scorer)}"


def train_cached(
    prepared: Prepared,
    options: TrainOptions,
    cache_dir: str | os.PathLike | None = None,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer: Scorer | None = None,
    *,
    keep_partial: bool = False,
) -> Run:
    """The run for these exact settings: from the cache if a verified copy is there, else trained.

    The key hashes the corpus sha256, every corpus and training setting, the version and the
    source of the maths. A damaged or partial entry is removed and trained again, never
    served. A run stopped early (``keep_partial``) is stored beside the full run's entry under
    its own name, so it is never served as the complete run.
    """
    options = options.validate(limits)
    target = cache_path(prepared, options, cache_dir, scorer)
    if target.exists():
        try:
            return load_run(target, verify=True)
        except EmbedLabError:
            shutil.rmtree(target, ignore_errors=True)
    scratch = target.with_name(target.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    run = train(prepared, options, scratch, hooks, limits, scorer, keep_partial=keep_partial)
    if run.stopped_early:
        stopped = target.with_name(f"{target.name}-stopped{run.config['stopped_at_epoch']}")
        shutil.rmtree(stopped, ignore_errors=True)
        os.replace(scratch, stopped)
        return load_run(stopped)
    try:
        os.rename(scratch, target)
    except OSError:  # someone else finished the same run first: theirs is kept
        shutil.rmtree(scratch, ignore_errors=True)
    return load_run(target)


# ---------------------------------------------------------------- sizing a job before it starts


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


def _timed_batches(seconds: float) -> tuple[Callable[[], bool], list[float]]:
    """A should_stop() that records when it is asked (before each batch) and says stop after ``seconds``."""
    calls: list[float] = []

    def stop() -> bool:
        calls.append(time.perf_counter())
        return calls[-1] - calls[0] > seconds

    return stop, calls


def _probe_epoch(prepared: Prepared, options: TrainOptions, seconds: float) -> float:
    """Seconds of one training epoch of ``options`` here and now, from the real trainer run on
    this corpus for about ``seconds`` (exact when the epoch is shorter)."""
    V = len(prepared.vocab)
    initial = initial_vectors(V, options.dim, options.seed)
    if options.trainer == "numpy":
        trainer = SoftmaxTrainer(
            prepared.train, prepared.vocab.counts, options, initial, pairs_per_position=options.window + 1.0
        )
        stop, calls = _timed_batches(seconds)
        started = time.perf_counter()
        try:
            trainer.train_epoch(1, stop)
        except TrainingCancelled:
            per_batch = (calls[-1] - calls[0]) / max(len(calls) - 1, 1)
            steps = -(-positions_per_epoch(prepared, options) // options.batch_size)
            return (calls[0] - started) + per_batch * steps  # the epoch's draw of windows and order, then its batches
        return time.perf_counter() - started
    trainer = GensimTrainer(prepared.train, prepared.vocab.words, prepared.vocab.counts, options, initial=initial)
    words, started = trainer.words, time.perf_counter()

    def sentences():
        for sentence in prepared.train:
            if time.perf_counter() - started > seconds:
                return
            yield [words[t] for t in sentence]

    _, raw_words = trainer.model.train(sentences(), total_examples=len(prepared.train), epochs=1)
    elapsed = time.perf_counter() - started
    return elapsed * prepared.train.n_tokens / max(raw_words, 1)


def _probe_snapshot(prepared: Prepared, options: TrainOptions, scorer: Scorer | None, seconds: float) -> float:
    """Seconds to measure one snapshot of ``options`` here: the objective's kernel timed on a
    few blocks of this vocabulary, scaled to the rows the metrics plan (exact or estimated)
    will score, plus one call of ``scorer``."""
    V, d = len(prepared.vocab), options.dim
    positions = positions_per_epoch(prepared, options)
    method, examples, _ = metrics._plan(options, V, positions * (options.window + 1), positions, V)
    rng = np.random.default_rng(0)
    W_in = rng.standard_normal((V, d), dtype=np.float32) / d
    W_out = rng.standard_normal((V, d), dtype=np.float32) / d
    objective = Softmax() if options.trainer == "numpy" else NegativeSampling.from_counts(prepared.vocab.counts, 5)
    block = objectives._block_rows(V)
    rows = min(V, 2 * block)
    if method == "exact":  # training pairs with gradients, held-out pairs without: ~1⅓ passes over V rows
        counts = scipy.sparse.random(rows, V, density=min(1.0, 20 / V), format="csr", random_state=0)
        counts = scipy.sparse.vstack([counts, scipy.sparse.csr_array((V - rows, V))]).tocsr()
        stop, calls = _timed_batches(seconds)
        started = time.perf_counter()
        try:
            objectives.exact(objective, W_in, W_out, counts, should_stop=stop)
        except TrainingCancelled:
            pass
        measured = time.perf_counter() - started
        done = min(rows, max(len(calls) - 1, 1) * block)
        seconds_per_row = measured / done
        total = seconds_per_row * V * (4 / 3)
    else:  # estimated: examples × 2.5 passes
        n = min(examples, rows)
        sample = objectives.Examples(rng.integers(0, V, (n, 1)), rng.integers(0, V, n))
        started = time.perf_counter()
        objectives.estimate(objective, W_in, W_out, sample)
        total = (time.perf_counter() - started) / n * examples * 1.25
    if scorer is not None:
        started = time.perf_counter()
        scorer(W_in)
        total += time.perf_counter() - started
    return total


def _probe_setup(prepared: Prepared, options: TrainOptions, tokens: int = 50_000) -> float:
    """Seconds to count the expected pairs of the whole text, from a prefix of ``tokens`` tokens."""
    prefix = Encoded(prepared.train.tokens[:tokens], np.array([0, min(tokens, prepared.train.n_tokens)]))
    started = time.perf_counter()
    pair_counts(prefix, prepared.vocab.counts, options)
    per_token = (time.perf_counter() - started) / max(prefix.n_tokens, 1)
    return per_token * (prepared.train.n_tokens + prepared.heldout.n_tokens)


def run_estimate(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None, seconds: float = 0.3) -> dict:
    """Seconds one run takes here, measured now: the real trainer, metrics kernel and scorer are
    each run for a fraction of a second on this corpus at these settings and scaled up.

    Keys: ``setup`` (counting pairs), ``epoch`` (one training epoch), ``snapshot`` (measuring one
    snapshot), ``train`` (every epoch), ``measure`` (every snapshot, epoch 0 included), ``total``.
    Costs about ``3 × seconds`` plus the trainer's set-up; cache it per corpus and settings.
    """
    options = options.validate(Limits(max_dim=10**9, max_epochs=10**9))
    epoch = _probe_epoch(prepared, options, seconds)
    snapshot = _probe_snapshot(prepared, options, scorer, seconds)
    setup = _probe_setup(prepared, options)
    train_seconds, measure = options.epochs * epoch, (options.epochs + 1) * snapshot
    return {
        "setup": setup,
        "epoch": epoch,
        "snapshot": snapshot,
        "train": train_seconds,
        "measure": measure,
        "total": setup + train_seconds + measure,
    }
