"""Analogies by 3CosAdd: the one a − b + c convention of the package, and its answers per epoch.

``cos_add`` is the single place the convention lives ("king − man + woman" is a = king, b = man,
c = woman); the Google file's "a : b :: c : ?" is b − a + c (:mod:`embedlab.runs.evaluate`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from embedlab.runs.analysis import _check_vocab, _lookup, _stack, normalize_rows
from embedlab.text.vocab import Vocabulary


def cos_add(unit: np.ndarray, a, b, c, *, cosine: bool = False) -> np.ndarray:
    """3CosAdd scores of every word for questions a − b + c: (m, V) = unit @ (â − b̂ + ĉ).

    unit: (V, d) unit rows (:func:`normalize_rows`); a, b, c: (m,) rows. The one convention
    of the package: "king − man + woman" is ``a = king, b = man, c = woman``; the Google file's
    "a : b :: c : ?" is b − a + c. With ``cosine`` the target is scaled to unit length (the
    argmax does not change). a, b and c are not excluded here.

    >>> unit = np.eye(3); cos_add(unit, [0], [1], [2]).tolist()
    [[1.0, -1.0, 1.0]]
    """
    target = cos_add_target(unit, a, b, c)  # (m, d)
    if cosine:
        norms = np.linalg.norm(target, axis=1, keepdims=True)
        target = np.divide(target, norms, out=np.zeros_like(target), where=norms > 0)
    return target @ unit.T


def cos_add_target(unit: np.ndarray, a, b, c) -> np.ndarray:
    """â − b̂ + ĉ for questions a − b + c, (m, d), from unit rows: what :func:`cos_add` scores
    every word against (for scoring a large vocabulary a block of words at a time)."""
    return unit[np.asarray(a)] - unit[np.asarray(b)] + unit[np.asarray(c)]


def analogy(X: np.ndarray, vocab: Vocabulary, a: str, b: str, c: str, k: int = 5) -> pd.DataFrame:
    """3CosAdd: the k words whose vectors are closest in cosine to â − b̂ + ĉ (hats: unit vectors).

    ``analogy(X, vocab, "king", "man", "woman")`` asks king − man + woman ≈ ?; a, b and c are
    never answers. Returns ``word, cosine`` best first. Unknown word → EmbedLabError naming it.

    >>> v = Vocabulary.from_words(["king", "man", "woman", "queen", "apple"], [5, 4, 3, 2, 1])
    >>> X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    >>> analogy(X, v, "king", "man", "woman", k=1).round(4).values.tolist()
    [['queen', 0.9972]]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected one epoch of shape (V, d)")
    _check_vocab(X.shape[0], vocab)
    ids = [_lookup(vocab, w) for w in (a, b, c)]
    unit = normalize_rows(X)  # (V, d)
    cosines = cos_add(unit, *([i] for i in ids), cosine=True)[0]  # (V,)
    cosines[ids] = -np.inf
    k = max(0, min(int(k), len(vocab) - len(set(ids))))
    if k == 0:
        return pd.DataFrame({"word": pd.Series([], dtype=object), "cosine": pd.Series([], dtype=float)})
    winners = np.argpartition(-cosines, k - 1)[:k]
    winners = winners[np.lexsort((winners, -cosines[winners]))]
    return pd.DataFrame({"word": [vocab.words[i] for i in winners], "cosine": cosines[winners]})


def analogy_over_epochs(vectors: np.ndarray, vocab: Vocabulary, a: str, b: str, c: str, k: int = 5) -> pd.DataFrame:
    """:func:`analogy` at every epoch of (E+1, V, d) snapshots: ``epoch, rank, word, cosine``.

    >>> v = Vocabulary.from_words(["king", "man", "woman", "queen", "apple"], [5, 4, 3, 2, 1])
    >>> X = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [-0.5, 2.0], [1.0, -1.0]])
    >>> analogy_over_epochs(np.stack([X, X]), v, "king", "man", "woman", k=1)["word"].tolist()
    ['queen', 'queen']
    """
    vectors = _stack(vectors)
    frames = []
    for epoch in range(vectors.shape[0]):
        table = analogy(vectors[epoch], vocab, a, b, c, k)
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        table.insert(0, "epoch", epoch)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
