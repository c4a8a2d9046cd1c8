"""From a corpus to a run directory: split, vocabulary, one loop over epochs for both trainers.

prepared = prepare(corpus, CorpusOptions(min_count=5))
run = train(prepared, TrainOptions(trainer="numpy", dim=50), out_dir="runs/a")
run = train_cached(prepared, options, cache_dir)   # never trains the same run twice
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from embedlab import __version__
from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.corpus import Corpus
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.evaluate import load_groups, snapshot_quality
from embedlab.gensim_trainer import GensimTrainer
from embedlab.hooks import Hooks
from embedlab.metrics import (
    Examples,
    sample_cbow,
    sample_skipgram,
    snapshot_metrics,
    with_huffman_paths,
    with_negatives,
)
from embedlab.softmax import SoftmaxTrainer, initial_vectors
from embedlab.store import Run, RunWriter, load_run
from embedlab.vocab import Vocabulary, build_vocabulary, encode, keep_probabilities, skipgram_pairs, split_heldout

METRIC_SEED = 20240601  # the metric samples are the same for every training seed


@dataclass(frozen=True)
class Prepared:
    """A corpus split and encoded with one vocabulary: what both trainers consume."""

    corpus: Corpus
    options: CorpusOptions
    vocab: Vocabulary
    train_ids: list  # list of int32 arrays, training sentences (OOV dropped)
    heldout_ids: list  # held-out sentences, never trained on

    @property
    def train_words(self) -> list[list[str]]:
        words = self.vocab.words
        return [[words[i] for i in s] for s in self.train_ids]


def prepare(corpus: Corpus, options: CorpusOptions | None = None) -> Prepared:
    """Held-out split (by sentence), then the vocabulary of the training part only."""
    options = (options or CorpusOptions()).validate()
    train_sentences, heldout_sentences = split_heldout(corpus.sentences, options.heldout_fraction, options.split_seed)
    vocab = build_vocabulary(train_sentences, options.min_count, options.max_vocab)
    return Prepared(corpus, options, vocab, encode(train_sentences, vocab), encode(heldout_sentences, vocab))


def check_feasible(prepared: Prepared, options: TrainOptions, limits: Limits | None = None) -> None:
    """Refuse settings this corpus cannot support, before any work starts."""
    limits = limits or Limits.from_env()
    if not prepared.train_ids:
        raise EmbedLabError("no training sentence has a word in the vocabulary; lower min_count.")
    if not any(len(s) > 1 for s in prepared.train_ids):
        raise EmbedLabError(
            "every training sentence has fewer than two known words, so there are no pairs; "
            "lower min_count or use a larger corpus."
        )
    if options.trainer == "numpy" and len(prepared.vocab) > limits.max_softmax_vocab:
        raise EmbedLabError(
            f"the full-softmax trainer is capped at {limits.max_softmax_vocab} words here and this vocabulary has "
            f"{len(prepared.vocab)}; raise min_count or set max_vocab (or EMBEDLAB_UNLIMITED=1 locally)."
        )


def pairs_per_epoch(prepared: Prepared, options: TrainOptions) -> int:
    """Pairs in the NumPy trainer's first epoch (the same draw: subsampling and reduced windows)."""
    rng = np.random.default_rng(options.seed)
    keep = keep_probabilities(prepared.vocab.counts, options.sample)
    return len(skipgram_pairs(prepared.train_ids, options.window, rng, keep_prob=keep)[0])


def suggested_batch_size(pairs: int, steps: int = 50, low: int = 32, high: int = 2048) -> int:
    """The largest power of two in [low, high] that still gives at least ``steps`` SGD steps an epoch.

    >>> suggested_batch_size(1_000_000), suggested_batch_size(10_000), suggested_batch_size(100)
    (2048, 128, 32)
    """
    batch = high
    while batch > low and pairs / batch < steps:
        batch //= 2
    return batch


