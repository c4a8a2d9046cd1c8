"""How the space changes: cosines, neighbours, analogies, Procrustes alignment, trajectories.

Everything takes plain arrays — one epoch is ``X`` of shape (V, d), a whole run is
``vectors`` of shape (E+1, V, d) (often a read-only float32 memory map, never written to) —
and returns arrays or long-form pandas DataFrames that pages, the CLI and tests share.

Cosine the gensim ``matutils`` way: normalise rows once (zero rows stay zero), then one matrix
product; top-k with ``np.argpartition``, sorting only the k winners. Memory stays bounded:
cosines are computed for the requested rows only (len(rows) × V), never a (V, V) matrix.
Rotations between epochs are removed with ``scipy.linalg.orthogonal_procrustes`` before any
movement is measured, because the training objective is invariant to a rotation of the space.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.linalg import orthogonal_procrustes
from scipy.stats import spearmanr

from embedlab.errors import EmbedLabError
from embedlab.vocab import Vocabulary

ROW_CHUNK = 1024  # rows of cosines computed at once: bounds memory to ROW_CHUNK × V floats

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
            f"{word!r} is not in the vocabulary; pick a word that occurs at least min_count times."
        ) from None


def _present(vocab: Vocabulary, words: Sequence[str]) -> list[str]:
    """Words found in the vocabulary, in the given order, without repeats."""
    return list(dict.fromkeys(w for w in words if w in vocab.index))


# ---------------------------------------------------------------- cosine


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
    norms = np.linalg.norm(X, axis=1, keepdims=True)  # (n, 1)
    np.divide(X, norms, out=X, where=norms > 0)
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


# ---------------------------------------------------------------- neighbours


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
        raise EmbedLabError(f"epoch {bad[0]} does not exist in this run; choose an epoch from 0 to {last}.")
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
    cells = long.assign(cell=[f"{w} ({c:.2f})" for w, c in zip(long["neighbour"], long["cosine"], strict=True)])
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


# ---------------------------------------------------------------- analogies


def cos_add(unit: np.ndarray, a, b, c, *, cosine: bool = False) -> np.ndarray:
    """3CosAdd scores of every word for questions a − b + c: (m, V) = unit @ (â − b̂ + ĉ).

    unit: (V, d) unit rows (:func:`normalize_rows`); a, b, c: (m,) rows. The one convention
    of the package: "king − man + woman" is ``a = king, b = man, c = woman``; the Google file's
    "a : b :: c : ?" is b − a + c. With ``cosine`` the target is scaled to unit length (the
    argmax does not change). a, b and c are not excluded here.

    >>> unit = np.eye(3); cos_add(unit, [0], [1], [2]).tolist()
    [[1.0, -1.0, 1.0]]
    """
    target = unit[np.asarray(a)] - unit[np.asarray(b)] + unit[np.asarray(c)]  # (m, d)
    if cosine:
        norms = np.linalg.norm(target, axis=1, keepdims=True)
        target = np.divide(target, norms, out=np.zeros_like(target), where=norms > 0)
    return target @ unit.T


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


# ---------------------------------------------------------------- alignment and movement


def procrustes_rotation(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The orthogonal (d, d) R minimising ‖source R − target‖_F, for (n, d) arrays of the same shape.

    >>> theta = np.pi / 6
    >>> R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> bool(np.allclose(procrustes_rotation(A, A @ R), R))
    True
    """
    source, target = np.asarray(source), np.asarray(target)
    if source.ndim != 2 or source.shape != target.shape:
        raise ValueError(f"source {source.shape} and target {target.shape} must both be (n, d)")
    R, _ = orthogonal_procrustes(source.astype(np.float64), target.astype(np.float64))
    return R


def _rotations_to_last(vectors: np.ndarray, fit_rows: np.ndarray | None) -> list[np.ndarray]:
    """One (d, d) rotation per epoch taking that epoch onto the final one (identity for the last)."""
    last = vectors.shape[0] - 1
    target = np.asarray(vectors[last], dtype=np.float64)
    if fit_rows is not None:
        target = target[fit_rows]
    rotations = []
    for epoch in range(last):
        source = np.asarray(vectors[epoch] if fit_rows is None else vectors[epoch][fit_rows], dtype=np.float64)
        rotations.append(procrustes_rotation(source, target))
    rotations.append(np.eye(vectors.shape[2]))
    return rotations


