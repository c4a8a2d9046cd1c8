"""Alignment and movement: Procrustes rotations between epochs, 2-D trajectories, change scores.

The training objective is invariant to a rotation of the space, so every epoch is rotated onto
the last with ``scipy.linalg.orthogonal_procrustes`` before any movement is measured.
``vectors`` is a run's (E+1, V, d) snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from embedlab.runs.analysis import _check_vocab, _present, _rows, _stack, normalize_rows
from embedlab.errors import EmbedLabError
from embedlab.i18n import _
from embedlab.text.vocab import Vocabulary


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
    from scipy.linalg import orthogonal_procrustes

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
        raise EmbedLabError(_("none of the chosen words is in the vocabulary; choose words from the vocabulary."))
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
