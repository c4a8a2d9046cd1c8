"""How stable are embeddings? The same settings trained with different seeds, compared.

Two views:

- per d (gensim, final vectors): the across-seed variance of the cosines of a word set
  (mean over word pairs) and the mean Jaccard@k of the words' neighbour sets between seeds;
- per epoch (both trainers, R seeds of one setting): the mean Jaccard@k between seeds, the
  Procrustes residual ‖X_a R − X_b‖_F / ‖X_b‖_F after the best rotation R (the objective does
  not change when the whole space rotates, so only what no rotation explains counts), and
  the across-seed standard deviation of the cosines of chosen word pairs.

Every summary is a mean over all unordered seed pairs (a, b), a < b. Spreads across seeds
use ddof = 1 (the sample variance and standard deviation).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.config import Limits, SweepOptions, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.hooks import Hooks
from embedlab.i18n import _
from embedlab.runs.agreement import neighbour_overlap
from embedlab.runs.alignment import procrustes_rotation
from embedlab.runs.analysis import cosine_matrix
from embedlab.text.prepared import Prepared, check_feasible
from embedlab.text.vocab import Vocabulary
from embedlab.train.training import train_cached, train_final

EPOCH_COLUMNS = ["trainer", "epoch", "jaccard", "procrustes_residual", "cosine_sd"]
DIM_COLUMNS = ["trainer", "dim", "runs", "cosine_variance", "jaccard", "procrustes_residual", "seconds"]


# ---------------------------------------------------------------- measures on arrays


def _spaces(spaces: Sequence[np.ndarray]) -> list[np.ndarray]:
    spaces = [np.asarray(X) for X in spaces]
    if len(spaces) < 2:
        raise ValueError(f"compare at least two seeds; got {len(spaces)}")
    shapes = {X.shape[0] for X in spaces}
    if any(X.ndim != 2 for X in spaces) or len(shapes) != 1:
        raise ValueError(f"every space must be (V, d) with the same V; got {[X.shape for X in spaces]}")
    return spaces


def _pair_positions(rows: Sequence[int], pairs: Sequence[tuple[int, int]] | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) into ``rows`` of the word pairs: the given ones, else every i < j."""
    if pairs is None:
        return np.triu_indices(len(rows), 1)
    where = {row: i for i, row in enumerate(rows)}
    missing = [p for pair in pairs for p in pair if p not in where]
    if missing:
        raise ValueError(f"pair rows {missing} are not among rows")
    return np.array([where[a] for a, _ in pairs], dtype=np.int64), np.array(
        [where[b] for _, b in pairs], dtype=np.int64
    )


def seed_cosines(
    spaces: Sequence[np.ndarray], rows: Sequence[int], pairs: Sequence[tuple[int, int]] | None = None
) -> np.ndarray:
    """Cosines of word pairs in each seed's space: (S, P).

    spaces: S arrays (V, d); rows: word rows; pairs: (row_a, row_b) pairs among ``rows``
    (default every unordered pair of distinct rows, in ``np.triu_indices`` order).

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> seed_cosines([X, X[[1, 0, 2]]], [0, 1, 2], pairs=[(0, 2)]).round(4).tolist()
    [[0.7071], [0.7071]]
    """
    spaces = _spaces(spaces)
    rows = list(rows)
    i, j = _pair_positions(rows, pairs)
    return np.stack([cosine_matrix(X, rows)[i, j] for X in spaces])


def cosine_variance(
    spaces: Sequence[np.ndarray], rows: Sequence[int], pairs: Sequence[tuple[int, int]] | None = None
) -> float:
    """Mean over word pairs of the across-seed sample variance (ddof = 1) of their cosine.

    >>> A = np.array([[1.0, 0.0], [1.0, 0.0]]); B = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> cosine_variance([A, B], [0, 1])  # cosines 1 and 0: variance 0.5
    0.5
    """
    cosines = seed_cosines(spaces, rows, pairs)
    return float(cosines.var(axis=0, ddof=1).mean()) if cosines.shape[1] else float("nan")


