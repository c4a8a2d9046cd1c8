"""Vocabulary order, the held-out split and skip-gram pairs against naive loops and gensim."""

import doctest
from collections import Counter

import numpy as np
import pytest
from gensim.models import Word2Vec

import embedlab.vocab
from embedlab.errors import EmbedLabError
from embedlab.vocab import build_vocabulary, encode, keep_probabilities, skipgram_pairs, split_heldout


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


def test_doctests():
    result = doctest.testmod(embedlab.vocab)
    assert result.attempted > 0 and result.failed == 0
