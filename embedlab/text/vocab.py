"""One vocabulary, one held-out split, the encoded sentences, and the (centre, context) pairs.

The vocabulary is ordered by descending count, ties broken by the word itself, so row i of
every array in a run directory is the same word whichever trainer made it.

Sentences are kept encoded as one flat int32 array of word rows plus sentence boundaries
(:class:`Encoded`): nothing per token is a Python object once a corpus is encoded.

The pairs both trainers see are gensim's skip-gram pairs: frequent words dropped with
probability 1 − keep(w) (subsampling), then every centre position i gets a window b_i drawn
uniformly from 1..W and pairs with each kept word at distance ≤ b_i in its sentence.
:func:`embedlab.text.pair_counts.expected_pair_counts` gives the *expectation* of that draw as
a (V, V) matrix of weighted counts, the distribution every per-epoch metric is computed on.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import EmbedLabError

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    pass


@dataclass(frozen=True)
class Vocabulary:
    """Words in row order with their training-split counts.

    >>> v = build_vocabulary([["a", "b", "a"], ["c", "a", "b"]], min_count=2)
    >>> v.words, v.counts.tolist(), v.index["b"]
    (('a', 'b'), [3, 2], 1)
    """

    words: tuple[str, ...]
    counts: np.ndarray  # (V,) int64, descending
    index: dict[str, int] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def from_words(cls, words, counts) -> Vocabulary:
        words = tuple(words)
        counts = np.asarray(counts, dtype=np.int64)
        if counts.shape != (len(words),):
            raise ValueError(f"counts has shape {counts.shape}, expected ({len(words)},)")
        return cls(words, counts, {w: i for i, w in enumerate(words)})


def build_vocabulary(sentences: list[list[str]], min_count: int = 5, max_vocab: int | None = None) -> Vocabulary:
    """Words seen at least ``min_count`` times, most frequent first (ties: alphabetical).

    Raises EmbedLabError when fewer than two words are left, naming the setting to change.
    """
    counts = Counter(chain.from_iterable(sentences))
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if max_vocab is not None:
        kept = kept[:max_vocab]
    if len(kept) < 2:
        raise EmbedLabError(
            f"only {len(kept)} distinct word(s) occur at least {min_count} times in the training text; "
            "lower min_count or use a larger corpus."
        )
    return Vocabulary.from_words([w for w, _ in kept], [c for _, c in kept])


# ---------------------------------------------------------------- the held-out split


def heldout_indices(sentences: Sequence[Sequence[str]], fraction: float = 0.1, seed: int = 0) -> np.ndarray:
    """Sorted indices of the held-out sentences: about ``fraction`` of them, never one that
    also occurs (token for token) among the training sentences.

    Identical sentences form one group and the groups are drawn in a random order
    (``default_rng(seed)``) until the held-out share is reached, so a repeated sentence is
    wholly held out or wholly trained on; the prefix of groups closest to the share is held
    out, which may be none when a corpus repeats a few sentences over and over. The split
    depends on the sentences and ``seed`` only, never on a training seed. At least one
    sentence stays in training.

    >>> heldout_indices([["a"], ["b"], ["a"], ["c"], ["d"], ["a"]], 0.5, seed=1).tolist()  # every "a" together
    [0, 2, 5]
    """
    n = len(sentences)
    if fraction <= 0 or n < 2:
        return np.zeros(0, dtype=np.int64)
    group_of: dict[tuple, int] = {}
    groups = np.fromiter((group_of.setdefault(tuple(s), len(group_of)) for s in sentences), dtype=np.int64, count=n)
    if len(group_of) < 2:
        return np.zeros(0, dtype=np.int64)
    sizes = np.bincount(groups)
    order = np.random.default_rng(seed).permutation(len(sizes))
    wanted = max(1, int(round(fraction * n)))
    taken = np.concatenate([[0], np.cumsum(sizes[order])])
    n_groups = int(np.argmin(np.abs(taken - wanted)))  # the prefix of groups closest to the share
    n_groups = min(n_groups, len(sizes) - 1)  # keep at least one group for training
    held = np.zeros(len(sizes), dtype=bool)
    held[order[:n_groups]] = True
    return np.flatnonzero(held[groups])


def split_heldout(sentences: list, fraction: float = 0.1, seed: int = 0) -> tuple[list, list]:
    """Sentences split into (train, heldout) by :func:`heldout_indices`; order within each kept.

    >>> train, held = split_heldout([[str(i)] for i in range(10)], 0.2, seed=0)
    >>> len(train), len(held)
    (8, 2)
    """
    is_held = np.zeros(len(sentences), dtype=bool)
    is_held[heldout_indices(sentences, fraction, seed)] = True
    train = [s for s, h in zip(sentences, is_held, strict=True) if not h]
    held = [s for s, h in zip(sentences, is_held, strict=True) if h]
    return train, held


# ---------------------------------------------------------------- encoded sentences


@dataclass(frozen=True)
class Encoded:
    """Sentences as word rows: one flat int32 array and the boundaries between sentences.

    Sentence i is ``tokens[starts[i]:starts[i + 1]]``; no sentence is empty.

    >>> e = Encoded.from_arrays([np.array([0, 1]), np.array([2])])
    >>> len(e), e.n_tokens, e[1].tolist(), e.sentence_ids().tolist()
    (2, 3, [2], [0, 0, 1])
    """

    tokens: np.ndarray  # (N,) int32
    starts: np.ndarray  # (S + 1,) int64, starts[0] = 0, starts[-1] = N

    @classmethod
    def from_arrays(cls, sentences: Sequence[np.ndarray]) -> Encoded:
        sentences = [np.asarray(s, dtype=np.int32) for s in sentences if len(s)]
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        tokens = np.concatenate(sentences).astype(np.int32) if sentences else np.zeros(0, np.int32)
        return cls(tokens, starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.tokens[self.starts[i] : self.starts[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    @property
    def n_tokens(self) -> int:
        return int(self.starts[-1])

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    def sentence_ids(self) -> np.ndarray:
        """(N,) int32: the sentence of every token."""
        return np.repeat(np.arange(len(self), dtype=np.int32), self.lengths)

    def select(self, rows: Sequence[int]) -> Encoded:
        """The sentences ``rows`` (repeats allowed, e.g. a bootstrap resample), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[rows]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        # every token of the chosen sentences, gathered with one index array
        offsets = np.repeat(self.starts[rows] - starts[:-1], lengths)
        return Encoded(self.tokens[np.arange(starts[-1]) + offsets], starts)


