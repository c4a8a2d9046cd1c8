"""A run's quality table: every snapshot scored (:mod:`embedlab.runs.evaluate`), written into its
metrics.csv, and read back — how much of each benchmark it covers, and how far to trust a score
(95% intervals for a Spearman ρ and an accuracy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.atomic import atomic_write
from embedlab.text.benchmark_files import analogy_questions, word_pairs
from embedlab.text.builtin_corpora import planted_groups
from embedlab.runs.evaluate import BENCHMARK_COLUMNS, MIN_PAIRS, QUALITY_COLUMNS, snapshot_quality
from embedlab.i18n import _, number
from embedlab.store import Run, update_manifest

BENCHMARK_NAMES = {"wordsim353": "WordSim-353", "simlex999": "SimLex-999"}


def spearman_interval(rho: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval of a Spearman ρ on n pairs: Fisher's z with the standard error
    1.03/√(n − 3) of Fieller, Hartley and Pearson (1957) for rank correlations.

    >>> [round(x, 3) for x in spearman_interval(0.5, 103)]
    [0.334, 0.636]
    """
    if not np.isfinite(rho) or n <= 3:
        return float("nan"), float("nan")
    centre, half = np.arctanh(np.clip(rho, -0.999999, 0.999999)), z * 1.03 / np.sqrt(n - 3)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


def wilson_interval(accuracy: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of an accuracy measured on n questions.

    >>> [round(x, 3) for x in wilson_interval(0.5, 100)]
    [0.404, 0.596]
    """
    if not np.isfinite(accuracy) or n <= 0:
        return float("nan"), float("nan")
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n))
    return float(centre - half), float(centre + half)


def coverage_text(row) -> list[str]:
    """One line per benchmark saying how much of it one metrics row could use.

    >>> coverage_text({"wordsim353_pairs": 120, "simlex999_pairs": 3, "analogy_count": 0, "analogy_oov": 1.0})
    ['WordSim-353: 120 of 353 pairs in vocabulary', 'SimLex-999: 3 of 999 pairs in vocabulary (too few to score, fewer than 20)', 'Google analogies: 0 of 19,544 questions in vocabulary (too few to score, fewer than 20)']
    """
    lines = []
    for name, label in BENCHMARK_NAMES.items():
        used, total = int(row[f"{name}_pairs"]), len(word_pairs(name))
        lines.append(
            _("{benchmark}: {used} of {total} pairs in vocabulary").format(
                benchmark=label, used=number(used, ","), total=number(total, ",")
            )
            + _too_few(used)
        )
    total = len(analogy_questions())
    available = int(round((1.0 - float(row["analogy_oov"])) * total))
    used = int(row["analogy_count"])
    sampled = _(", {used} sampled").format(used=number(used, ",")) if used < available else ""
    lines.append(
        _("Google analogies: {available} of {total} questions in vocabulary").format(
            available=number(available, ","), total=number(total, ",")
        )
        + sampled
        + _too_few(used)
    )
    return lines


def _too_few(n: int) -> str:
    return _(" (too few to score, fewer than {n})").format(n=MIN_PAIRS) if n < MIN_PAIRS else ""


# ---------------------------------------------------------------- groups and whole runs


def quality_columns(groups: dict | None) -> tuple[str, ...]:
    """The columns :func:`snapshot_quality` returns, with or without groups."""
    return QUALITY_COLUMNS if groups is not None else (*BENCHMARK_COLUMNS, "eval_seconds")


def evaluate_run(run: Run, groups: dict[str, list[str]] | None = None, *, recompute: bool = False) -> pd.DataFrame:
    """Per-epoch scores of a run's input vectors: ``epoch`` plus the :func:`snapshot_quality` columns.

    ``groups=None`` uses the planted groups of the run's corpus (``corpus.planted_groups``). Columns
    already in ``metrics.csv`` are reused unless ``recompute``; missing ones are computed.
    """
    if groups is None:
        groups = planted_groups(run.corpus_name)
    columns = list(quality_columns(groups))
    if not recompute and set(columns) <= set(run.metrics.columns):
        return run.metrics[["epoch", *columns]].reset_index(drop=True)
    rows = []
    for row, epoch in enumerate(run.snapshot_epochs):
        rows.append({"epoch": epoch, **snapshot_quality(np.asarray(run.input_vectors[row]), run.vocab, groups)})
    return pd.DataFrame(rows, columns=["epoch", *columns])


def write_quality(run: Run, table: pd.DataFrame) -> Path:
    """Add (or replace) the quality columns of ``table`` in the run's metrics.csv, atomically.

    Existing columns are kept exactly as written; ``manifest.json`` gets the new size and
    sha256 of metrics.csv so ``load_run(path, verify=True)`` still passes. Returns the file.
    """
    path = run.path / "metrics.csv"
    metrics = pd.read_csv(path, dtype=str, keep_default_na=False)  # as text: written back byte for byte
    epochs = [int(e) for e in metrics["epoch"]]
    if table["epoch"].tolist() != epochs:
        raise ValueError(f"table has epochs {table['epoch'].tolist()}; metrics.csv has {epochs}")
    added = [c for c in table.columns if c != "epoch"]
    merged = pd.concat([metrics.drop(columns=added, errors="ignore"), table[added].reset_index(drop=True)], axis=1)
    atomic_write(path, merged.to_csv(index=False))
    update_manifest(run.path, "metrics.csv")
    return path
