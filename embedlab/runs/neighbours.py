"""Nearest neighbours: the top-k of a word at each epoch, tables of them, and how fast they turn over.

Top-k the gensim ``matutils`` way: rows normalised once, then for ROW_CHUNK rows at a time one
product (chunk, V) and ``np.argpartition``, sorting only the k winners — never a (V, V) matrix.
``vectors`` is a run's (E+1, V, d) snapshots, ``X`` one epoch (V, d).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from embedlab.runs.analysis import _check_vocab, _lookup, _rows, _stack, normalize_rows
from embedlab.errors import EmbedLabError
from embedlab.i18n import _
from embedlab.text.lookup import display_word
from embedlab.text.vocab import Vocabulary
from embedlab.i18n import number

ROW_CHUNK = 1024  # rows of cosines computed at once: bounds memory to ROW_CHUNK × V floats


def _top_k(unit: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k neighbours of each of ``rows`` among the unit rows (V, d), self excluded.

    Returns (indices (r, k'), cosines (r, k')) with k' = min(k, V − 1), best first; ties by
    lower index. Cosines are computed ROW_CHUNK rows at a time: (chunk, V), never (V, V).
    """
    V = unit.shape[0]
    k = max(0, min(int(k), V - 1))
    indices = np.zeros((len(rows), k), dtype=np.int64)
    cosines = np.zeros((len(rows), k), dtype=np.float64)
    if k == 0:
        return indices, cosines
    for start in range(0, len(rows), ROW_CHUNK):
        chunk = rows[start : start + ROW_CHUNK]
        sims = unit[chunk] @ unit.T  # (r, V)
        sims[np.arange(len(chunk)), chunk] = -np.inf  # a word is not its own neighbour
        winners = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # (r, k), unordered
        winner_cos = np.take_along_axis(sims, winners, axis=1)
        order = np.lexsort((winners, -winner_cos), axis=1)  # by cosine descending, then index
        indices[start : start + len(chunk)] = np.take_along_axis(winners, order, axis=1)
        cosines[start : start + len(chunk)] = np.take_along_axis(winner_cos, order, axis=1)
    return indices, cosines