def as_encoded(sentences) -> Encoded:
    return sentences if isinstance(sentences, Encoded) else Encoded.from_arrays(list(sentences))


def encode(sentences: list[list[str]], vocab: Vocabulary) -> Encoded:
    """Sentences as int32 row indices; out-of-vocabulary words dropped, empty sentences too."""
    index = vocab.index
    tokens, lengths = array("i"), array("q")  # 4 and 8 bytes an item, not a Python int each
    for sentence in sentences:
        ids = [index[w] for w in sentence if w in index]
        if ids:
            lengths.append(len(ids))
            tokens.extend(ids)
    starts = np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))]).astype(np.int64)
    return Encoded(np.frombuffer(tokens, dtype=np.int32).copy(), starts)


# ---------------------------------------------------------------- pairs


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's subsampling: P(keep w) = (sqrt(f/t) + 1)·t/f with t = sample·total, capped at 1.

    >>> keep_probabilities(np.array([1000, 10]), 0.0).tolist()
    [1.0, 1.0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    return np.minimum((np.sqrt(counts / threshold) + 1.0) * threshold / counts, 1.0)


def subsample(
    encoded: Encoded, keep_prob: np.ndarray | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One subsampling draw: (kept tokens (n,) int32, their sentence ids (n,) int32)."""
    tokens, sentence_id = encoded.tokens, encoded.sentence_ids()
    if keep_prob is not None:
        kept = rng.random(len(tokens)) < keep_prob[tokens]
        tokens, sentence_id = tokens[kept], sentence_id[kept]
    return tokens, sentence_id


def skipgram_pairs(
    encoded,
    window: int,
    rng: np.random.Generator,
    *,
    keep_prob: np.ndarray | None = None,
    dynamic_window: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs of one pass over the sentences, as gensim's skip-gram makes them.

    Frequent words are first dropped with ``keep_prob`` (subsampling); then each centre at
    position i gets an effective window b_i drawn uniformly from 1..window (gensim's
    "reduced window") and pairs with every word at distance ≤ b_i in its sentence.
    Vectorised over all tokens: one loop over the window offsets, none over words.

    >>> c, x = skipgram_pairs([np.array([0, 1, 2])], 1, np.random.default_rng(0))
    >>> sorted(zip(c.tolist(), x.tolist()))
    [(0, 1), (1, 0), (1, 2), (2, 1)]
    """
    encoded = as_encoded(encoded)
    if not len(encoded):
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    tokens, sentence_id = subsample(encoded, keep_prob, rng)
    n = len(tokens)
    if dynamic_window:
        effective = rng.integers(1, window + 1, size=n)  # b_i in 1..window
    else:
        effective = np.full(n, window)
    centres, contexts = [], []
    for offset in range(1, window + 1):
        left = np.arange(n - offset)
        right = left + offset
        same = sentence_id[left] == sentence_id[right]
        forward = left[same & (effective[left] >= offset)]  # centre left, context to its right
        backward = right[same & (effective[right] >= offset)]  # centre right, context to its left
        centres += [tokens[forward], tokens[backward]]
        contexts += [tokens[forward + offset], tokens[backward - offset]]
    return np.concatenate(centres).astype(np.int32), np.concatenate(contexts).astype(np.int32)
