"""Pairs drawn from the distribution :mod:`embedlab.text.pair_counts` counts, without counting it.

:func:`draw_pairs` gives iid (centre, context) pairs with probability N_wc / Σ N, N the expected
pair counts of one epoch, and an unbiased estimate of Σ N, reading only the tokens around the
positions drawn. A measurement that only needs examples of the training distribution (an
estimated objective, :mod:`embedlab.train.objectives_sampled`) then costs a few thousand draws
instead of a walk over every position of the text.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable

import numpy as np

from embedlab.errors import TrainingCancelled
from embedlab.text.vocab import Encoded, as_encoded

CANDIDATES = 8192  # candidate draws per batch
MAX_BATCHES = 256  # a text whose positions almost never have a context gives fewer pairs, not a hang
SPAN_WINDOWS = 4  # a candidate reads this many windows of tokens to its side at once


def draw_pairs(
    encoded,
    window: int,
    keep_prob: np.ndarray | None,
    n: int,
    seed: int,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(centres (n,), contexts (n,), estimated Σ N): ``n`` iid pairs with probability N_wc / Σ N.

    A candidate is a position i uniform over the tokens, a window b uniform in 1..W, a slot
    uniform among the 2W (the r-th kept word left or right of i) and the subsampling draws of the
    words it looks at; it gives (word at i, word in the slot) when i is kept and the slot holds a
    word within b, else nothing. A pair (i, j) comes from a candidate with probability
    P(j is a context of i) / (2W · N_tokens), so accepted candidates follow N_wc / Σ N exactly and
    Σ N = 2W · N_tokens · P(accept). Candidates come in whole batches, and ``n`` of all the
    accepted ones are kept at random: stopping a batch at its n-th acceptance would favour the
    positions it happened to look at first.

    >>> e = Encoded.from_arrays([np.array([0, 1])])
    >>> centres, contexts, pairs = draw_pairs(e, 1, None, 100, seed=0)
    >>> sorted(set(zip(centres.tolist(), contexts.tolist()))), round(pairs, 1)  # Σ N = 2 exactly
    ([(0, 1), (1, 0)], 2.0)
    """
    encoded = as_encoded(encoded)
    rng = np.random.default_rng(seed)
    N, take = encoded.n_tokens, _taker(encoded.tokens)
    centres, contexts, attempts, accepted = [], [], 0, 0
    while accepted < n and N > 0 and attempts < MAX_BATCHES * CANDIDATES:
        if should_stop is not None and should_stop():
            raise TrainingCancelled("training stopped while drawing the measurements' pairs.")
        c, x = _candidates(encoded, take, window, keep_prob, rng)
        centres.append(c)
        contexts.append(x)
        attempts += CANDIDATES
        accepted += len(c)
    if not accepted:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0.0
    centres, contexts = np.concatenate(centres), np.concatenate(contexts)
    chosen = rng.permutation(accepted)[:n]
    return centres[chosen], contexts[chosen], 2.0 * window * N * accepted / attempts


def _candidates(encoded: Encoded, take, window: int, keep: np.ndarray | None, rng) -> tuple[np.ndarray, np.ndarray]:
    """One batch of CANDIDATES candidates; (centres, contexts) of the accepted ones (int64)."""
    starts, N = encoded.starts, encoded.n_tokens
    position = np.sort(rng.integers(0, N, size=CANDIDATES))  # in file order: reads move forward
    reach = rng.integers(1, window + 1, size=CANDIDATES)
    slot = rng.integers(0, 2 * window, size=CANDIDATES)
    r = slot % window + 1  # the r-th kept word on that side
    live = r <= reach  # the others are rejected whatever the sentence holds
    position, r, step = position[live], r[live], np.where(slot[live] < window, -1, 1)
    sentence = np.searchsorted(starts, position, side="right") - 1
    lo, hi = starts[sentence], starts[sentence + 1]  # the candidate's sentence: [lo, hi)
    span = SPAN_WINDOWS * window
    at = position[:, None] + step[:, None] * np.arange(span + 1)  # (m, span + 1): the centre, then its side
    inside = (at >= lo[:, None]) & (at < hi[:, None])
    words = take(at, inside)
    kept = inside if keep is None else inside & (rng.random(at.shape) < keep[np.maximum(words, 0)])
    seen = np.cumsum(kept[:, 1:], axis=1)  # kept words on the side, counted outwards
    found = seen[:, -1] >= r
    slot_at = np.argmax(seen >= r[:, None], axis=1) + 1  # column of the r-th kept word
    context = np.where(found, words[np.arange(len(at)), slot_at], -1)
    further = kept[:, 0] & ~found & inside[:, -1]  # the sentence goes on past the span
    for k in np.flatnonzero(further):  # rare: walk on one word at a time, with fresh draws
        context[k] = _walk_on(take, int(at[k, -1]), int(step[k]), int(r[k] - seen[k, -1]), lo[k], hi[k], keep, rng)
    accept = kept[:, 0] & (context >= 0)
    return words[accept, 0].astype(np.int64), context[accept].astype(np.int64)


def _walk_on(take, last: int, step: int, needed: int, lo: int, hi: int, keep, rng) -> int:
    """The ``needed``-th kept word beyond position ``last`` in direction ``step``, or −1."""
    at = last + step
    while lo <= at < hi:
        word = int(take(np.array([[at]]), np.array([[True]]))[0, 0])
        if keep is None or rng.random() < keep[word]:
            needed -= 1
            if needed == 0:
                return word
        at += step
    return -1


def _taker(tokens: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """take(at, inside): tokens[at] where ``inside``, −1 elsewhere. From a map, each row is one
    positioned read of the file, so no page of it stays mapped into the process (a mapped page
    read counts in its resident memory)."""
    if not (isinstance(tokens, np.memmap) and tokens.filename is not None):
        last = max(len(tokens) - 1, 0)
        return lambda at, inside: np.where(inside, tokens[np.clip(at, 0, last)], -1)
    fd, offset = os.open(tokens.filename, os.O_RDONLY), tokens.offset
    weakref.finalize(tokens, os.close, fd)

    def take(at: np.ndarray, inside: np.ndarray) -> np.ndarray:
        out = np.full(at.shape, -1, dtype=np.int64)
        for k in np.flatnonzero(inside.any(axis=1)):
            rows = at[k][inside[k]]
            a, b = int(rows.min()), int(rows.max()) + 1
            out[k, inside[k]] = np.frombuffer(os.pread(fd, 4 * (b - a), offset + 4 * a), dtype=np.int32)[rows - a]
        return out

    return take
