"""The gensim objectives we evaluate per snapshot, against finite differences and loops."""

import numpy as np
import pytest

from embedlab.metrics import (
    Examples,
    logistic_loss_and_grads,
    objective_loss_and_grads,
    sample_cbow,
    sample_skipgram,
    snapshot_metrics,
    with_huffman_paths,
    with_negatives,
)
from embedlab.softmax import softmax_loss_and_grads


def _finite_difference(fn, W, eps=1e-6):
    numeric = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        saved = W[idx]
        W[idx] = saved + eps
        up = fn()
        W[idx] = saved - eps
        down = fn()
        W[idx] = saved
        numeric[idx] = (up - down) / (2 * eps)
    return numeric


@pytest.fixture
def cbow_examples():
    inputs = np.array([[0, 2, -1], [1, -1, -1], [3, 3, 4]])  # −1 = padding
    targets = np.array([1, 4, 0])
    out_rows = np.array([[1, 3, -1], [4, 0, 2], [0, 1, 1]])
    labels = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0]], dtype=float)
    return Examples(inputs, targets, out_rows, labels)


def test_logistic_gradients_match_finite_differences(cbow_examples):
    rng = np.random.default_rng(0)
    W_in, W_out = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    loss, dW_in, dW_out = logistic_loss_and_grads(W_in, W_out, cbow_examples)
    for W, grad in ((W_in, dW_in), (W_out, dW_out)):
        numeric = _finite_difference(lambda: logistic_loss_and_grads(W_in, W_out, cbow_examples)[0], W)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_negative_sampling_loss_by_hand():
    W_in = np.array([[1.0, 0.0], [0.0, 2.0]])
    W_out = np.array([[0.5, 0.5], [1.0, -1.0]])
    ex = Examples(np.array([[0]]), np.array([1]), np.array([[1, 0]]), np.array([[1.0, 0.0]]))
    sigma = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected = -np.log(sigma(W_out[1] @ W_in[0])) - np.log(sigma(-W_out[0] @ W_in[0]))
    assert logistic_loss_and_grads(W_in, W_out, ex)[0] == pytest.approx(expected, rel=1e-12)


def test_negatives_are_fixed_and_never_the_target():
    ex = Examples(np.zeros((500, 1), int), np.full(500, 2))
    a = with_negatives(ex, np.array([10, 10, 10, 10]), 5, seed=1)
    b = with_negatives(ex, np.array([10, 10, 10, 10]), 5, seed=1)
    assert np.array_equal(a.out_rows, b.out_rows)
    assert not np.any(a.out_rows[:, 1:] == 2) and np.all(a.out_rows[:, 0] == 2)


def test_huffman_labels_are_one_minus_code():
    ex = Examples(np.array([[0], [1]]), np.array([0, 1]))
    paths = with_huffman_paths(ex, codes=[[0, 1], [1]], points=[[0, 1], [0]])
    assert paths.out_rows.tolist() == [[0, 1], [0, -1]]
    assert paths.labels.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_chunked_softmax_objective_equals_one_batch():
    rng = np.random.default_rng(1)
    V, d, N = 7, 3, 600  # N > CHUNK, so several chunks
    W_in, W_out = rng.normal(size=(V, d)), rng.normal(size=(V, d))
    ex = Examples(rng.integers(0, V, (N, 1)), rng.integers(0, V, N))
    chunked = objective_loss_and_grads("softmax", W_in, W_out, ex, l2=0.1)
    whole = softmax_loss_and_grads(W_in, W_out, ex.inputs[:, 0], ex.targets, l2=0.1)
    assert chunked[0] == pytest.approx(whole[0], rel=1e-12)
    np.testing.assert_allclose(chunked[1], whole[1], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(chunked[2], whole[2], rtol=1e-10, atol=1e-14)


def test_samples_are_deterministic_and_bounded():
    encoded = [np.arange(10, dtype=np.int32), np.arange(10, 15, dtype=np.int32)]  # token = position
    a, b = sample_skipgram(encoded, 2, 15, seed=4), sample_skipgram(encoded, 2, 15, seed=4)
    assert len(a) == 15 and np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets)
    cbow = sample_cbow(encoded, 2, 8, seed=4)
    assert cbow.inputs.shape == (8, 4)
    for row, target in zip(cbow.inputs, cbow.targets):
        context = row[row >= 0]
        assert len(context) > 0 and target not in context
        assert np.all(np.abs(context - target) <= 2)  # within the window, same sentence
        assert np.all((context >= 10) == (target >= 10))
    assert np.all(np.abs(a.inputs[:, 0] - a.targets) <= 2)


def test_snapshot_metrics_norms_and_displacement():
    W = np.array([[3.0, 4.0], [0.0, 1.0]], dtype=np.float32)
    previous = np.array([[3.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    ex = Examples(np.array([[0]]), np.array([1]))
    row = snapshot_metrics("softmax", W, np.zeros_like(W), previous, ex, None)
    assert row["mean_norm"] == pytest.approx(3.0)  # (5 + 1) / 2
    assert row["displacement"] == pytest.approx(2.0)  # (4 + 0) / 2
    assert row["loss"] == pytest.approx(np.log(2))
    assert np.isnan(row["heldout_loss"])