def cosine_sd(
    spaces: Sequence[np.ndarray], rows: Sequence[int], pairs: Sequence[tuple[int, int]] | None = None
) -> float:
    """Mean over word pairs of the across-seed standard deviation (ddof = 1) of their cosine.

    >>> A = np.array([[1.0, 0.0], [1.0, 0.0]]); B = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> round(cosine_sd([A, B], [0, 1]), 6)  # cosines 1 and 0
    0.707107
    """
    cosines = seed_cosines(spaces, rows, pairs)
    return float(cosines.std(axis=0, ddof=1).mean()) if cosines.shape[1] else float("nan")


def seed_jaccard(spaces: Sequence[np.ndarray], rows: Sequence[int], vocab: Vocabulary, k: int = 10) -> float:
    """Mean Jaccard@k of the neighbour sets of ``rows`` between every pair of seeds.

    Neighbours are the top-k by cosine over the whole vocabulary, the word itself excluded.

    >>> v = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 0.2], [0.0, 1.0]])
    >>> seed_jaccard([X, X, X[[0, 2, 1]]], [0], v, k=1)  # (1 + 0 + 0) / 3 seed pairs
    0.3333333333333333
    """
    spaces = _spaces(spaces)
    scores = [
        neighbour_overlap(spaces[a], spaces[b], rows, vocab, k)["jaccard"].mean()
        for a, b in itertools.combinations(range(len(spaces)), 2)
    ]
    return float(np.mean(scores))


def procrustes_residual(source: np.ndarray, target: np.ndarray) -> float:
    """‖source R − target‖_F / ‖target‖_F with R the best orthogonal (d, d) rotation.

    source, target: (V, d). 0 when source is a rotation (or reflection) of target;
    √(1 + ‖source‖²/‖target‖²) when no rotation helps at all (sourceᵀ target = 0).

    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> round(procrustes_residual(A[:, ::-1], A), 12)  # a reflection is a rotation here
    0.0
    """
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    R = procrustes_rotation(source, target)
    scale = np.linalg.norm(target)
    return float(np.linalg.norm(source @ R - target) / scale) if scale > 0 else float("nan")


def mean_procrustes_residual(spaces: Sequence[np.ndarray]) -> float:
    """:func:`procrustes_residual` averaged over every seed pair (a, b), a < b, with b the target."""
    spaces = _spaces(spaces)
    return float(
        np.mean([procrustes_residual(spaces[a], spaces[b]) for a, b in itertools.combinations(range(len(spaces)), 2)])
    )


def stability_over_epochs(
    runs: Sequence[np.ndarray],
    vocab: Vocabulary,
    rows: Sequence[int],
    pairs: Sequence[tuple[int, int]] | None = None,
    k: int = 10,
) -> pd.DataFrame:
    """Seed-to-seed stability at every epoch: ``epoch, jaccard, procrustes_residual, cosine_sd``.

    runs: S snapshot stacks (E+1, V, d) of the same settings with different seeds (e.g. each
    run's ``input_vectors``); rows: the word set for Jaccard@k; pairs: word pairs for the
    cosine spread (default every pair of ``rows``). Procrustes is fitted on all V words.
    """
    if len(runs) < 2 or any(np.ndim(r) != 3 for r in runs) or len({r.shape for r in runs}) != 1:
        raise ValueError(f"give at least two runs of shape (E+1, V, d), all equal; got {[np.shape(r) for r in runs]}")
    table = []
    for epoch in range(runs[0].shape[0]):
        spaces = [np.asarray(run[epoch], dtype=np.float64) for run in runs]
        table.append(
            (
                epoch,
                seed_jaccard(spaces, rows, vocab, k),
                mean_procrustes_residual(spaces),
                cosine_sd(spaces, rows, pairs),
            )
        )
    return pd.DataFrame(table, columns=["epoch", "jaccard", "procrustes_residual", "cosine_sd"])


# ---------------------------------------------------------------- training the seeds


