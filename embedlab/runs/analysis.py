"""Cosines among chosen words: the shared row normaliser, cosine matrices, the heatmap's long
table, the planted groups' within- and between-group cosine, and the words to show first.

Everything takes plain arrays — one epoch is ``X`` of shape (V, d), a whole run is
``vectors`` of shape (E+1, V, d) (often a read-only float32 memory map, never written to) —
and returns arrays or long-form pandas DataFrames that pages, the CLI and tests share.

Cosine the gensim ``matutils`` way: normalise rows once (zero rows stay zero), then one matrix
product. Memory stays bounded: cosines are computed for the requested rows only, never a
(V, V) matrix. The shape checks and vocabulary look-ups here are shared by the sibling modules
that read runs: :mod:`embedlab.runs.neighbours`, :mod:`embedlab.runs.analogies`, :mod:`embedlab.runs.alignment`
and :mod:`embedlab.runs.agreement`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from embedlab.errors import EmbedLabError
from embedlab.i18n import _
from embedlab.text.vocab import Vocabulary

# Skipped by default_words: they dominate every frequency list and say nothing about meaning.
STOP_WORDS = frozenset(
    """
    the and for are but not you all any can had her was one our out has him his how its may new now
    old see two way who did get let put say she too use that with have this will your from they know
    want been good much some time very when come here just like long make many more only over such
    take than them well were what into also then there their these those which would could should
    about after again being because before between both does doing down during each few further
    itself most other same so than through under until while whom why yours yourself themselves
    """.split()
)


# ---------------------------------------------------------------- shapes and lookups


def _stack(vectors: np.ndarray, name: str = "vectors") -> np.ndarray:
    """A run's snapshots (E+1, V, d), left as they are (a memory map stays on disk)."""
    if not hasattr(vectors, "ndim"):
        vectors = np.asarray(vectors)
    if vectors.ndim != 3:
        raise ValueError(f"{name} has shape {vectors.shape}; expected snapshots of shape (E+1, V, d)")
    return vectors


def _rows(rows: Sequence[int], n: int) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.int64).reshape(-1) if len(rows) else np.zeros(0, np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"rows must index 0..{n - 1}; got values from {rows.min()} to {rows.max()}")
    return rows


def _check_vocab(X_rows: int, vocab: Vocabulary) -> None:
    if X_rows != len(vocab):
        raise ValueError(f"the vectors have {X_rows} rows but the vocabulary has {len(vocab)} words")


def _lookup(vocab: Vocabulary, word: str) -> int:
    try:
        return vocab.index[word]
    except KeyError:
        raise EmbedLabError(
            _("{word} is not in the vocabulary; pick a word that occurs at least min_count times.").format(word=repr(word))
        ) from None


def _present(vocab: Vocabulary, words: Sequence[str]) -> list[str]:
    """Words found in the vocabulary, in the given order, without repeats."""
    return list(dict.fromkeys(w for w in words if w in vocab.index))


# ---------------------------------------------------------------- cosine


NORMALIZE_ROWS = 1 << 14  # rows normalised at once


