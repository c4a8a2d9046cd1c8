"""The embedding map: a run's most frequent words as points in one fixed plane, epoch by epoch.

One projection for every epoch of a run: PCA fitted once, on the N most frequent words at the
**final epoch** (centred on their mean there), then applied unchanged to every epoch and every
word. A point moves only when its vector moves, and the axes never change. Refitting per epoch
(the usual notebook) would make the picture jump for reasons that have nothing to do with training.

What the plane hides is measured at every epoch (:attr:`EmbeddingMap.readout`): the share of
that epoch's variance the plane keeps, and the mean movement since the previous epoch in the
full space against the movement in the picture (the projection is orthonormal, so both are in
the same units). :func:`travel` makes v(T) = v(0) − η Σ_t ∇L(t) visible for chosen words: the
length of the road Σ‖v(t) − v(t−1)‖ against the net displacement ‖v(T) − v(0)‖, for the
vectors as trained.

With ``unit=True`` (the page's default) every vector is first scaled to unit length, the
directions cosine sees: the initial vectors are tiny (‖v‖ ≈ 0.08 at d = 50 against ≈ 4 after
training), so with their lengths kept epoch 0 is a dot at the centre. The map and its readout
are then measured on directions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from embedlab.runs.alignment import principal_axes
from embedlab.text.lookup import display_word
from embedlab.runs.analysis import _stack, normalize_rows
from embedlab.runs.neighbours import _top_k
from embedlab.text.builtin_corpora import group_name
from embedlab.text.vocab import Vocabulary
from embedlab.i18n import N_, _, format_in

NEIGHBOURS = 5  # nearest neighbours named when hovering over a point
OTHER = N_("other")  # the colour label of a word in no group or list (translated where it is given)
COLOUR_BY = ("planted group", "frequency band", "word lists")
COLOUR_BY_NAMES = {
    "planted group": N_("planted group"),
    "frequency band": N_("frequency band"),
    "word lists": N_("word lists"),
}


def _geometry(X: np.ndarray, unit: bool) -> np.ndarray:
    """One epoch (n, d) as float64, scaled to unit rows when ``unit``."""
    return normalize_rows(X) if unit else np.asarray(X, dtype=np.float64)


def frequent_rows(vocab: Vocabulary, n: int) -> np.ndarray:
    """Rows of the n most frequent words, most frequent first (ties: vocabulary order).

    >>> frequent_rows(Vocabulary.from_words(["a", "b", "c"], [1, 5, 3]), 2).tolist()
    [1, 2]
    """
    return np.argsort(-vocab.counts, kind="stable")[: max(0, int(n))]


@dataclass(frozen=True)
class EmbeddingMap:
    """Every word of a run at every epoch in one fixed plane, and what the plane hides.

    ``coords[e, i]`` is word i at epoch e: (v_i(e) − centre) @ axes. ``readout`` has one row
    per epoch: ``epoch, variance_kept, movement_full, movement_picture`` (the last two NaN at
    epoch 0), measured on the ``rows`` the projection was fitted on.
    """

    rows: np.ndarray  # (N,) the fitted words' rows, most frequent first
    centre: np.ndarray  # (d,) their mean at the final epoch
    axes: np.ndarray  # (d, 2) orthonormal principal axes of those words at the final epoch
    coords: np.ndarray  # (E+1, V, 2) every word, every epoch
    readout: pd.DataFrame
    unit: bool
    bounds: np.ndarray  # (2, 2) lowest and highest x, y of the fitted words over every epoch

    def extent(self, extra: Sequence[int] = (), pad: float = 0.04) -> tuple[list[float], list[float]]:
        """Fixed x and y domains covering the fitted words and the rows ``extra`` at every epoch,
        with equal spans, so distances read the same along both axes and at every epoch."""
        low, high = self.bounds
        if len(extra):
            points = self.coords[:, np.asarray(extra, dtype=np.int64)].reshape(-1, 2)
            low, high = np.minimum(low, points.min(axis=0)), np.maximum(high, points.max(axis=0))
        half = max(float((high - low).max()) / 2 * (1 + pad), 1e-12)
        middle = (low + high) / 2
        return [float(middle[0] - half), float(middle[0] + half)], [float(middle[1] - half), float(middle[1] + half)]


def build_map(vectors: np.ndarray, vocab: Vocabulary, words: int = 500, *, unit: bool = False) -> EmbeddingMap:
    """Fit the plane on the ``words`` most frequent words at the final epoch; project every epoch.

    vectors: (E+1, V, d) snapshots (a memory map is read one epoch at a time). Memory: one epoch
    in float64 plus (E+1, V, 2) coordinates.

    >>> run = np.zeros((2, 3, 3)); run[1] = [[2, 0, 0], [-2, 0, 0], [0, 1, 0]]  # epoch 1: a plane
    >>> m = build_map(run, Vocabulary.from_words(["a", "b", "c"], [3, 2, 1]), words=3)
    >>> m.readout["variance_kept"].tolist()[1], m.coords[1].astype(float).round(3).tolist()
    (1.0, [[2.0, -0.333], [-2.0, -0.333], [0.0, 0.667]])
    """
    vectors = _stack(vectors)
    if vectors.shape[1] != len(vocab):
        raise ValueError(f"the vectors have {vectors.shape[1]} rows but the vocabulary has {len(vocab)} words")
    rows = frequent_rows(vocab, words)
    last = _geometry(vectors[-1], unit)  # (V, d)
    centre = last[rows].mean(axis=0) if len(rows) else np.zeros(last.shape[1])
    axes = principal_axes(last[rows] - centre)  # (d, 2)
    coords = np.empty((vectors.shape[0], vectors.shape[1], 2), dtype=np.float32)  # for display: float32 is plenty
    table, previous = [], None
    for epoch in range(vectors.shape[0]):
        Y = last if epoch == vectors.shape[0] - 1 else _geometry(vectors[epoch], unit)  # (V, d)
        coords[epoch] = (Y - centre) @ axes
        shown = Y[rows]  # (N, d)
        spread = shown - shown.mean(axis=0)
        total = float(np.sum(spread**2))
        kept = float(np.sum((spread @ axes) ** 2)) / total if total > 0 else np.nan
        full = picture = np.nan
        if previous is not None and len(rows):
            step = shown - previous  # (N, d)
            full = float(np.linalg.norm(step, axis=1).mean())
            picture = float(np.linalg.norm(step @ axes, axis=1).mean())
        table.append((epoch, kept, full, picture))
        previous = shown
    readout = pd.DataFrame(table, columns=["epoch", "variance_kept", "movement_full", "movement_picture"])
    fitted_points = coords[:, rows].reshape(-1, 2)  # ((E+1)·N, 2)
    bounds = np.stack([fitted_points.min(axis=0), fitted_points.max(axis=0)]) if len(rows) else np.zeros((2, 2))
    for array in (rows, centre, axes, coords, bounds):
        array.setflags(write=False)  # shared by every visitor's page through a cache
    return EmbeddingMap(rows, centre, axes, coords, readout, unit, bounds)


# ---------------------------------------------------------------- what a point says


def neighbour_labels(X: np.ndarray, rows: Sequence[int], vocab: Vocabulary, k: int = NEIGHBOURS) -> list[str]:
    """For each of ``rows``: its k nearest neighbours by cosine among all V words of the epoch
    X (V, d), in the full space, as ``"queen 0.83, prince 0.80, …"``.

    Cosines in float32 (the snapshots' own precision), shown to two decimals.

    >>> v = Vocabulary.from_words(["a", "b", "c"], [3, 2, 1])
    >>> neighbour_labels(np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0]]), [0], v, k=2)
    ['b 0.89, c 0.00']
    """
    rows = np.asarray(rows, dtype=np.int64)
    indices, cosines = _top_k(normalize_rows(X, np.float32), rows, k)
    words = vocab.words
    return [
        ", ".join(f"{display_word(words[j])} {c:.2f}" for j, c in zip(row_indices, row_cosines, strict=True))
        for row_indices, row_cosines in zip(indices, cosines, strict=True)
    ]


def frequency_bands(vocab: Vocabulary, rows: Sequence[int]) -> list[str]:
    """The frequency rank band of each row: ``ranks 1–10``, ``ranks 11–100``, ``ranks 101–1,000``, …

    >>> frequency_bands(Vocabulary.from_words(list("abcdefghijkl"), range(12, 0, -1)), [0, 9, 10])
    ['ranks 1–10', 'ranks 1–10', 'ranks 11–100']
    """
    order = np.argsort(-vocab.counts, kind="stable")
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[order] = np.arange(1, len(vocab) + 1)
    edges = 10 ** np.arange(1, 19)  # rank ≤ 10 → band 0, ≤ 100 → band 1, …
    bands = np.searchsorted(edges, rank[np.asarray(rows, dtype=np.int64)], side="left")
    template = _("ranks {first:,}–{last:,}")
    return [format_in(template, first=1 if b == 0 else 10**b + 1, last=10 ** (b + 1)) for b in bands]


def parse_word_lists(text: str) -> list[list[str]]:
    """Word lists typed by a user: one list per line, words separated by spaces, commas or semicolons.

    >>> parse_word_lists("king, queen prince\\n\\n cat;dog ")
    [['king', 'queen', 'prince'], ['cat', 'dog']]
    """
    lists = [[w for w in re.split(r"[\s,;]+", line) if w] for line in text.splitlines()]
    return [words for words in lists if words]


def find_words(vocab: Vocabulary, words: Sequence[str]) -> tuple[list[str], list[str]]:
    """(found, missing): words in the vocabulary as spelled there (a word typed in another case
    is found when only its lower-case form is in the vocabulary), without repeats, in order.

    >>> find_words(Vocabulary.from_words(["king", "Paris"], [2, 1]), ["King", "Paris", "zzz", "king"])
    (['king', 'Paris'], ['zzz'])
    """
    found, missing = [], []
    for word in words:
        spelled = word if word in vocab.index else word.lower()
        if spelled in vocab.index:
            if spelled not in found:
                found.append(spelled)
        elif word not in missing:
            missing.append(word)
    return found, missing


def colour_labels(
    vocab: Vocabulary,
    rows: Sequence[int],
    by: str,
    groups: dict[str, list[str]] | None = None,
    word_lists: Sequence[Sequence[str]] = (),
) -> list[str]:
    """A colour label for each row: its planted group, its frequency band, or the user's list
    it is on (``list 1: king…``); ``"other"`` when it is in none. The first group or list wins.

    >>> v = Vocabulary.from_words(["king", "queen", "cat"], [3, 2, 1])
    >>> colour_labels(v, [0, 1, 2], "planted group", {"royalty": ["king", "queen"]})
    ['royalty', 'royalty', 'other']
    >>> colour_labels(v, [0, 2], "word lists", word_lists=[["cat", "dog"]])
    ['other', 'list 1: cat…']
    """
    if by == "frequency band":
        return frequency_bands(vocab, rows)
    if by == "planted group":
        named = [(group_name(name), words) for name, words in (groups or {}).items()]
    elif by == "word lists":
        named = [
            (_("list {i}: {word}…").format(i=i, word=words[0]), words) for i, words in enumerate(word_lists, 1) if words
        ]
    else:
        raise ValueError(f"colour by must be one of {COLOUR_BY}; got {by!r}")
    label = {}
    for name, words in named:
        for word in find_words(vocab, words)[0]:
            label.setdefault(vocab.index[word], name)
    other = _(OTHER)
    return [label.get(int(row), other) for row in rows]


def map_points(
    emap: EmbeddingMap,
    vocab: Vocabulary,
    epoch: int,
    labels: Sequence[str],
    neighbours: Sequence[str],
    highlighted: Sequence[int] = (),
) -> pd.DataFrame:
    """The points of one epoch: ``row, word, count, x, y, colour, neighbours, highlighted``.

    One row per fitted word (``labels`` and ``neighbours`` in the order of ``emap.rows``), then
    any ``highlighted`` row not among them (its label is ``"other"``, its neighbours must be
    appended to ``neighbours``). Words labelled ``"other"`` come first so coloured points are
    drawn over them.
    """
    fitted = set(emap.rows.tolist())
    extra = list(dict.fromkeys(int(r) for r in highlighted if int(r) not in fitted))
    rows = np.concatenate([emap.rows, np.asarray(extra, dtype=np.int64)])
    if len(labels) != len(emap.rows) or len(neighbours) != len(rows):
        raise ValueError(
            f"{len(labels)} labels and {len(neighbours)} neighbour lists for {len(emap.rows)} fitted "
            f"and {len(extra)} extra rows; expected {len(emap.rows)} and {len(rows)}"
        )
    marked = set(int(r) for r in highlighted)
    other = _(OTHER)
    frame = pd.DataFrame(
        {
            "row": rows,
            "word": [vocab.words[r] for r in rows],
            "count": vocab.counts[rows],
            "x": emap.coords[epoch, rows, 0],
            "y": emap.coords[epoch, rows, 1],
            "colour": list(labels) + [other] * len(extra),
            "neighbours": list(neighbours),
            "highlighted": [int(r) in marked for r in rows],
        }
    )
    order = np.argsort(frame["colour"].to_numpy() != other, kind="stable")
    return frame.iloc[order].reset_index(drop=True)


# ---------------------------------------------------------------- paths: v(T) = v(0) − η Σ ∇L


def travel(points: np.ndarray, rows: Sequence[int], epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """Road length and net displacement of ``rows`` from epoch 0 to ``epoch`` = T.

    points: (E+1, V, k) — a run's vectors (k = d) or a map's coordinates (k = 2). Returns
    (path (r,), net (r,)): path = Σ_{t=1..T} ‖p(t) − p(t−1)‖, net = ‖p(T) − p(0)‖. Since
    v(T) − v(0) = Σ_t Δv(t) = −η Σ ∇L, net ≤ path, equal only for a straight road.

    >>> p = np.array([[[0.0, 0.0]], [[3.0, 4.0]], [[0.0, 8.0]]])
    >>> [a.tolist() for a in travel(p, [0], 2)]
    [[10.0], [8.0]]
    """
    rows = np.asarray(rows, dtype=np.int64)
    road = np.asarray(points[: epoch + 1, rows], dtype=np.float64)  # (T+1, r, k)
    steps = np.linalg.norm(np.diff(road, axis=0), axis=2)  # (T, r)
    return steps.sum(axis=0), np.linalg.norm(road[-1] - road[0], axis=1)


def travel_table(
    vectors: np.ndarray, emap: EmbeddingMap, vocab: Vocabulary, words: Sequence[str], epoch: int
) -> pd.DataFrame:
    """Per word, from epoch 0 to ``epoch``: ``word, path_length, net_displacement, straightness``
    of its vector as trained (the v of v(T) = v(0) − η Σ ∇L, whatever the map's geometry) and
    ``map_path_length, map_net_displacement`` of its point in the picture."""
    found = find_words(vocab, words)[0]
    rows = [vocab.index[w] for w in found]
    path, net = travel(vectors, rows, epoch)
    map_path, map_net = travel(emap.coords, rows, epoch)
    straight = np.divide(net, path, out=np.full_like(net, np.nan), where=path > 0)
    return pd.DataFrame(
        {
            "word": found,
            "path_length": path,
            "net_displacement": net,
            "straightness": straight,
            "map_path_length": map_path,
            "map_net_displacement": map_net,
        }
    )


def map_paths(emap: EmbeddingMap, vocab: Vocabulary, words: Sequence[str], epoch: int) -> pd.DataFrame:
    """Where ``words`` were on the map at epochs 0..``epoch``: ``word, epoch, x, y``."""
    found = find_words(vocab, words)[0]
    rows = np.array([vocab.index[w] for w in found], dtype=np.int64)
    epochs = np.arange(epoch + 1)
    xy = emap.coords[: epoch + 1][:, rows]  # (T+1, r, 2)
    return pd.DataFrame(
        {
            "word": np.tile(np.array(found, dtype=object), len(epochs)),
            "epoch": np.repeat(epochs, len(rows)),
            "x": xy[:, :, 0].reshape(-1),
            "y": xy[:, :, 1].reshape(-1),
        }
    )