def work_estimate(prepared: Prepared, options: TrainOptions, reference: Run | None = None) -> dict:
    """The size of the NumPy trainer's job before it starts.

    Each pair costs three (1 × V)·(V × d) products in the full softmax (logits, ∂v, ∂U): 6·V·d
    flops. With a finished NumPy ``reference`` run, its measured pairs per second give this
    machine's rate and so an expected time. Keys: pairs, steps (per epoch), V, d, epochs,
    gflop, seconds (None without a reference).
    """
    pairs = pairs_per_epoch(prepared, options)
    V, d = len(prepared.vocab), options.dim
    flops = 6.0 * pairs * V * d * options.epochs
    estimate = {
        "pairs": pairs,
        "steps": -(-pairs // options.batch_size),
        "V": V,
        "d": d,
        "epochs": options.epochs,
        "gflop": flops / 1e9,
        "seconds": None,
    }
    if reference is not None and "pairs_per_second" in reference.metrics:
        speed = reference.metrics["pairs_per_second"].iloc[1:].median()  # epoch 0 trains nothing
        rate = 6.0 * speed * len(reference.vocab) * reference.input_vectors.shape[2]  # flop/s
        if rate > 0:
            estimate["seconds"] = flops / rate
    return estimate


def run_config(prepared: Prepared, options: TrainOptions, quality: bool = True) -> dict:
    """Everything that defines the run; also the cache key's content."""
    return {
        "quality_metrics": quality,
        "embedlab_version": __version__,
        "trainer": options.trainer,
        "corpus": {"name": prepared.corpus.name, "sha256": prepared.corpus.sha256},
        "corpus_options": asdict(prepared.options),
        "train_options": options.as_dict(),
        "vocab_size": len(prepared.vocab),
        "dim": options.dim,
        "epochs": options.epochs,
        "batch_size": options.batch_size if options.trainer == "numpy" else None,
    }


def run_key(prepared: Prepared, options: TrainOptions, quality: bool = True) -> str:
    content = json.dumps(run_config(prepared, options, quality), sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:20]


def _make_trainer(prepared: Prepared, options: TrainOptions):
    if options.trainer == "numpy":
        W0 = initial_vectors(len(prepared.vocab), options.dim, options.seed)
        return SoftmaxTrainer(prepared.train_ids, prepared.vocab.counts, options, W0)
    return GensimTrainer(prepared.train_words, prepared.vocab.words, prepared.vocab.counts, options)


def _metric_samples(prepared: Prepared, options: TrainOptions, trainer) -> tuple[Examples, Examples | None]:
    sampler = sample_cbow if options.trainer == "gensim" and options.sg == 0 else sample_skipgram
    samples = [
        sampler(ids, options.window, options.metric_pairs, METRIC_SEED + k) if ids else None
        for k, ids in enumerate((prepared.train_ids, prepared.heldout_ids))
    ]
    if trainer.objective == "negative":
        samples = [s and with_negatives(s, prepared.vocab.counts, options.negative, METRIC_SEED) for s in samples]
    elif trainer.objective == "hs":
        codes, points = trainer.huffman_paths()
        samples = [s and with_huffman_paths(s, codes, points) for s in samples]
    return samples[0], samples[1]


def train(
    prepared: Prepared,
    options: TrainOptions,
    out_dir: str | os.PathLike,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    quality: bool = True,
) -> Run:
    """Train one run and write its directory atomically; returns the loaded run.

    With ``quality`` every snapshot is also scored on WordSim-353, SimLex-999 and a fixed
    sample of Google analogies (and the planted groups of the toy corpus): extra
    metrics.csv columns from ``evaluate.snapshot_quality``.

    Raises TrainingCancelled when ``hooks.should_stop()`` says so between epochs, and
    EmbedLabError on divergence; in both cases nothing is left at ``out_dir``.
    """
    options = options.validate(limits)
    check_feasible(prepared, options, limits)
    hooks = hooks or Hooks()
    trainer = _make_trainer(prepared, options)
    train_sample, heldout_sample = _metric_samples(prepared, options, trainer)
    l2 = options.l2 if options.trainer == "numpy" else 0.0
    V, d = len(prepared.vocab), options.dim
    groups = load_groups(prepared.corpus.name) if quality else None
    rows, previous = [], None
    with RunWriter(out_dir, options.epochs, V, d) as writer:
        for epoch in range(options.epochs + 1):
            if epoch > 0:
                if hooks.stop_requested():
                    raise TrainingCancelled(f"training stopped after epoch {epoch - 1}; nothing was saved.")
                started = time.perf_counter()
                counts = trainer.train_epoch(epoch)
                seconds = time.perf_counter() - started
            else:
                counts, seconds = {"pairs": 0, "words": 0, "lr": trainer.lr}, 0.0
            snapshot = trainer.snapshot(epoch)
            writer.write_snapshot(epoch, snapshot.input_vectors, snapshot.output_vectors)
            row = {"epoch": epoch}
            row.update(
                snapshot_metrics(
                    trainer.objective,
                    snapshot.input_vectors,
                    snapshot.output_vectors,
                    previous,
                    train_sample,
                    heldout_sample,
                    l2,
                )
            )
            if not np.isfinite(row["loss"]):
                raise EmbedLabError(
                    f"training diverged in epoch {epoch}: the loss is not finite; lower the learning rate."
                )
            row.update(
                lr=counts["lr"],
                seconds=seconds,
                words_per_second=counts["words"] / seconds if seconds > 0 else 0.0,
            )
            if quality:
                row.update(snapshot_quality(snapshot.input_vectors, prepared.vocab, groups))
            if options.trainer == "numpy":
                row["pairs_per_second"] = counts["pairs"] / seconds if seconds > 0 else 0.0
            rows.append(row)
            previous = snapshot.input_vectors
            hooks.epoch_done(snapshot, row)
        writer.finish(run_config(prepared, options, quality), prepared.vocab, rows)
    return load_run(out_dir)


def default_cache_dir() -> Path:
    return Path(os.environ.get("EMBEDLAB_CACHE_DIR", Path.home() / ".cache" / "embedlab")) / "runs"


def train_cached(
    prepared: Prepared,
    options: TrainOptions,
    cache_dir: str | os.PathLike | None = None,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    quality: bool = True,
) -> Run:
    """The run for these exact settings: from the cache if a verified copy is there, else trained.

    The key hashes the corpus sha256, every corpus and training setting and the version. A
    damaged or partial entry is removed and trained again, never served.
    """
    options = options.validate(limits)
    target = Path(cache_dir or default_cache_dir()) / f"{options.trainer}-{run_key(prepared, options, quality)}"
    if target.exists():
        try:
            return load_run(target, verify=True)
        except EmbedLabError:
            shutil.rmtree(target, ignore_errors=True)
    return train(prepared, options, target, hooks, limits, quality)
