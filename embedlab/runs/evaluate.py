"""Intrinsic evaluation per epoch: WordSim-353, SimLex-999, Google analogies, planted groups.

SEED.md §5 says semantic structure forms as training proceeds; these numbers make that a
curve. The benchmark files (the copies inside the gensim wheel) are read by
:mod:`embedlab.text.benchmark_files`; a whole run's table, written into its metrics.csv and read
back, is :mod:`embedlab.runs.quality`.

- Word similarity: Spearman ρ between human scores and cosine, computed on the pairs' rows
  alone by gensim's ``KeyedVectors.evaluate_word_pairs`` rule (case-insensitive, pairs with an
  unknown word skipped; the tests check it against gensim's).
- Analogies a : b :: c : ? by 3CosAdd, argmax over the vocabulary of cos(x, b̂ − â + ĉ) with
  a, b, c excluded — gensim's ``evaluate_word_analogies`` rule, computed here as one matrix
  product on a fixed sample of questions (the tests check it against gensim's).
- Planted groups (the toy corpus): mean within- minus between-group cosine, and the silhouette
  with cosine distance.

A score computed on fewer than ``MIN_PAIRS`` pairs or questions is NaN: with so few items a
rank correlation or an accuracy is noise, and the page says "too few pairs" instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from embedlab.runs.analogies import cos_add_target
from embedlab.runs.analysis import group_separation, normalize_rows
from embedlab.text.benchmark_files import (
    ANALOGY_SAMPLE,
    PAIR_BENCHMARKS,
    _upper_index,
    analogy_questions,
    word_pairs,
    sample_analogies,
)
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.vocab import Vocabulary

RESTRICT_VOCAB = 300_000  # evaluate_word_pairs' default: words past this row are unknown to it
MIN_PAIRS = 20  # fewer pairs / questions in vocabulary than this → the score is NaN, not a number
ANALOGY_SCORES_BYTES = 16 << 20  # a block of words' unit rows and analogy scores (float32) stay under this each

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


# ---------------------------------------------------------------- scores


def _epoch(X: np.ndarray, vocab: Vocabulary) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != len(vocab):
        raise ValueError(f"input_vectors has shape {X.shape}; expected ({len(vocab)}, d) for this vocabulary")
    return X


@lru_cache(maxsize=8)
def _pair_rows(words: tuple[str, ...], benchmark: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows of the first words, rows of the second, human scores) of ``benchmark``'s pairs with
    both words in the vocabulary: gensim's evaluate_word_pairs lookup (case-insensitive, the
    most frequent spelling, only the first RESTRICT_VOCAB rows)."""
    index = _upper_index(words[:RESTRICT_VOCAB])
    known = [(index[a.upper()], index[b.upper()], score) for a, b, score in word_pairs(benchmark)
             if a.upper() in index and b.upper() in index]  # fmt: skip
    a, b, gold = zip(*known, strict=True) if known else ((), (), ())
    return np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), np.array(gold, dtype=np.float64)


def word_pair_scores(X: np.ndarray, vocab: Vocabulary, benchmark: str) -> dict:
    """``<benchmark>_spearman, _oov, _pairs`` for one epoch's vectors (V, d), as gensim's
    ``KeyedVectors.evaluate_word_pairs`` computes them (the tests compare the two).

    Spearman ρ between the human scores and the cosines of the pairs whose two words are in the
    vocabulary; ``_oov`` is the share of the benchmark's pairs with a word missing (skipped, not
    scored 0); ``_spearman`` is NaN below MIN_PAIRS pairs. Only the pairs' rows are normalised,
    so an epoch costs a few thousand floats, not a copy of the vocabulary.

    >>> v = Vocabulary.from_words(["tiger", "cat"], [2, 1])
    >>> word_pair_scores(np.eye(2), v, "wordsim353")["wordsim353_pairs"]
    2
    """
    from scipy.stats import spearmanr  # SciPy loads with the first score, not with the first page

    a, b, gold = _pair_rows(vocab.words, benchmark)
    total = len(word_pairs(benchmark))
    spearman = np.nan
    if len(a) >= MIN_PAIRS:
        X = _epoch(X, vocab)
        cosines = np.einsum("nd,nd->n", normalize_rows(X[a], np.float32), normalize_rows(X[b], np.float32))
        with np.errstate(invalid="ignore", divide="ignore"):
            spearman = float(spearmanr(gold, cosines).statistic)
    return {
        f"{benchmark}_spearman": spearman,
        f"{benchmark}_oov": (total - len(a)) / total,
        f"{benchmark}_pairs": len(a),
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
    X = _epoch(X, vocab)
    questions = sample[["a_row", "b_row", "c_row"]].to_numpy(dtype=np.int64)  # (n, 3)
    if not len(questions):
        return np.empty(0, dtype=np.int64)
    aliases = _case_aliases(vocab.words)
    # (question, word) pairs never answered: a, b, c and their other spellings
    never = [(i, r) for i, q in enumerate(questions.tolist()) for row in q for r in (row, *aliases.get(row, []))]
    out_q, out_rows = np.array(never, dtype=np.int64).T
    asked = np.unique(questions)
    at = np.searchsorted(asked, questions)  # each question's words among the rows asked about
    # a : b :: c : ?  is  b − a + c, i.e. cos_add(b, a, c) in the a − b + c convention
    target = cos_add_target(normalize_rows(X[asked], np.float32), at[:, 1], at[:, 0], at[:, 2])  # (n, d)
    best = np.full(len(questions), -np.inf, dtype=np.float32)
    predicted = np.zeros(len(questions), dtype=np.int64)
    rows = max(1, ANALOGY_SCORES_BYTES // (4 * max(len(questions), X.shape[1])))  # words a block: (n, rows), (rows, d)
    for start in range(0, len(X), rows):  # no (V, d) unit copy: a block of words at a time
        scores = target @ normalize_rows(X[start : start + rows], np.float32).T  # (n, rows)
        inside = (out_rows >= start) & (out_rows < start + scores.shape[1])
        scores[out_q[inside], out_rows[inside] - start] = -np.inf
        top = scores.argmax(axis=1)
        value = scores[np.arange(len(questions)), top]
        better = value > best  # strictly: a tie keeps the earlier word, as one argmax over V does
        best[better], predicted[better] = value[better], start + top[better]
    return predicted


def _correct(vocab: Vocabulary, predicted: np.ndarray, expected: np.ndarray) -> np.ndarray:
    first = {row: kept for kept, rows in _case_aliases(vocab.words).items() for row in rows}
    canonical = np.array([first.get(int(i), int(i)) for i in predicted], dtype=np.int64)  # its first spelling
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
    for name in PAIR_BENCHMARKS:
        row.update(word_pair_scores(X, vocab, name))
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
