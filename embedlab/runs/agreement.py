"""Two trainers compared: do their spaces agree on which words are similar?

Pairwise cosines of the same rows in two spaces, correlated (Pearson, Spearman), and the
Jaccard@k of each word's neighbours in both. Invariant to a rotation or scaling of either space.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from embedlab.runs.analysis import _check_vocab, _rows, _stack, cosine_matrix, normalize_rows
from embedlab.runs.neighbours import _row_jaccard, _top_k
from embedlab.text.vocab import Vocabulary


def _upper_cosines(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    cosines = cosine_matrix(X, rows)
    return cosines[np.triu_indices(len(rows), 1)]


def _check_pair(XA: np.ndarray, XB: np.ndarray, ndim: int) -> None:
    what = "(V, d)" if ndim == 2 else "(E+1, V, d)"
    if XA.ndim != ndim or XB.ndim != ndim or XA.shape[ndim - 2] != XB.shape[ndim - 2]:
        raise ValueError(f"shapes {XA.shape} and {XB.shape} must both be {what} with the same V")


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return np.nan
    return float(np.corrcoef(x, y)[0, 1])


def similarity_agreement(XA: np.ndarray, XB: np.ndarray, rows: Sequence[int]) -> float:
    """Pearson correlation of the pairwise cosines of ``rows`` in two spaces (V, dA) and (V, dB).

    Uses each unordered pair of distinct rows once; NaN with fewer than 2 pairs. Invariant to a
    rotation or scaling of either space.

    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, -0.5]])
    >>> round(similarity_agreement(X, 3 * X[:, ::-1], [0, 1, 2, 3]), 6)
    1.0
    """
    XA, XB = np.asarray(XA), np.asarray(XB)
    _check_pair(XA, XB, 2)
    rows = _rows(rows, XA.shape[0])
    return _pearson(_upper_cosines(XA, rows), _upper_cosines(XB, rows))


def agreement_over_epochs(vectors_a: np.ndarray, vectors_b: np.ndarray, rows: Sequence[int]) -> pd.DataFrame:
    """Pearson and Spearman correlation of pairwise cosines per epoch: ``epoch, pearson, spearman``.

    Two runs over the same vocabulary, (Ea+1, V, d) and (Eb+1, V, d); epochs 0..min(Ea, Eb).

    >>> run = np.random.default_rng(0).normal(size=(2, 6, 3))
    >>> agreement_over_epochs(run, run, range(6))[["pearson", "spearman"]].round(6).values.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    vectors_a, vectors_b = _stack(vectors_a, "vectors_a"), _stack(vectors_b, "vectors_b")
    _check_pair(vectors_a, vectors_b, 3)
    from scipy.stats import spearmanr  # SciPy's statistics load in ~1 s: only when a page asks

    rows = _rows(rows, vectors_a.shape[1])
    table = []
    for epoch in range(min(vectors_a.shape[0], vectors_b.shape[0])):
        a, b = _upper_cosines(vectors_a[epoch], rows), _upper_cosines(vectors_b[epoch], rows)
        pearson = _pearson(a, b)
        spearman = np.nan if np.isnan(pearson) else float(spearmanr(a, b).statistic)
        table.append((epoch, pearson, spearman))
    return pd.DataFrame(table, columns=["epoch", "pearson", "spearman"])


def neighbour_overlap(
    XA: np.ndarray, XB: np.ndarray, rows: Sequence[int], vocab: Vocabulary, k: int = 10
) -> pd.DataFrame:
    """Jaccard@k of each word's neighbours in two spaces (V, dA) and (V, dB): ``word, jaccard``.

    >>> v = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    >>> X = np.array([[1.0, 0.0], [1.0, 0.2], [0.0, 1.0]])
    >>> neighbour_overlap(X, X[[0, 2, 1]], [0], v, k=1).values.tolist()
    [['a', 0.0]]
    """
    XA, XB = np.asarray(XA), np.asarray(XB)
    _check_pair(XA, XB, 2)
    _check_vocab(XA.shape[0], vocab)
    rows = _rows(rows, XA.shape[0])
    top_a = _top_k(normalize_rows(XA), rows, k)[0]
    top_b = _top_k(normalize_rows(XB), rows, k)[0]
    return pd.DataFrame({"word": [vocab.words[i] for i in rows], "jaccard": _row_jaccard(top_a, top_b)})
