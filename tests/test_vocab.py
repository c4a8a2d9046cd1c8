"""Vocabulary order, the held-out split and skip-gram pairs against naive loops and gensim."""

import doctest
from collections import Counter

import numpy as np
import pytest
from gensim.models import Word2Vec

import embedlab.text.pair_counts
import embedlab.text.vocab
from embedlab.errors import EmbedLabError
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.vocab import (
    Encoded,
    build_vocabulary,
    encode,
    keep_probabilities,
    skipgram_pairs,
    split_heldout,
)


def test_vocabulary_descending_count_ties_alphabetical():
    sentences = [["b", "a", "c", "c", "d"], ["a", "b", "e"], ["c"]]
    vocab = build_vocabulary(sentences, min_count=2)
    assert vocab.words == ("c", "a", "b")
    assert vocab.counts.tolist() == [3, 2, 2]
    assert [vocab.index[w] for w in vocab.words] == [0, 1, 2]
    assert build_vocabulary(sentences, min_count=1, max_vocab=2).words == ("c", "a")


def test_too_few_words_says_what_to_change():
    with pytest.raises(EmbedLabError, match="lower min_count"):
        build_vocabulary([["a", "b", "a"]], min_count=2)


def test_split_is_deterministic_disjoint_and_sized():
    sentences = [[f"w{i}"] for i in range(200)]
    train, held = split_heldout(sentences, 0.1, seed=0)
    again_train, again_held = split_heldout(sentences, 0.1, seed=0)
    assert (train, held) == (again_train, again_held)
    assert len(held) == 20 and len(train) == 180
    assert not {s[0] for s in train} & {s[0] for s in held}
    assert split_heldout(sentences, 0.0)[1] == []
    assert split_heldout(sentences[:1], 0.5)[1] == []  # one sentence: nothing to hold out


def test_encode_drops_unknown_words_and_empty_sentences():
    vocab = build_vocabulary([["a", "b"], ["a", "b"]], min_count=1)
    encoded = encode([["a", "zz", "b"], ["zz"]], vocab)
    assert len(encoded) == 1 and encoded[0].tolist() == [vocab.index["a"], vocab.index["b"]]


def _naive_pairs(encoded, effective):
    """Loop version: centre i pairs with every j ≠ i, |i − j| ≤ b_i, same sentence."""
    pairs, k = [], 0
    for sentence in encoded:
        for i in range(len(sentence)):
            for j in range(len(sentence)):
                if i != j and abs(i - j) <= effective[k + i]:
                    pairs.append((sentence[i], sentence[j]))
        k += len(sentence)
    return Counter(pairs)


@pytest.mark.parametrize("window", [1, 2, 5])
def test_pairs_match_a_naive_loop(window):
    rng = np.random.default_rng(3)
    encoded = [rng.integers(0, 20, size=n).astype(np.int32) for n in (1, 7, 3, 12)]
    centres, contexts = skipgram_pairs(encoded, window, np.random.default_rng(9))
    n = sum(len(s) for s in encoded)
    effective = np.random.default_rng(9).integers(1, window + 1, size=n)  # the same draw
    assert Counter(zip(centres.tolist(), contexts.tolist(), strict=False)) == _naive_pairs(encoded, effective)
    full_c, _ = skipgram_pairs(encoded, window, rng, dynamic_window=False)
    assert len(full_c) == sum(_naive_pairs(encoded, np.full(n, window)).values())


def test_subsampling_probabilities_match_gensim():
    counts = {"the": 5000, "cat": 40, "sat": 7, "mat": 300}
    model = Word2Vec(vector_size=4, min_count=1, sample=1e-3, sorted_vocab=0)
    model.build_vocab_from_freq(counts)
    ours = keep_probabilities(np.array(list(counts.values())), 1e-3)
    theirs = [model.wv.get_vecattr(w, "sample_int") / 2**32 for w in counts]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_subsampling_drops_frequent_words_in_pairs():
    encoded = [np.array([0] * 50 + [1] * 50, dtype=np.int32)]
    keep = np.array([0.1, 1.0])
    centres, _ = skipgram_pairs(encoded, 1, np.random.default_rng(0), keep_prob=keep)
    assert np.sum(centres == 0) < np.sum(centres == 1) / 3


@pytest.mark.parametrize("module", [embedlab.text.vocab, embedlab.text.pair_counts])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- expected pair counts


