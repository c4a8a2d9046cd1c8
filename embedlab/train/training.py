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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from embedlab import __version__
from embedlab.atomic import atomic_dir, new_temporary, publish
from embedlab.config import Limits, TrainOptions, cache_root
from embedlab.errors import EmbedLabError, TrainingCancelled, TrainingDiverged
from embedlab.hooks import Hooks, Snapshot
from embedlab.store import Run, RunWriter, load_run
from embedlab.text.corpus import DATA_DIR
from embedlab.text.prepared import Prepared, check_feasible
from embedlab.text.vocab import Encoded, Vocabulary
from embedlab.train.fingerprint import maths_fingerprint
from embedlab.train.metrics import Measure, build_measure, geometry, objective_for, pairs_per_position, trainer_pairs
from embedlab.train.softmax import SoftmaxTrainer, initial_vectors

# The modules whose maths decide a run's numbers: their source is part of every cache key, so a
# change to the maths never serves a stale run.
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
    extra: Callable[[Snapshot], dict] | None = None,
) -> list[dict]:
    """Train ``epochs`` epochs; returns one metrics row per snapshot, epoch 0 (or ``first_epoch``,
    the parent's last epoch when fine-tuning) included.

    Each snapshot is measured (``measure``: the objective, ‖∇J‖, norms; ``scorer``: e.g. the
    intrinsic benchmarks) and passed to ``hooks.on_epoch``. ``hooks.should_stop()`` is asked
    between batches and between the blocks of a measurement: TrainingCancelled. Non-finite
    vectors or loss: TrainingDiverged. Both carry ``error.rows``, the rows of the epochs that had
    finished. ``extra(snapshot)`` adds columns to each row (fine-tuning's drift).
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
        if extra is not None:
            row.update(extra(snapshot))
        rows.append(row)
        previous = None  # the last copy goes before the next is made
        previous = snapshot.input_vectors.copy() if snapshot.live else snapshot.input_vectors
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
    from embedlab.train.gensim_trainer import GensimTrainer  # gensim loads with its first training (seconds)

    return GensimTrainer(train, vocab.words, vocab.counts, options, initial=initial, initial_out=initial_out)


def train_final(train: Encoded, vocab: Vocabulary, options: TrainOptions, hooks: Hooks | None = None) -> Snapshot:
    """Train with :func:`fit` and no run directory or metrics; the last snapshot (for sweeps)."""
    trainer = make_trainer(train, vocab, options, trainer_pairs(train, vocab.counts, options))
    fit(trainer, options.epochs, hooks)
    return trainer.snapshot(options.epochs)


def run_config(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None) -> dict:
    """Everything that defines the run; also the cache key's content."""
    return {
        "quality_metrics": getattr(scorer, "key", None) if scorer is not None else None,
        "embedlab_version": __version__,
        "maths": maths_fingerprint(),
        "trainer": options.trainer,
        "corpus": {
            "name": prepared.corpus.name,
            "sha256": prepared.corpus.sha256,
            "segmentation": prepared.corpus.segmentation,
        },
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
    check_feasible(prepared, options, limits)
    stop = (hooks or Hooks()).stop_requested  # the set-up counts pairs for seconds on a large corpus
    train_pairs = trainer_pairs(prepared.train, prepared.vocab.counts, options, stop)
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
    return write_run(prepared, options, trainer, measure, config, out_dir, hooks, scorer, keep_partial=keep_partial)


@dataclass(frozen=True)
class History:
    """Epochs a run starts with (a fine-tuned run: its parent's), written before training goes on.

    ``input_at(e)``/``output_at(e)`` give the (V, d) snapshots of epochs 0..epochs − 1 in the
    new run's rows; ``rows`` their metrics rows. Training continues at epoch ``epochs``.
    """

    epochs: int
    input_at: Callable[[int], np.ndarray]
    output_at: Callable[[int], np.ndarray]
    rows: list


def write_run(
    prepared: Prepared,
    options: TrainOptions,
    trainer: Trainer,
    measure: Measure,
    config: dict,
    out_dir,
    hooks: Hooks | None = None,
    scorer: Scorer | None = None,
    *,
    keep_partial: bool = False,
    history: History | None = None,
    extra: Callable[[Snapshot], dict] | None = None,
) -> Run:
    """Run :func:`fit` into a RunWriter (after ``history``'s epochs); ``train`` and fine-tuning share it."""
    hooks = hooks or Hooks()
    first = history.epochs if history is not None else 0
    with RunWriter(out_dir, first + options.epochs, len(prepared.vocab), options.dim) as writer:
        if history is not None:
            for epoch in range(first):
                writer.write_snapshot(epoch, history.input_at(epoch), history.output_at(epoch))
        write = Hooks(
            on_epoch=lambda epoch, snapshot, row: (
                writer.write_snapshot(epoch, snapshot.input_vectors, snapshot.output_vectors),
                hooks.epoch_done(snapshot, row),
            ),
            should_stop=hooks.should_stop,
            on_progress=hooks.on_progress,
        )
        last_kept, blew_up = None, False
        planned = config["snapshot_epochs"][-1] if "snapshot_epochs" in config else first + options.epochs
        try:
            rows = fit(trainer, options.epochs, write, measure, scorer, first_epoch=first, extra=extra)
        except TrainingDiverged as error:  # keep the finite epochs, flagged, so the blow-up can be watched
            rows = getattr(error, "rows", [])
            if len(rows) < 2:
                raise
            last_kept, blew_up = rows[-1]["epoch"], True
            config = config | {"stopped_at_epoch": last_kept, "planned_epochs": planned}
            config = config | {"diverged_message": str(error)}
        except TrainingCancelled as cancelled:
            rows = getattr(cancelled, "rows", [])
            if not keep_partial or len(rows) < 2:
                raise TrainingCancelled("training stopped before an epoch finished; nothing was saved.") from None
            last_kept = rows[-1]["epoch"]
            config = config | {"stopped_at_epoch": last_kept, "planned_epochs": planned}
        config = config | {"diverged": blew_up or diverged(rows)}
        all_rows = (history.rows if history is not None else []) + rows
        last_row = None
        if last_kept is not None:  # rows are epochs, or the kept ones of snapshot_epochs
            last_row = len(all_rows) - 1
            if "snapshot_epochs" in config:
                config = config | {"snapshot_epochs": config["snapshot_epochs"][: last_row + 1]}
        writer.finish(
            config, prepared.vocab, all_rows, epochs_done=last_row, extra={"split.json": prepared.split_record()}
        )
    return load_run(out_dir)


def default_cache_dir() -> Path:
    return cache_root() / "runs"


SHIPPED_RUNS = DATA_DIR / "default_runs"  # the dashboard's default runs, trained ahead (data/make_default_runs.py)


def seed_cache(shipped: Path, cache_dir: Path) -> list[Path]:
    """Copy run directories from ``shipped`` into ``cache_dir`` where they are missing, each
    atomically (a temporary copy renamed into place); ``train_cached`` then finds them under
    their own keys and verifies them. Returns the runs copied."""
    copied = []
    if not shipped.is_dir():
        return copied
    cache_dir.mkdir(parents=True, exist_ok=True)
    for run in sorted(shipped.iterdir()):
        target = cache_dir / run.name
        if not run.is_dir() or target.exists():
            continue
        with atomic_dir(target, exist_ok=True) as scratch:  # another process may copy it first: one is kept
            shutil.copytree(run, scratch, dirs_exist_ok=True)
        copied.append(target)
    return copied


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
    target = cache_path(prepared, options, cache_dir, scorer)
    if target.exists():
        try:
            return load_run(target, verify=True)
        except EmbedLabError:
            shutil.rmtree(target, ignore_errors=True)
    # The name is known only when training ends (a stopped run has its own), so the run is built
    # in atomic's temporary sibling and published under that name; a crash leaves only the sibling.
    scratch = new_temporary(target)
    try:
        run = train(prepared, options, scratch, hooks, limits, scorer, keep_partial=keep_partial)
        if run.stopped_early:
            target = target.with_name(f"{target.name}-stopped{run.config['stopped_at_epoch']}")
        publish(scratch, target)  # False when another process finished the same run first: theirs is kept
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return load_run(target)
