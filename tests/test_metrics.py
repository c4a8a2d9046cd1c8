"""Per-snapshot metrics: exact against a naive recomputation, the cost rule, geometry."""

import doctest

import numpy as np
import pytest

import embedlab.train.metrics
from embedlab.config import TrainOptions
from embedlab.text.vocab import Encoded
from embedlab.train.metrics import Measure, build_measure, geometry, metric_plan, pair_counts
from embedlab.train.objectives import Softmax


def test_geometry_norms_and_displacement():
    W = np.array([[3.0, 4.0], [0.0, 1.0]], dtype=np.float32)
    previous = np.array([[3.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    row = geometry(W, previous)
    assert row["mean_norm"] == pytest.approx(3.0)  # (5 + 1) / 2
    assert row["displacement"] == pytest.approx(2.0)  # (4 + 0) / 2
    assert geometry(W, None)["displacement"] == 0.0


def test_heldout_loss_has_no_penalty_and_penalty_is_its_own_column():
    sentences = Encoded.from_arrays([np.array([0, 1, 2, 1]), np.array([2, 0])])
    counts = np.array([3, 2, 3])
    options = TrainOptions(trainer="numpy", dim=2, l2=0.5)
    pairs = pair_counts(sentences, counts, options)
    measure = build_measure(sentences, sentences, counts, options, Softmax(), pairs)
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    row = measure(W, np.zeros_like(W), None)
    assert row["penalty"] == pytest.approx(0.5 * 4.0)
    assert row["heldout_loss"] == pytest.approx(np.log(3))  # W_out = 0: uniform, no penalty
    assert row["loss"] == pytest.approx(np.log(3) + 2.0)


def test_small_runs_are_exact_and_cbow_is_estimated():
    sentences = Encoded.from_arrays([np.arange(50, dtype=np.int32) % 7])
    counts = np.bincount(sentences.tokens, minlength=7)
    pairs = pair_counts(sentences, counts, TrainOptions(trainer="gensim"))
    assert metric_plan(TrainOptions(trainer="numpy"), pairs, 50, 7) == ("exact", 0)
    method, examples = metric_plan(TrainOptions(trainer="gensim", sg=0), pairs, 50, 7)
    assert method == "estimated" and examples >= 1024


@pytest.mark.slow
def test_large_vocabulary_gensim_is_estimated_numpy_exact():
    """The cost rule on a wiki-sized problem: exact V² scores would cost more than gensim's epoch."""
    import scipy.sparse

    V = 8000
    pairs = scipy.sparse.random(V, V, density=0.03, format="csr", random_state=0)
    pairs.data[:] = 1.7e6 / pairs.nnz  # about the Wikipedia sample's expected pairs per epoch
    assert metric_plan(TrainOptions(trainer="numpy", dim=100), pairs, 400_000, V)[0] == "exact"
    assert metric_plan(TrainOptions(trainer="gensim", dim=100), pairs, 400_000, V)[0] == "estimated"


def test_measure_describes_itself():
    measure = Measure(Softmax(), 0.0, "exact")
    assert measure.describe() == {"metric_method": "exact", "objective": "softmax"}


def test_doctests():
    assert doctest.testmod(embedlab.train.metrics).failed == 0