def nearest_neighbours(X: np.ndarray, index: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of X (V, d) most cosine-similar to row ``index``, itself excluded.

    Returns (indices (k,), cosines (k,)), best first; k is capped at V − 1.

    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> idx, cos = nearest_neighbours(X, 0, k=2)
    >>> idx.tolist(), cos.round(4).tolist()
    ([1, 2], [0.7071, 0.0])
    """
    unit = normalize_rows(X)
    indices, cosines = _top_k(unit, _rows([index], unit.shape[0]), k)
    return indices[0], cosines[0]


def _epochs(vectors: np.ndarray, epochs: Sequence[int] | None) -> list[int]:
    last = vectors.shape[0] - 1
    if epochs is None:
        return list(range(last + 1))
    epochs = [int(e) for e in epochs]
    bad = [e for e in epochs if not 0 <= e <= last]
    if bad:
        raise EmbedLabError(
            _("epoch {epoch} does not exist in this run; choose an epoch from 0 to {last}.").format(epoch=bad[0], last=last)
        )
    return epochs


def neighbour_table(
    vectors: np.ndarray,
    vocab: Vocabulary,
    word: str,
    k: int = 10,
    epochs: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Nearest neighbours of ``word`` at each epoch, long form: ``epoch, rank (1..k), neighbour, cosine``.

    ``vectors`` is (E+1, V, d); ``epochs`` defaults to all of 0..E. Unknown word → EmbedLabError.

    >>> v = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    >>> run = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]], [[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]])
    >>> neighbour_table(run, v, "a", k=1)[["epoch", "rank", "neighbour"]].values.tolist()
    [[0, 1, 'c'], [1, 1, 'b']]
    """
    vectors = _stack(vectors)
    _check_vocab(vectors.shape[1], vocab)
    index = _lookup(vocab, word)
    frames = []
    for epoch in _epochs(vectors, epochs):
        indices, cosines = nearest_neighbours(vectors[epoch], index, k)
        frames.append(
            pd.DataFrame(
                {
                    "epoch": epoch,
                    "rank": np.arange(1, len(indices) + 1),
                    "neighbour": [vocab.words[i] for i in indices],
                    "cosine": cosines,
                }
            )
        )
    if not frames:
        return pd.DataFrame({"epoch": [], "rank": [], "neighbour": [], "cosine": []})
    return pd.concat(frames, ignore_index=True)


def neighbour_table_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The long table of :func:`neighbour_table` as rows = rank, columns ``epoch 0``, ``epoch 1``, …

    Each cell reads ``word (0.83)``.

    >>> long = pd.DataFrame({"epoch": [0, 1], "rank": [1, 1], "neighbour": ["b", "c"], "cosine": [0.5, 0.25]})
    >>> neighbour_table_wide(long).to_dict("list")
    {'epoch 0': ['b (0.50)'], 'epoch 1': ['c (0.25)']}
    """
    missing = {"epoch", "rank", "neighbour", "cosine"} - set(long.columns)
    if missing:
        raise ValueError(f"the table lacks columns {sorted(missing)}; pass the output of neighbour_table")
    cells = long.assign(
        cell=[f"{display_word(w)} ({number(c, '.2f')})" for w, c in zip(long["neighbour"], long["cosine"], strict=True)]
    )
    wide = cells.pivot(index="rank", columns="epoch", values="cell")
    wide = wide[sorted(wide.columns)]
    wide.columns = [f"epoch {e}" for e in wide.columns]
    return wide


def jaccard(a, b) -> float:
    """|A ∩ B| / |A ∪ B| of two collections taken as sets; two empty sets give 1.0.

    >>> jaccard([1, 2, 3], [2, 3, 4]), jaccard([], [])
    (0.5, 1.0)
    """
    a, b = set(a), set(b)
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def _row_jaccard(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Jaccard of each row pair of two (r, k) index arrays whose rows hold distinct values."""
    k = left.shape[1]
    if k == 0:
        return np.ones(left.shape[0])
    shared = (left[:, :, None] == right[:, None, :]).sum(axis=(1, 2))  # (r,) |A ∩ B|
    return shared / (2 * k - shared)


def neighbour_turnover(vectors: np.ndarray, rows: Sequence[int], k: int = 10) -> pd.DataFrame:
    """How much the top-k neighbour sets of ``rows`` change: ``epoch, jaccard_previous, jaccard_last``.

    One row per epoch 0..E: the Jaccard@k of each word's neighbours with its neighbours at
    epoch − 1 (NaN for epoch 0) and at the final epoch E, averaged over ``rows``. The top-k of
    each epoch is computed once, for all rows together.

    >>> run = np.random.default_rng(0).normal(size=(3, 20, 4))
    >>> run[2] = run[1]
    >>> neighbour_turnover(run, [0, 1, 2], k=3)["jaccard_previous"].tolist()[::2]
    [nan, 1.0]
    """
    vectors = _stack(vectors)
    rows = _rows(rows, vectors.shape[1])
    last_epoch = vectors.shape[0] - 1
    top = [_top_k(normalize_rows(vectors[e]), rows, k)[0] for e in range(last_epoch + 1)]
    previous, final = [np.nan], []
    for epoch in range(last_epoch + 1):
        if epoch > 0:
            previous.append(_row_jaccard(top[epoch], top[epoch - 1]).mean() if rows.size else np.nan)
        final.append(_row_jaccard(top[epoch], top[last_epoch]).mean() if rows.size else np.nan)
    return pd.DataFrame({"epoch": np.arange(last_epoch + 1), "jaccard_previous": previous, "jaccard_last": final})
