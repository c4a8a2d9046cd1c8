"""One vocabulary, one held-out split, and the (centre, context) pairs both trainers see.

The vocabulary is ordered by descending count, ties broken by the word itself, so row i of
every array in a run directory is the same word whichever trainer made it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from embedlab.errors import EmbedLabError


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
    counts = Counter(word for sentence in sentences for word in sentence)
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if max_vocab is not None:
        kept = kept[:max_vocab]
    if len(kept) < 2:
        raise EmbedLabError(
            f"only {len(kept)} distinct word(s) occur at least {min_count} times in the training text; "
            "lower min_count or use a larger corpus."
        )
    return Vocabulary.from_words([w for w, _ in kept], [c for _, c in kept])


def split_heldout(sentences: list, fraction: float = 0.1, seed: int = 0) -> tuple[list, list]:
    """Deterministic split of sentences into (train, heldout); order within each is kept.

    The split depends only on ``seed`` and the number of sentences, never on the training seed.

    >>> train, held = split_heldout([[str(i)] for i in range(10)], 0.2, seed=0)
    >>> len(train), len(held)
    (8, 2)
    """
    n = len(sentences)
    n_held = int(round(fraction * n))
    if fraction > 0 and n >= 2:
        n_held = min(max(n_held, 1), n - 1)
    else:
        n_held = 0
    held_ids = np.random.default_rng(seed).permutation(n)[:n_held]
    is_held = np.zeros(n, dtype=bool)
    is_held[held_ids] = True
    train = [s for s, h in zip(sentences, is_held, strict=True) if not h]
    held = [s for s, h in zip(sentences, is_held, strict=True) if h]
    return train, held


def encode(sentences: list[list[str]], vocab: Vocabulary) -> list[np.ndarray]:
    """Sentences as int32 row indices; out-of-vocabulary words dropped, empty sentences too."""
    index = vocab.index
    out = []
    for sentence in sentences:
        ids = [index[w] for w in sentence if w in index]
        if ids:
            out.append(np.asarray(ids, dtype=np.int32))
    return out


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


def skipgram_pairs(
    encoded: list[np.ndarray],
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
    if not encoded:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    tokens = np.concatenate(encoded)
    sentence_id = np.repeat(np.arange(len(encoded)), [len(s) for s in encoded])
    if keep_prob is not None:
        kept = rng.random(len(tokens)) < keep_prob[tokens]
        tokens, sentence_id = tokens[kept], sentence_id[kept]
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
