"""The expectation of the pairs both trainers draw: :func:`expected_pair_counts`, a (V, V) matrix
of weighted counts of (centre, context) over one pass of :func:`embedlab.text.vocab.skipgram_pairs`'
randomness (subsampling and the shrunk window), the distribution every per-epoch metric is
computed on. Two walks give the same sum; each sentence goes to the cheaper one, so a text
without line breaks costs as little per token as one cut into sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import TrainingCancelled
from embedlab.text.vocab import Encoded, as_encoded

if TYPE_CHECKING:  # SciPy loads where it is used: the first page needs none of it
    import scipy.sparse


EXPECTATION_TOLERANCE = 1e-9  # a pair less likely than this to be drawn is left out
_CHUNK_VALUES = 1_000_000  # centre positions × window walked at once (8 MB a copy of `between`)
_FLUSH_ENTRIES = 2_000_000  # weights buffered before they are summed into the (V, V) matrix
_STATE_VALUES = 4_000_000  # sentences × words × window in the word-state walk (32 MB)
_STATE_MAX_WORDS = 2048  # the word-state walk keeps a dense (words, words) result
_WORDS_PER_GAP = 4  # a word in the word-state walk costs about a quarter of a gap of the position walk


def expected_pair_counts(
    encoded,
    window: int,
    vocab_size: int,
    keep_prob: np.ndarray | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> scipy.sparse.csr_array:
    """E[number of times (centre w, context c) is drawn in one pass], as a (V, V) sparse matrix.

    The expectation of :func:`skipgram_pairs` over its randomness. Without subsampling a
    pair at distance k counts (W − k + 1)/W, the chance that the centre's window b reaches
    it. With subsampling, positions i < j of one sentence pair up when both are kept and the
    centre's window reaches over the kept words between them:

        weight(i, j) = keep(i) · keep(j) · Σ_s P(s words kept between) · (W − s)/W

    where s runs over 0..W−1 (the kept distance is s + 1); P(s kept between) is built one
    step at a time as j moves away from i (a Poisson-binomial recursion). Both directions
    have the same weight (b is drawn the same way for every centre), so the matrix is
    symmetric. Sum of all entries = expected pairs per epoch.

    Two walks compute the same sum (:func:`_walk_positions`, :func:`_walk_words`): the first
    follows every centre position until fewer than W kept words between is less likely than
    EXPECTATION_TOLERANCE, which is ~W/keep positions when every word is often dropped (a small
    vocabulary, subsampled) — in a long sentence (a text without line breaks) that is hundreds of
    positions per centre. The second carries, along each sentence, one P(s kept between) per
    *word* already seen, costing (distinct words) steps per position instead; each sentence goes
    to the cheaper one, so the cost per token is about W · min(walk length, distinct words / 4).
    ``should_stop()`` is asked at every step of either walk (milliseconds
    apart); True raises TrainingCancelled.

    >>> expected_pair_counts([np.array([0, 1, 2])], 2, 3).toarray().tolist()
    [[0.0, 1.0, 0.5], [1.0, 0.0, 1.0], [0.5, 1.0, 0.0]]
    """
    encoded = as_encoded(encoded)
    keep = None if keep_prob is None else np.asarray(keep_prob, dtype=np.float64)
    reach = (window - np.arange(window)) / window  # (W,) P(b ≥ s + 1) for s kept words between
    total = _Accumulator(vocab_size)
    lengths = encoded.lengths
    walk_length = _walk_length(encoded, keep, window)
    long = np.flatnonzero(lengths > walk_length)
    words = np.unique(encoded.select(long).tokens) if len(long) else np.zeros(0, np.int32)
    by_words = bool(len(long)) and len(words) <= _STATE_MAX_WORDS and len(words) < _WORDS_PER_GAP * walk_length
    by_positions = np.setdiff1d(np.arange(len(encoded)), long) if by_words else np.arange(len(encoded))
    if len(by_positions):
        _walk_positions(encoded.select(by_positions), keep, reach, total, should_stop)
    if by_words:
        _walk_words(encoded.select(long), words, keep, reach, total, should_stop)
    one_way = total.result()
    return (one_way + one_way.T).tocsr()


class _Accumulator:
    """(row, col, weight) triples summed into a (V, V) CSR matrix, never more than
    _FLUSH_ENTRIES of them held at once."""

    def __init__(self, vocab_size: int):
        import scipy.sparse

        self.shape = (vocab_size, vocab_size)
        self.total = scipy.sparse.csr_array(self.shape, dtype=np.float64)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.held = 0

    def add(self, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> None:
        self.parts.append((rows, cols, weights))
        self.held += len(weights)
        if self.held >= _FLUSH_ENTRIES:
            self._flush()

    def _flush(self) -> None:
        import scipy.sparse

        if self.parts:
            rows, cols, weights = (np.concatenate(p) for p in zip(*self.parts, strict=True))
            self.total = self.total + scipy.sparse.coo_array((weights, (rows, cols)), shape=self.shape).tocsr()
        self.parts, self.held = [], 0

    def result(self) -> scipy.sparse.csr_array:
        self._flush()
        return self.total


def _walk_length(encoded: Encoded, keep: np.ndarray | None, window: int) -> int:
    """About how many positions the position walk follows a centre: until fewer than W kept
    words between is less likely than EXPECTATION_TOLERANCE, every word kept with the corpus's
    mean keep probability (only the choice of walk depends on it)."""
    if keep is None or not encoded.n_tokens:
        return window
    mean_keep = float(keep[encoded.tokens].mean())
    longest = int(encoded.lengths.max())
    between = np.zeros(window)
    between[0] = 1.0
    for gap in range(1, longest):
        if between.sum() <= EXPECTATION_TOLERANCE:
            return gap
        between = between * (1.0 - mean_keep) + np.concatenate([[0.0], between[:-1]]) * mean_keep
    return longest


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TrainingCancelled("training stopped while counting the pairs.")


def _walk_positions(encoded, keep, reach, total, should_stop) -> None:
    """Every centre position followed to the right, one gap j − i at a time, a chunk of
    positions at once: O(positions × walk length × W) time, O(chunk × W) memory."""
    tokens, sentence_id = encoded.tokens, encoded.sentence_ids()
    n, window = len(tokens), len(reach)
    keep = np.ones(n) if keep is None else keep[tokens]
    chunk = max(1024, _CHUNK_VALUES // window)
    for start in range(0, n, chunk):
        left = np.arange(start, min(start + chunk, n))  # centre positions of this chunk
        between = np.zeros((len(left), window))  # P(s kept words strictly between), s = 0..W−1
        between[:, 0] = 1.0
        for gap in range(1, n):
            _check_stop(should_stop)
            right = left + gap
            alive = right < n
            alive[alive] &= sentence_id[right[alive]] == sentence_id[left[alive]]
            alive &= between.sum(axis=1) > EXPECTATION_TOLERANCE
            if not alive.any():
                break
            left, right, between = left[alive], right[alive], between[alive]
            weight = keep[left] * keep[right] * (between @ reach)
            useful = weight > 0
            total.add(tokens[left[useful]], tokens[right[useful]], weight[useful])
            # the word at `right` lies between `left` and every later partner
            k = keep[right][:, None]
            between = between * (1.0 - k) + np.pad(between[:, :-1], ((0, 0), (1, 0))) * k


def _walk_words(encoded, words, keep, reach, total, should_stop) -> None:
    """Along every sentence at once, position by position: state[w, s] = Σ over the earlier
    positions i holding word w of keep(i) · P(s kept words between i and here), so position j
    adds keep(j) · state[w] · reach to (w, word at j). O(positions × words × W) time, the same
    sum as :func:`_walk_positions` without its tolerance."""
    window, n_words = len(reach), len(words)
    order = np.argsort(-encoded.lengths, kind="stable")
    encoded = encoded.select(order)  # longest first: the sentences still going are a prefix
    local = np.searchsorted(words, encoded.tokens).astype(np.int32)
    keep = np.ones(len(local)) if keep is None else keep[encoded.tokens]
    one_way = np.zeros((n_words, n_words))  # [context, centre]: position j adds a row
    batch = max(1, _STATE_VALUES // (n_words * window))
    for first in range(0, len(encoded), batch):
        rows = np.arange(first, min(first + batch, len(encoded)))
        lengths, starts = encoded.lengths[rows], encoded.starts[rows]
        state = np.zeros((window, len(rows), n_words))  # [s, sentence, word]
        for step in range(int(lengths[0])):
            _check_stop(should_stop)
            going = int(np.count_nonzero(lengths > step))
            at = starts[:going] + step
            word, k = local[at], keep[at][:, None]
            current = state[:, :going]
            added = k * np.tensordot(reach, current, axes=1)  # (going, words)
            order = np.argsort(word, kind="stable")
            firsts = np.flatnonzero(np.diff(word[order], prepend=-1))
            one_way[word[order[firsts]]] += np.add.reduceat(added[order], firsts, axis=0)
            # the word here lies between every earlier position and every later one
            for s in range(window - 1, 0, -1):
                current[s] *= 1.0 - k
                current[s] += current[s - 1] * k
            current[0] *= 1.0 - k
            current[0, np.arange(going), word] += k[:, 0]
    contexts, centres = np.nonzero(one_way)
    total.add(words[centres], words[contexts], one_way[contexts, centres])