def normalize_rows(X: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Rows scaled to unit length, a new (n, d) array of ``dtype``; an all-zero row stays zero.

    The one row normaliser of the package (cosines, neighbours, analogies, benchmarks).

    >>> normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected one epoch of shape (V, d)")
    X = X.astype(dtype)
    for start in range(0, len(X), NORMALIZE_ROWS):  # a block at a time: norm() squares a whole copy
        block = X[start : start + NORMALIZE_ROWS]
        norms = np.linalg.norm(block, axis=1, keepdims=True)  # (rows, 1), each row's sum as before
        np.divide(block, norms, out=block, where=norms > 0)
    return X


def cosine_matrix(X: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """Cosines among ``X[rows]``: (k, k) for k rows of an (V, d) epoch.

    >>> cosine_matrix(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), [0, 2]).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected one epoch of shape (V, d)")
    unit = normalize_rows(X[_rows(rows, X.shape[0])])  # (k, d)
    return unit @ unit.T


def similarity_frame(X: np.ndarray, words: Sequence[str], vocab: Vocabulary) -> pd.DataFrame:
    """Long form ``word_a, word_b, cosine`` over every ordered pair of ``words`` (for a heatmap).

    Words not in the vocabulary are skipped; repeats are dropped.

    >>> v = Vocabulary.from_words(["a", "b"], [2, 1])
    >>> similarity_frame(np.array([[1.0, 0.0], [1.0, 1.0]]), ["a", "b", "zzz"], v).round(4).values.tolist()
    [['a', 'a', 1.0], ['a', 'b', 0.7071], ['b', 'a', 0.7071], ['b', 'b', 1.0]]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected one epoch of shape (V, d)")
    _check_vocab(X.shape[0], vocab)
    present = _present(vocab, words)
    cosines = cosine_matrix(X, [vocab.index[w] for w in present])  # (k, k)
    k = len(present)
    return pd.DataFrame(
        {
            "word_a": np.repeat(present, k).astype(object) if k else [],
            "word_b": np.tile(present, k).astype(object) if k else [],
            "cosine": cosines.reshape(-1),
        }
    )


# ---------------------------------------------------------------- planted groups


def _group_rows(vocab: Vocabulary, groups: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the group words present in the vocabulary, and a group label per row."""
    rows, labels = [], []
    for label, (_, words) in enumerate(groups.items()):
        for word in _present(vocab, words):
            rows.append(vocab.index[word])
            labels.append(label)
    return np.array(rows, dtype=np.int64), np.array(labels, dtype=np.int64)


def _within_between(X: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    cosines = cosine_matrix(X, rows)  # (k, k)
    upper = np.triu(np.ones_like(cosines, dtype=bool), 1) & (rows[:, None] != rows[None, :])
    same = labels[:, None] == labels[None, :]
    within, between = cosines[upper & same], cosines[upper & ~same]
    return (
        float(within.mean()) if within.size else np.nan,
        float(between.mean()) if between.size else np.nan,
    )


def group_separation(X: np.ndarray, vocab: Vocabulary, groups: dict[str, list[str]]) -> float:
    """Mean within-group cosine minus mean between-group cosine (pairs of distinct words).

    Words missing from the vocabulary are skipped; NaN when either kind of pair is missing.

    >>> v = Vocabulary.from_words(["a", "b", "c", "d"], [4, 3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> group_separation(X, v, {"x": ["a", "b"], "y": ["c", "d", "zzz"]})
    1.0
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected one epoch of shape (V, d)")
    _check_vocab(X.shape[0], vocab)
    within, between = _within_between(X, *_group_rows(vocab, groups))
    return within - between


def separation_over_epochs(vectors: np.ndarray, vocab: Vocabulary, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Within-group and between-group mean cosine per epoch: ``epoch, within, between, gap``.

    >>> v = Vocabulary.from_words(["a", "b", "c", "d"], [4, 3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> separation_over_epochs(np.stack([X]), v, {"x": ["a", "b"], "y": ["c", "d"]}).values.tolist()
    [[0.0, 1.0, 0.0, 1.0]]
    """
    vectors = _stack(vectors)
    _check_vocab(vectors.shape[1], vocab)
    rows, labels = _group_rows(vocab, groups)
    table = [(epoch, *_within_between(vectors[epoch], rows, labels)) for epoch in range(vectors.shape[0])]
    frame = pd.DataFrame(table, columns=["epoch", "within", "between"])
    frame["gap"] = frame["within"] - frame["between"]
    return frame


# ---------------------------------------------------------------- words to show


def default_words(vocab: Vocabulary, groups: dict[str, list[str]] | None, n: int = 30) -> list[str]:
    """Words to show first: the planted groups' words found in the vocabulary, in group order,
    else the n most frequent words longer than two letters that are not stop words.

    >>> v = Vocabulary.from_words(["the", "of", "cat", "dog", "and"], [9, 8, 7, 6, 5])
    >>> default_words(v, None, n=5), default_words(v, {"pets": ["dog", "emu"]})
    (['cat', 'dog'], ['dog'])
    """
    if groups:
        found = _present(vocab, [w for words in groups.values() for w in words])
        if found:
            return found
    chosen = []
    for word in vocab.words:  # most frequent first
        if len(chosen) >= n:
            break
        if len(word) > 2 and word.lower() not in STOP_WORDS:
            chosen.append(word)
    return chosen
