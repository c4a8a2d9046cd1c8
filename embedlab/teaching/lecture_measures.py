"""The Lecture's measurements: plain array functions over a run's snapshots (E+1, V, d).

A word's steps between snapshots and their sum (bookkeeping), the analogy rank of a word per epoch, the
spread of cosines among the most frequent words. :mod:`embedlab.teaching.lecture` writes its notes from
them; ``tests/test_lecture.py`` checks them against computations written another way.

>>> X = np.array([[[0.0, 0.0]], [[1.0, 0.0]], [[1.0, 2.0]]])  # one word, epochs 0..2
>>> word_steps(X, 0)[["step", "net", "path"]].round(4).values.tolist()
[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.2361, 3.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from embedlab.runs.analogies import cos_add
from embedlab.runs.analysis import normalize_rows
from embedlab.text.vocab import Vocabulary

SPREAD_WORDS = 300  # cosines of all pairs among this many most frequent words (bounded work on any V)
SPREAD_QUANTILES = (0.05, 0.5, 0.95)
COMPONENTS = 6  # components of v shown in the §3 table


def _snapshots(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 3 or vectors.shape[0] < 1:
        raise ValueError(f"vectors has shape {vectors.shape}; expected (epochs+1, V, d)")
    return vectors


def word_steps(vectors: np.ndarray, row: int) -> pd.DataFrame:
    """One word's movement between snapshots: ``epoch, step, net, path, norm``.

    vectors: (E+1, V, d). step = ‖Δv(t)‖ = ‖v(t) − v(t−1)‖ (0 at epoch 0); net = ‖v(t) − v(0)‖;
    path = Σ_{s≤t} ‖Δv(s)‖; norm = ‖v(t)‖. Computed in float64 from the stored snapshots.
    """
    v = _snapshots(vectors)[:, row, :].astype(np.float64)  # (E+1, d)
    deltas = np.diff(v, axis=0)  # (E, d): Δv(1..E)
    step = np.concatenate([[0.0], np.linalg.norm(deltas, axis=1)])
    return pd.DataFrame(
        {
            "epoch": np.arange(len(v)),
            "step": step,
            "net": np.linalg.norm(v - v[0], axis=1),
            "path": np.cumsum(step),
            "norm": np.linalg.norm(v, axis=1),
        }
    )


def step_table(vectors: np.ndarray, row: int, components: int = COMPONENTS) -> pd.DataFrame:
    """v(0), every Δv(t), their sum and v(T), component by component, as rows of a table: the
    bookkeeping of a path (v(0) + Σ Δv(t) = v(T) holds for any arrays; :mod:`embedlab.teaching.descent`
    checks that the steps follow the gradient).

    Rows: ``v(0)``, ``Δv(1)`` … ``Δv(T)``, ``Σ Δv(t)``, ``v(0) + Σ Δv(t)``, ``v(T)``; columns: the
    first ``components`` components ``v[1]``… and the vector's length ``‖·‖`` (float64).

    >>> X = np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 1.0]]])
    >>> step_table(X, 0, 2).loc["v(0) + Σ Δv(t)"].tolist() == step_table(X, 0, 2).loc["v(T)"].tolist()
    True
    """
    v = _snapshots(vectors)[:, row, :].astype(np.float64)  # (E+1, d)
    deltas = np.diff(v, axis=0)  # (E, d)
    total = deltas.sum(axis=0)
    rows = [v[0], *deltas, total, v[0] + total, v[-1]]
    labels = ["v(0)", *[f"Δv({t})" for t in range(1, len(v))], "Σ Δv(t)", "v(0) + Σ Δv(t)", "v(T)"]
    k = min(components, v.shape[1])
    table = pd.DataFrame([r[:k] for r in rows], index=labels, columns=[f"v[{i + 1}]" for i in range(k)])
    table["‖·‖"] = [float(np.linalg.norm(r)) for r in rows]
    table.index.name = "row"
    return table


def analogy_rank(vectors: np.ndarray, vocab: Vocabulary, a: str, b: str, c: str, expected: str) -> pd.DataFrame:
    """Where ``expected`` ranks as the answer to a − b + c at every epoch (3CosAdd, as on the
    Neighbours page): ``epoch, rank, cosine, best, best_cosine``.

    rank 1 = the nearest of all words but a, b and c to â − b̂ + ĉ (hats: unit vectors), by cosine;
    ``best`` is the word that is nearest. Ties count in the expected word's favour.

    >>> v = Vocabulary.from_words(["king", "man", "woman", "queen", "apple"], [5, 4, 3, 2, 1])
    >>> X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    >>> analogy_rank(np.stack([X]), v, "king", "man", "woman", "queen")[["rank", "best"]].values.tolist()
    [[1, 'queen']]
    """
    vectors = _snapshots(vectors)
    ids = [vocab.index[w] for w in (a, b, c)]
    target = vocab.index[expected]
    candidates = np.ones(len(vocab), dtype=bool)
    candidates[ids] = False
    rows = []
    for epoch in range(vectors.shape[0]):
        cosines = cos_add(normalize_rows(vectors[epoch]), *([i] for i in ids), cosine=True)[0]  # (V,)
        scores = np.where(candidates, cosines, -np.inf)
        best = int(np.argmax(scores))
        rank = 1 + int(np.sum(scores > scores[target]))
        rows.append((epoch, rank, float(scores[target]), vocab.words[best], float(scores[best])))
    return pd.DataFrame(rows, columns=["epoch", "rank", "cosine", "best", "best_cosine"])


def frequent_rows(vocab: Vocabulary, n: int = SPREAD_WORDS) -> np.ndarray:
    """The rows of the ``n`` most frequent words (the vocabulary is sorted by count)."""
    return np.arange(min(n, len(vocab)))


def cosine_spread(vectors: np.ndarray, rows: Sequence[int], quantiles=SPREAD_QUANTILES) -> pd.DataFrame:
    """The distribution of cosines of all pairs of distinct ``rows``, per epoch:
    ``epoch, low, median, high, mean, sd, pairs`` (low/median/high: the given quantiles).

    >>> X = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    >>> cosine_spread(X, [0, 1])[["median", "pairs"]].values.tolist()
    [[0.0, 1.0]]
    """
    vectors = _snapshots(vectors)
    rows = np.asarray(rows, dtype=np.int64)
    upper = np.triu_indices(len(rows), k=1)
    table = []
    for epoch in range(vectors.shape[0]):
        unit = normalize_rows(vectors[epoch][rows])  # (k, d)
        cosines = (unit @ unit.T)[upper]
        low, median, high = np.quantile(cosines, quantiles)
        table.append((epoch, low, median, high, cosines.mean(), cosines.std(), len(cosines)))
    return pd.DataFrame(table, columns=["epoch", "low", "median", "high", "mean", "sd", "pairs"])