def _enumerated_pair_counts(sentences, window, V, keep):
    """E[pair counts] by enumerating every subsampling outcome of each sentence (2^n of them):
    the kept words at kept distance d pair up with probability (W − d + 1)/W in each direction."""
    import itertools

    expected = np.zeros((V, V))
    for sentence in sentences:
        for kept in itertools.product((False, True), repeat=len(sentence)):
            p = np.prod([keep[w] if k else 1.0 - keep[w] for w, k in zip(sentence, kept, strict=True)])
            words = [w for w, k in zip(sentence, kept, strict=True) if k]
            for i, j in itertools.combinations(range(len(words)), 2):
                if j - i <= window:
                    expected[words[i], words[j]] += p * (window - (j - i) + 1) / window
                    expected[words[j], words[i]] += p * (window - (j - i) + 1) / window
    return expected


@pytest.mark.parametrize("window", [1, 2, 4])
def test_both_walks_equal_the_enumerated_expectation(window):
    """The two ways of counting (a walk per position, a walk per word) against every outcome."""
    from embedlab.text.pair_counts import _Accumulator, _walk_positions, _walk_words

    rng = np.random.default_rng(window)
    sentences = [rng.integers(0, 4, size=n).astype(np.int32) for n in (9, 1, 6, 11)]
    keep = np.array([0.15, 0.5, 0.9, 1.0])
    expected = _enumerated_pair_counts(sentences, window, 4, keep)
    encoded, reach = Encoded.from_arrays(sentences), (window - np.arange(window)) / window
    for walk in (_walk_positions, lambda *a: _walk_words(a[0], np.arange(4, dtype=np.int32), *a[1:])):
        one_way = _Accumulator(4)
        walk(encoded, keep, reach, one_way, None)
        np.testing.assert_allclose((one_way.result() + one_way.result().T).toarray(), expected, atol=1e-8)
    counted = expected_pair_counts(sentences, window, 4, keep).toarray()
    np.testing.assert_allclose(counted, expected, atol=1e-8)


def test_long_sentences_of_a_small_vocabulary_take_the_word_walk_with_the_same_counts(monkeypatch):
    from embedlab.text import pair_counts as vocab

    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 6, size=3000).astype(np.int32)
    encoded = Encoded(tokens, np.array([0, 1000, 1500, 3000]))
    keep = keep_probabilities(np.bincount(tokens), 1e-3)
    taken = []
    monkeypatch.setattr(vocab, "_walk_words", lambda *a, _walk=vocab._walk_words: taken.append(1) or _walk(*a))
    counted = expected_pair_counts(encoded, 3, 6, keep).toarray()
    assert taken
    one_way = vocab._Accumulator(6)
    vocab._walk_positions(encoded, keep, np.array([1.0, 2 / 3, 1 / 3]), one_way, None)
    np.testing.assert_allclose(counted, (one_way.result() + one_way.result().T).toarray(), rtol=1e-9)


@pytest.mark.slow
def test_a_text_without_line_breaks_is_counted_in_bounded_memory_and_matches_sampling():
    """A small vocabulary, subsampled, in sentences of 1,000 words (a text with no line break,
    cut): every word is dropped often, so a centre reaches hundreds of positions. The count
    stays within a few MB and equals the mean of the pairs actually drawn."""
    import tracemalloc

    rng = np.random.default_rng(0)
    V, window = 5, 5
    tokens = rng.integers(0, V, size=20_000).astype(np.int32)
    encoded = Encoded(tokens, np.arange(0, len(tokens) + 1, 1000, dtype=np.int64))
    keep = keep_probabilities(np.bincount(tokens, minlength=V), 1e-3)
    assert keep.max() < 0.1  # each word kept less than one time in ten
    tracemalloc.start()
    counted = expected_pair_counts(encoded, window, V, keep).toarray()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30e6, f"{peak / 1e6:.0f} MB"  # the walk per position held ~150 MB here
    draws = 40
    drawn = np.zeros((draws, V, V))
    for d in range(draws):
        c, x = skipgram_pairs(encoded, window, np.random.default_rng(100 + d), keep_prob=keep)
        np.add.at(drawn[d], (c, x), 1.0)
    mean, se = drawn.mean(axis=0), drawn.std(axis=0, ddof=1) / np.sqrt(draws)
    assert np.all(np.abs(counted - mean) <= 5 * se + 1e-9)
    assert counted.sum() == pytest.approx(mean.sum(), rel=0.02)
