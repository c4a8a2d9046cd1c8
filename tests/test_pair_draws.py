"""Pairs drawn without counting: the whole joint distribution against expected_pair_counts, the
estimated Σ N, the same draws from a map as from memory, and no favour to the text's start."""

import doctest

import numpy as np
import pytest
from scipy.stats import chi2

import embedlab.text.pair_draws
from embedlab.text.pair_counts import expected_pair_counts
from embedlab.text.pair_draws import draw_pairs
from embedlab.text.vocab import Encoded


def test_doctests_run():
    result = doctest.testmod(embedlab.text.pair_draws)
    assert result.failed == 0 and result.attempted > 0


def random_text(seed, sentences=300, V=12):
    rng = np.random.default_rng(seed)
    return Encoded.from_arrays([rng.integers(0, V, size=rng.integers(1, 30)) for _ in range(sentences)])


@pytest.mark.parametrize("window, keep", [(2, None), (3, "low")])
def test_draws_follow_the_expected_pair_counts_cell_by_cell(window, keep):
    """A chi-square test of 60,000 draws over every (centre, context) cell. With keep ≈ 0.1 most
    candidates find fewer than r kept words in the span read at once and walk on word by word."""
    text = random_text(1)
    V = 12
    keep_prob = None if keep is None else np.linspace(0.05, 0.3, V)
    expected = expected_pair_counts(text, window, V, keep_prob).toarray()
    n = 60_000
    centres, contexts, total = draw_pairs(text, window, keep_prob, n, seed=2)
    assert len(centres) == n
    observed = np.zeros((V, V))
    np.add.at(observed, (centres, contexts), 1)
    p = expected / expected.sum()
    assert not observed[p == 0].any()  # never a pair the trainer cannot draw
    cells = n * p > 5
    statistic = float(np.sum((observed[cells] - n * p[cells]) ** 2 / (n * p[cells])))
    assert chi2.sf(statistic, cells.sum() - 1) > 1e-4
    # Σ N from the acceptance rate: binomial, SE ≈ total · √((1 − a)/(a · attempts))
    assert total == pytest.approx(expected.sum(), rel=0.03)


def test_a_map_gives_the_same_draws_as_memory(tmp_path):
    text = random_text(3)
    path = tmp_path / "tokens.i32"
    text.tokens.astype(np.int32).tofile(path)
    mapped = Encoded(np.memmap(path, dtype=np.int32, mode="r", shape=(text.n_tokens,)), text.starts)
    keep = np.linspace(0.1, 1.0, 12)
    a, b = draw_pairs(text, 3, keep, 5_000, seed=7), draw_pairs(mapped, 3, keep, 5_000, seed=7)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_few_draws_come_from_the_whole_text_not_its_start():
    """The text's first half uses words 0–4, its second 5–9; 200 draws (far fewer than a batch of
    candidates) still split about evenly, as the counts say."""
    rng = np.random.default_rng(5)
    first = [rng.integers(0, 5, size=10) for _ in range(500)]
    second = [rng.integers(5, 10, size=10) for _ in range(500)]
    text = Encoded.from_arrays(first + second)
    centres, _, _ = draw_pairs(text, 2, None, 200, seed=1)
    share = float(np.mean(centres >= 5))
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / 200)


def test_one_word_sentences_give_no_pairs_and_stop():
    text = Encoded.from_arrays([np.array([i % 3]) for i in range(50)])
    centres, contexts, total = draw_pairs(text, 5, None, 100, seed=0)
    assert len(centres) == len(contexts) == 0 and total == 0.0
