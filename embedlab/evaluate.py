"""Intrinsic evaluation per epoch: WordSim-353, SimLex-999, Google analogies, planted groups.

SEED.md §5 says semantic structure forms as training proceeds; these numbers make that a
curve. The benchmarks are the copies that ship inside the gensim wheel
(``gensim.test.utils.datapath``), read at run time and parsed once per process.

- Word similarity: Spearman ρ between human scores and cosine, by gensim's
  ``KeyedVectors.evaluate_word_pairs`` (case-insensitive, pairs with an unknown word skipped).
- Analogies a : b :: c : ? by 3CosAdd, argmax over the vocabulary of cos(x, b̂ − â + ĉ) with
  a, b, c excluded — gensim's ``evaluate_word_analogies`` rule, computed here as one matrix
  product on a fixed sample of questions (the tests check it against gensim's).
- Planted groups (the toy corpus): mean within- minus between-group cosine, and the silhouette
  with cosine distance.

A score computed on fewer than ``MIN_PAIRS`` pairs or questions is NaN: with so few items a
rank correlation or an accuracy is noise, and the page says "too few pairs" instead.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from embedlab.analysis import cos_add, group_separation, normalize_rows
from embedlab.atomic import atomic_write
from embedlab.config import Seeds
from embedlab.corpus import planted_groups
from embedlab.store import Run, update_manifest
from embedlab.vocab import Vocabulary

MIN_PAIRS = 20  # fewer pairs / questions in vocabulary than this → the score is NaN, not a number
ANALOGY_SAMPLE = 1000  # at most this many in-vocabulary analogy questions per snapshot (bounds the time)
ANALOGY_SEED = Seeds.ANALOGIES  # the sample depends only on the vocabulary, so every epoch and trainer share it
ANALOGY_CHUNK = 256  # questions scored at once: bounds memory to ANALOGY_CHUNK × V floats

PAIR_BENCHMARKS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_FILE = "questions-words.txt"

BENCHMARK_COLUMNS = (
    "wordsim353_spearman",
    "wordsim353_oov",
    "wordsim353_pairs",
    "simlex999_spearman",
    "simlex999_oov",
    "simlex999_pairs",
    "analogy_accuracy",
    "analogy_oov",
    "analogy_count",
)
GROUP_COLUMNS = ("group_gap", "group_silhouette")
QUALITY_COLUMNS = (*BENCHMARK_COLUMNS, *GROUP_COLUMNS, "eval_seconds")


# ---------------------------------------------------------------- the benchmark files


@lru_cache(maxsize=2)
def word_pairs(benchmark: str) -> tuple[tuple[str, str, float], ...]:
    """The (word, word, human score) rows of ``wordsim353`` or ``simlex999``, parsed as gensim does.

    Lines starting with ``#`` are comments; fields are tab-separated.

    >>> len(word_pairs("wordsim353")), word_pairs("wordsim353")[0]
    (353, ('love', 'sex', 6.77))
    """
    if benchmark not in PAIR_BENCHMARKS:
        raise ValueError(f"benchmark must be one of {', '.join(PAIR_BENCHMARKS)}; got {benchmark!r}")
    rows = []
    with open(datapath(PAIR_BENCHMARKS[benchmark]), encoding="utf8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) == 3:
                rows.append((fields[0], fields[1], float(fields[2])))
    return tuple(rows)


@lru_cache(maxsize=1)
def analogy_questions() -> tuple[tuple[str, str, str, str, str], ...]:
    """Google's analogy questions as (section, a, b, c, expected): a is to b as c is to expected.

    >>> q = analogy_questions(); len(q), q[0]
    (19544, ('capital-common-countries', 'Athens', 'Greece', 'Baghdad', 'Iraq'))
    """
    rows, section = [], ""
    with open(datapath(ANALOGY_FILE), encoding="utf8") as f:
        for line in f:
            if line.startswith(": "):
                section = line[2:].strip()
                continue
            words = line.split()
            if len(words) == 4:
                rows.append((section, *words))
    return tuple(rows)


@lru_cache(maxsize=8)
def _upper_index(words: tuple[str, ...]) -> dict[str, int]:
    """Upper-cased word → row of its most frequent spelling (gensim's case-insensitive lookup)."""
    index: dict[str, int] = {}
    for row, word in enumerate(words):
        index.setdefault(word.upper(), row)
    return index


def pair_coverage(vocab: Vocabulary, benchmark: str) -> tuple[int, int]:
    """(pairs with both words in the vocabulary, pairs in the benchmark), case-insensitively.

    >>> pair_coverage(Vocabulary.from_words(["tiger", "cat"], [2, 1]), "wordsim353")
    (2, 353)
    """
    index = _upper_index(vocab.words)
    rows = word_pairs(benchmark)
    return sum(a.upper() in index and b.upper() in index for a, b, _ in rows), len(rows)


@lru_cache(maxsize=8)
def _sample_analogies(words: tuple[str, ...], size: int, seed: int) -> tuple[pd.DataFrame, int]:
    index = _upper_index(words)
    kept = [q for q in analogy_questions() if all(w.upper() in index for w in q[1:])]
    available = len(kept)
    if available > size:
        chosen = np.sort(np.random.default_rng(seed).choice(available, size, replace=False))
        kept = [kept[i] for i in chosen]
    frame = pd.DataFrame(kept, columns=["section", "a", "b", "c", "expected"])
    for column in ("a", "b", "c", "expected"):
        frame[f"{column}_row"] = np.array([index[w.upper()] for w in frame[column]], dtype=np.int64)
    return frame, available


def sample_analogies(vocab: Vocabulary, size: int = ANALOGY_SAMPLE, seed: int = ANALOGY_SEED) -> pd.DataFrame:
    """A fixed sample of at most ``size`` analogy questions whose four words are all in ``vocab``.

    Chosen uniformly with ``np.random.default_rng(seed)`` among the in-vocabulary questions
    and kept in file order, so it depends only on the vocabulary: every epoch (and both
    trainers, which share the vocabulary) answer the same questions. Columns: ``section, a,
    b, c, expected`` (the file's spelling) and ``a_row, b_row, c_row, expected_row``.
    ``frame.attrs["available"]`` is the number of in-vocabulary questions before sampling.

    >>> v = Vocabulary.from_words(["athens", "greece", "baghdad", "iraq"], [4, 3, 2, 1])
    >>> sample_analogies(v)[["section", "a", "b", "c", "expected"]].values.tolist()  # the file repeats one
    [['capital-common-countries', 'Athens', 'Greece', 'Baghdad', 'Iraq'], ['capital-common-countries', 'Baghdad', 'Iraq', 'Athens', 'Greece'], ['capital-world', 'Athens', 'Greece', 'Baghdad', 'Iraq']]
    """
    if size < 0:
        raise ValueError(f"size must be at least 0; got {size}")
    frame, available = _sample_analogies(vocab.words, int(size), int(seed))
    frame = frame.copy()
    frame.attrs["available"] = available
    return frame


# ---------------------------------------------------------------- scores


def _epoch(X: np.ndarray, vocab: Vocabulary) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != len(vocab):
        raise ValueError(f"input_vectors has shape {X.shape}; expected ({len(vocab)}, d) for this vocabulary")
    return X


@contextmanager
def _quiet_gensim():
    """gensim logs every skipped pair at INFO; silence it for the duration of one evaluation."""
    logger = logging.getLogger("gensim.models.keyedvectors")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def keyed_vectors(X: np.ndarray, vocab: Vocabulary) -> KeyedVectors:
    """gensim KeyedVectors over one epoch's (V, d) vectors, norms freshly computed.

    >>> kv = keyed_vectors(np.eye(2, dtype=np.float32), Vocabulary.from_words(["a", "b"], [2, 1]))
    >>> float(kv.similarity("a", "b"))
    0.0
    """
    X = _epoch(X, vocab)
    kv = KeyedVectors(vector_size=X.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(list(vocab.words), np.asarray(X, dtype=np.float32))
    kv.fill_norms(force=True)  # add_vectors leaves stale norms behind
    return kv


def word_pair_scores(kv: KeyedVectors, vocab: Vocabulary, benchmark: str) -> dict:
    """``<benchmark>_spearman, _oov, _pairs`` for one epoch, by gensim's evaluate_word_pairs.

    ``_oov`` is the share of the benchmark's pairs with a word missing from the vocabulary
    (those pairs are skipped, not scored 0); ``_spearman`` is NaN below MIN_PAIRS pairs.
    """
    used, total = pair_coverage(vocab, benchmark)
    spearman = np.nan
    if used >= MIN_PAIRS:
        with _quiet_gensim(), np.errstate(invalid="ignore", divide="ignore"):
            _, result, _ = kv.evaluate_word_pairs(datapath(PAIR_BENCHMARKS[benchmark]), dummy4unknown=False)
        spearman = float(result.statistic)
    return {
        f"{benchmark}_spearman": spearman,
        f"{benchmark}_oov": (total - used) / total,
        f"{benchmark}_pairs": used,
    }


@lru_cache(maxsize=8)
def _case_aliases(words: tuple[str, ...]) -> dict[int, list[int]]:
    """Rows spelled like a more frequent row up to case, keyed by that row (usually empty)."""
    index = _upper_index(words)
    aliases: dict[int, list[int]] = {}
    for row, word in enumerate(words):
        first = index[word.upper()]
        if first != row:
            aliases.setdefault(first, []).append(row)
    return aliases


def predict_analogies(X: np.ndarray, vocab: Vocabulary, sample: pd.DataFrame) -> np.ndarray:
    """3CosAdd answer row for each question of ``sample``: argmax_x cos(x, b̂ − â + ĉ), x ∉ {a, b, c}.

    ``X`` is one epoch (V, d); returns (n,) int64 vocabulary rows. Words equal to a, b or c up to
    case are excluded too, as gensim's evaluate_word_analogies does.

    >>> v = Vocabulary.from_words(["man", "king", "woman", "queen", "apple"], [5, 4, 3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    >>> q = pd.DataFrame({"a_row": [0], "b_row": [1], "c_row": [2]})
    >>> [v.words[i] for i in predict_analogies(X, v, q)]
    ['queen']
    """
    unit = normalize_rows(_epoch(X, vocab), dtype=np.float32)  # (V, d)
    questions = sample[["a_row", "b_row", "c_row"]].to_numpy(dtype=np.int64)  # (n, 3)
    aliases = _case_aliases(vocab.words)
    predicted = np.empty(len(questions), dtype=np.int64)
    for start in range(0, len(questions), ANALOGY_CHUNK):
        block = questions[start : start + ANALOGY_CHUNK]  # (m, 3)
        # a : b :: c : ?  is  b − a + c, i.e. cos_add(b, a, c) in the a − b + c convention
        scores = cos_add(unit, block[:, 1], block[:, 0], block[:, 2])  # (m, V)
        scores[np.arange(len(block))[:, None], block] = -np.inf
        if aliases:
            for i, rows in enumerate(block):
                for row in rows:
                    scores[i, aliases.get(int(row), [])] = -np.inf
        predicted[start : start + len(block)] = scores.argmax(axis=1)
    return predicted


def _correct(vocab: Vocabulary, predicted: np.ndarray, expected: np.ndarray) -> np.ndarray:
    index = _upper_index(vocab.words)
    canonical = np.array([index[vocab.words[i].upper()] for i in predicted], dtype=np.int64)
    return canonical == expected


def analogy_hits(input_vectors: np.ndarray, vocab: Vocabulary, sample: pd.DataFrame) -> pd.DataFrame:
    """Each sampled question answered at one epoch: ``section, question, expected, predicted, correct``.

    ``input_vectors`` is one epoch (V, d); ``sample`` comes from :func:`sample_analogies`.

    >>> v = Vocabulary.from_words(["athens", "greece", "baghdad", "iraq"], [4, 3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 2.0]])
    >>> analogy_hits(X, v, sample_analogies(v))[["question", "predicted", "correct"]].values.tolist()
    [['Athens : Greece :: Baghdad : ?', 'iraq', True], ['Baghdad : Iraq :: Athens : ?', 'greece', True], ['Athens : Greece :: Baghdad : ?', 'iraq', True]]
    """
    predicted = predict_analogies(input_vectors, vocab, sample)
    return pd.DataFrame(
        {
            "section": sample["section"].to_numpy(),
            "question": (sample["a"] + " : " + sample["b"] + " :: " + sample["c"] + " : ?").to_numpy(),
            "expected": sample["expected"].to_numpy(),
            "predicted": [vocab.words[i] for i in predicted],
            "correct": _correct(vocab, predicted, sample["expected_row"].to_numpy()),
        }
    )


def analogy_scores(X: np.ndarray, vocab: Vocabulary, sample: pd.DataFrame) -> dict:
    """``analogy_accuracy, analogy_oov, analogy_count`` on a sample from :func:`sample_analogies`.

    ``analogy_oov`` is the share of all Google questions with a word outside the vocabulary;
    ``analogy_count`` the questions evaluated; the accuracy is NaN below MIN_PAIRS questions.
    """
    total = len(analogy_questions())
    available = sample.attrs.get("available", len(sample))
    accuracy = np.nan
    if len(sample) >= MIN_PAIRS:
        predicted = predict_analogies(X, vocab, sample)
        accuracy = float(_correct(vocab, predicted, sample["expected_row"].to_numpy()).mean())
    return {"analogy_accuracy": accuracy, "analogy_oov": (total - available) / total, "analogy_count": len(sample)}


def cosine_silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the rows of ``X`` (n, d) under ``labels`` (n,), distance 1 − cosine.

    s(i) = (b_i − a_i) / max(a_i, b_i), a_i the mean distance to the rest of i's cluster, b_i
    the smallest mean distance to another cluster; s(i) = 0 for a cluster of one (the
    convention of scikit-learn's silhouette_score). NaN unless 2 ≤ clusters ≤ n − 1.

    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> cosine_silhouette(X, np.array([0, 0, 1, 1]))
    1.0
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise ValueError(f"X has shape {X.shape} and labels {labels.shape}; expected (n, d) and (n,)")
    clusters, label_ids = np.unique(labels, return_inverse=True)
    n = len(labels)
    if not 2 <= len(clusters) <= n - 1:
        return float("nan")
    unit = normalize_rows(X)
    distance = 1.0 - unit @ unit.T  # (n, n)
    np.fill_diagonal(distance, 0.0)  # exactly 0 to itself, even for a zero vector
    members = np.eye(len(clusters))[label_ids]  # (n, k) one-hot
    sizes = members.sum(axis=0)  # (k,)
    sums = distance @ members  # (n, k): summed distance from i to each cluster
    own = sizes[label_ids]  # (n,)
    a = sums[np.arange(n), label_ids] / np.maximum(own - 1, 1)  # mean over the others: self adds 0
    mean_other = sums / sizes  # (n, k)
    mean_other[np.arange(n), label_ids] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(np.nan_to_num(s, nan=0.0).mean())


def group_scores(X: np.ndarray, vocab: Vocabulary, groups: dict[str, list[str]]) -> dict:
    """``group_gap`` (within- minus between-group mean cosine) and ``group_silhouette`` for one epoch.

    Only group words in the vocabulary count; a word listed in two groups belongs to the first.

    >>> v = Vocabulary.from_words(["a", "b", "c", "d"], [4, 3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    >>> {k: round(x, 3) for k, x in group_scores(X, v, {"x": ["a", "b"], "y": ["c", "d"]}).items()}
    {'group_gap': 0.896, 'group_silhouette': 0.994}
    """
    X = _epoch(X, vocab)
    label_of: dict[int, int] = {}
    for label, words in enumerate(groups.values()):
        for word in words:
            if word in vocab.index:
                label_of.setdefault(vocab.index[word], label)
    rows = np.fromiter(label_of.keys(), dtype=np.int64, count=len(label_of))
    labels = np.fromiter(label_of.values(), dtype=np.int64, count=len(label_of))
    silhouette = cosine_silhouette(X[rows], labels) if len(rows) else float("nan")
    return {"group_gap": float(group_separation(X, vocab, groups)), "group_silhouette": silhouette}


def snapshot_quality(
    input_vectors: np.ndarray,
    vocab: Vocabulary,
    groups: dict[str, list[str]] | None = None,
    *,
    analogy_sample: int = ANALOGY_SAMPLE,
) -> dict:
    """Every intrinsic score of one epoch's input vectors (V, d), as one metrics row.

    Keys: ``wordsim353_spearman, wordsim353_oov, wordsim353_pairs``, the same for
    ``simlex999``, ``analogy_accuracy, analogy_oov, analogy_count`` (3CosAdd on at most
    ``analogy_sample`` in-vocabulary questions), with ``groups`` also ``group_gap,
    group_silhouette``, and ``eval_seconds``. Scores on fewer than MIN_PAIRS items are NaN.

    >>> v = Vocabulary.from_words(["tiger", "cat"], [2, 1])
    >>> row = snapshot_quality(np.eye(2, dtype=np.float32), v)
    >>> row["wordsim353_pairs"], bool(np.isnan(row["wordsim353_spearman"])), row["analogy_count"]
    (2, True, 0)
    """
    started = time.perf_counter()
    X = _epoch(input_vectors, vocab)
    row: dict = {}
    if any(pair_coverage(vocab, name)[0] >= MIN_PAIRS for name in PAIR_BENCHMARKS):
        kv = keyed_vectors(X, vocab)
    else:
        kv = None  # nothing to score: skip building gensim's index
    for name in PAIR_BENCHMARKS:
        row.update(word_pair_scores(kv, vocab, name))
    row.update(analogy_scores(X, vocab, sample_analogies(vocab, analogy_sample)))
    if groups is not None:
        row.update(group_scores(X, vocab, groups))
    row["eval_seconds"] = time.perf_counter() - started
    return row


@dataclass(frozen=True)
class Scorer:
    """The per-snapshot scorer the training loop calls (``training.fit(scorer=...)``): every
    intrinsic score of one epoch's input vectors as extra metrics columns."""

    vocab: Vocabulary
    groups: dict[str, list[str]] | None
    key: str = "benchmarks-1"  # part of a run's cache key: bump when the scores change

    def __call__(self, input_vectors: np.ndarray) -> dict:
        return snapshot_quality(input_vectors, self.vocab, self.groups)


def scorer_for(vocab: Vocabulary, corpus_name: str) -> Scorer:
    """The scorer of a run on ``corpus_name`` (its planted groups, if any)."""
    return Scorer(vocab, planted_groups(corpus_name))


BENCHMARK_NAMES = {"wordsim353": "WordSim-353", "simlex999": "SimLex-999"}


def spearman_interval(rho: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % interval of a Spearman ρ on n pairs: Fisher's z with the standard error
    1.03/√(n − 3) of Fieller, Hartley and Pearson (1957) for rank correlations.

    >>> [round(x, 3) for x in spearman_interval(0.5, 103)]
    [0.334, 0.636]
    """
    if not np.isfinite(rho) or n <= 3:
        return float("nan"), float("nan")
    centre, half = np.arctanh(np.clip(rho, -0.999999, 0.999999)), z * 1.03 / np.sqrt(n - 3)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


def wilson_interval(accuracy: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of an accuracy measured on n questions.

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
        lines.append(f"{label}: {used} of {total} pairs in vocabulary" + _too_few(used))
    total = len(analogy_questions())
    available = int(round((1.0 - float(row["analogy_oov"])) * total))
    used = int(row["analogy_count"])
    sampled = f", {used:,} sampled" if used < available else ""
    lines.append(f"Google analogies: {available:,} of {total:,} questions in vocabulary{sampled}" + _too_few(used))
    return lines


def _too_few(n: int) -> str:
    return f" (too few to score, fewer than {MIN_PAIRS})" if n < MIN_PAIRS else ""


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
    for epoch in range(run.epochs + 1):
        rows.append({"epoch": epoch, **snapshot_quality(np.asarray(run.input_vectors[epoch]), run.vocab, groups)})
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