def align_to_last(vectors: np.ndarray, fit_rows: Sequence[int] | None = None) -> np.ndarray:
    """Every epoch of (E+1, V, d) snapshots rotated onto the last one; float64 (E+1, V, d).

    The rotation of each epoch is fitted on ``fit_rows`` (default: all rows) and applied to all.

    >>> theta = np.pi / 3
    >>> R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    >>> last = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> bool(np.allclose(align_to_last(np.stack([last @ R.T, last]))[0], last))
    True
    """
    vectors = _stack(vectors)
    fit = None if fit_rows is None else _rows(fit_rows, vectors.shape[1])
    rotations = _rotations_to_last(vectors, fit)
    return np.stack([np.asarray(vectors[e], dtype=np.float64) @ R for e, R in enumerate(rotations)])


def principal_axes(centred: np.ndarray, k: int = 2) -> np.ndarray:
    """The first k principal axes of centred rows (n, d) as orthonormal columns (d, k): PCA by SVD.

    Sign convention (scikit-learn's ``svd_flip``): the largest loading of each axis is positive.
    When fewer than k axes exist (d < k or n < k) the missing columns are zero: a flat axis.

    >>> principal_axes(np.array([[-2.0, 0.1], [2.0, -0.1], [0.0, 0.0]]) , k=1).round(3).tolist()
    [[0.999], [-0.05]]
    """
    centred = np.asarray(centred, dtype=np.float64)
    if centred.ndim != 2:
        raise ValueError(f"centred has shape {centred.shape}; expected rows of shape (n, d)")
    _, _, components = np.linalg.svd(centred, full_matrices=False)  # rows: principal axes
    components = components[:k]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    axes = np.zeros((centred.shape[1], k))
    axes[:, : len(components)] = components.T
    return axes


def aligned_trajectories(vectors: np.ndarray, vocab: Vocabulary, words: Sequence[str]) -> pd.DataFrame:
    """2-D paths of ``words`` over the epochs: ``epoch, word, x, y``.

    Each epoch is first rotated onto the last (orthogonal Procrustes fitted on all words), so a
    rotation of the whole space is not mistaken for movement; then ONE PCA (centred SVD) is
    fitted on all aligned snapshots of the chosen words together, so every epoch shares axes.
    Words not in the vocabulary are skipped; none left → EmbedLabError.

    >>> v = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    >>> last = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> paths = aligned_trajectories(np.stack([last, last]), v, ["a", "b"])
    >>> paths.shape, list(paths.columns)
    ((4, 4), ['epoch', 'word', 'x', 'y'])
    """
    vectors = _stack(vectors)
    _check_vocab(vectors.shape[1], vocab)
    present = _present(vocab, words)
    if not present:
        raise EmbedLabError("none of the chosen words is in the vocabulary; choose words from the vocabulary.")
    ids = np.array([vocab.index[w] for w in present])
    rotations = _rotations_to_last(vectors, None)
    aligned = np.stack([np.asarray(vectors[e][ids], dtype=np.float64) @ R for e, R in enumerate(rotations)])
    n_epochs, n_words, d = aligned.shape
    flat = aligned.reshape(-1, d)  # ((E+1)·k, d)
    centred = flat - flat.mean(axis=0)
    coords = centred @ principal_axes(centred)  # (n, 2)
    return pd.DataFrame(
        {
            "epoch": np.repeat(np.arange(n_epochs), n_words),
            "word": present * n_epochs,
            "x": coords[:, 0],
            "y": coords[:, 1],
        }
    )


def change_scores(vectors: np.ndarray, vocab: Vocabulary) -> pd.DataFrame:
    """How far each word moved once rotations are removed: ``word, count, rank, change, path_length``.

    change = 1 − cos(aligned v(0), v(E)); path_length = Σ_t ‖aligned v(t) − aligned v(t−1)‖, every
    epoch rotated onto the last with Procrustes fitted on all words. Rows in vocabulary order
    (rank 1 = most frequent). Memory: two aligned epochs at a time.

    >>> v = Vocabulary.from_words(["a", "b"], [2, 1])
    >>> run = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [-1.0, 0.0]]])  # a 90° rotation
    >>> change_scores(run, v)[["change", "path_length"]].abs().round(6).values.tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    vectors = _stack(vectors)
    _check_vocab(vectors.shape[1], vocab)
    rotations = _rotations_to_last(vectors, None)
    first = np.asarray(vectors[0], dtype=np.float64) @ rotations[0]
    previous = first
    path = np.zeros(vectors.shape[1])
    for epoch in range(1, vectors.shape[0]):
        current = np.asarray(vectors[epoch], dtype=np.float64) @ rotations[epoch]
        path += np.linalg.norm(current - previous, axis=1)
        previous = current
    cos = np.sum(normalize_rows(first) * normalize_rows(previous), axis=1)  # (V,)
    return pd.DataFrame(
        {
            "word": list(vocab.words),
            "count": vocab.counts,
            "rank": np.arange(1, len(vocab) + 1),
            "change": 1.0 - cos,
            "path_length": path,
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


# ---------------------------------------------------------------- two trainers


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