def _rows_of(vocab: Vocabulary, words: Sequence[str]) -> list[int]:
    rows = [vocab.index[w] for w in dict.fromkeys(words) if w in vocab.index]
    if len(rows) < 2:
        raise EmbedLabError(_("pick at least two words from the vocabulary to measure stability."))
    return rows


def seed_stability(
    prepared: Prepared,
    options: Sequence[TrainOptions],
    seeds: int,
    words: Sequence[str],
    k: int = 10,
    cache_dir: str | Path | None = None,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
    scorer=None,
) -> pd.DataFrame:
    """For each trainer's settings in ``options`` (e.g. one NumPy and one gensim), train
    ``seeds`` runs with seed = that setting's seed + r and measure their agreement per epoch.
    Returns ``EPOCH_COLUMNS`` rows (one per trainer and epoch 0..E); words: the word set.

    Runs go through ``train_cached`` into ``cache_dir`` (reused next time, e.g. the app's run
    cache), or into a temporary directory removed afterwards when ``cache_dir`` is None;
    ``scorer`` as for those runs (so the app's own seed-1 runs are reused). ``hooks``:
    ``on_work(runs done, share of the job)`` and ``should_stop()`` (TrainingCancelled).
    """
    hooks = hooks or Hooks()
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2:
        raise EmbedLabError(_("stability needs at least 2 seeds; got {seeds}.").format(seeds=repr(seeds)))
    trainers = [o.trainer for o in options]
    if not trainers or len(set(trainers)) != len(trainers):
        raise ValueError(f"give one TrainOptions per trainer; got trainers {trainers}")
    rows = _rows_of(prepared.vocab, words)
    jobs = [(o.trainer, o.replace(seed=o.seed + r).validate(limits)) for o in options for r in range(seeds)]
    with tempfile.TemporaryDirectory(prefix="embedlab-stability-") as scratch:
        target = Path(cache_dir) if cache_dir is not None else Path(scratch)
        frames, by_trainer = [], {}
        for done, (trainer, job) in enumerate(jobs):
            run_hooks = hooks.for_run(done, len(jobs), job.epochs)
            run = train_cached(prepared, job, target, run_hooks, limits, scorer)
            by_trainer.setdefault(trainer, []).append(run.input_vectors)
            hooks.work(done + 1, (done + 1) / len(jobs))
        for trainer, runs in by_trainer.items():
            frame = stability_over_epochs(runs, prepared.vocab, rows, k=k)
            frame.insert(0, "trainer", trainer)
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
    return table[EPOCH_COLUMNS]


def stability_by_dim(
    prepared: Prepared,
    options: SweepOptions,
    words: Sequence[str],
    k: int = 10,
    hooks: Hooks | None = None,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """gensim trained ``options.runs`` times per d (seed = options.train.seed + r, same data);
    the final input vectors compared across seeds. Returns ``DIM_COLUMNS`` rows, one per d."""
    hooks = hooks or Hooks()
    options = options.validate(limits)
    base = options.train.replace(trainer="gensim", lr=None if options.train.trainer == "numpy" else options.train.lr)
    base = base.validate(limits)
    check_feasible(prepared, base, limits)
    rows = _rows_of(prepared.vocab, words)
    total, done, table = len(options.dims) * options.runs, 0, []
    for dim in options.dims:
        started = time.perf_counter()
        finals = []
        for r in range(options.runs):
            run_hooks = hooks.for_run(done, total, base.epochs)
            final = train_final(prepared.train, prepared.vocab, base.replace(dim=dim, seed=base.seed + r), run_hooks)
            finals.append(final.input_vectors.astype(np.float64))
            done += 1
            hooks.work(done, done / total)
        table.append(
            (
                "gensim",
                dim,
                options.runs,
                cosine_variance(finals, rows),
                seed_jaccard(finals, rows, prepared.vocab, k),
                mean_procrustes_residual(finals),
                time.perf_counter() - started,
            )
        )
    return pd.DataFrame(table, columns=DIM_COLUMNS)
