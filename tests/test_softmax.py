"""The NumPy trainer's maths against finite differences, SEED.md §2's closed form, and gensim."""

import doctest

import numpy as np
import pytest
from gensim.models.keyedvectors import prep_vectors

import embedlab.softmax
from embedlab.config import TrainOptions
from embedlab.softmax import SoftmaxTrainer, initial_vectors, softmax_loss_and_grads


def _problem(V=6, d=3, B=5, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(V, d)),
        rng.normal(size=(V, d)),
        rng.integers(0, V, size=B),
        rng.integers(0, V, size=B),
    )


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradients_match_finite_differences(l2):
    W_in, W_out, centers, contexts = _problem()
    centers[1] = centers[0]  # a word twice in the batch: its gradient rows must add up
    loss, dW_in, dW_out = softmax_loss_and_grads(W_in, W_out, centers, contexts, l2)
    eps = 1e-6
    for W, grad in ((W_in, dW_in), (W_out, dW_out)):
        numeric = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            saved = W[idx]
            W[idx] = saved + eps
            up = softmax_loss_and_grads(W_in, W_out, centers, contexts, l2)[0]
            W[idx] = saved - eps
            down = softmax_loss_and_grads(W_in, W_out, centers, contexts, l2)[0]
            W[idx] = saved
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_matches_seed_closed_form_pair_by_pair():
    """L = mean −log P(c|w); ∂L/∂v_w = Σ_c' P(c'|w) u_c' − u_c; ∂L/∂u_c' = (P(c'|w) − [c'=c]) v_w."""
    W_in, W_out, centers, contexts = _problem(V=5, d=4, B=3, seed=3)
    B = len(centers)
    loss_ref, dW_in_ref, dW_out_ref = 0.0, np.zeros_like(W_in), np.zeros_like(W_out)
    for w, c in zip(centers, contexts):
        scores = np.array([W_out[j] @ W_in[w] for j in range(len(W_out))])
        P = np.exp(scores) / np.sum(np.exp(scores))
        loss_ref += -np.log(P[c]) / B
        dW_in_ref[w] += (sum(P[j] * W_out[j] for j in range(len(W_out))) - W_out[c]) / B
        for j in range(len(W_out)):
            dW_out_ref[j] += (P[j] - (j == c)) * W_in[w] / B
    loss, dW_in, dW_out = softmax_loss_and_grads(W_in, W_out, centers, contexts)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    np.testing.assert_allclose(dW_in, dW_in_ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dW_out, dW_out_ref, rtol=1e-10, atol=1e-14)


def test_zero_output_vectors_give_exactly_log_v():
    V = 37
    W_in = initial_vectors(V, 8, seed=5)
    loss, _, _ = softmax_loss_and_grads(W_in, np.zeros((V, 8)), np.arange(10), np.arange(10, 20))
    assert loss == pytest.approx(np.log(V), rel=1e-15, abs=0)


def test_stable_for_huge_logits():
    W_in = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    W_out = np.array([[1000.0, 0.0], [0.0, 0.0]])
    loss, dW_in, dW_out = softmax_loss_and_grads(W_in, W_out, np.array([0]), np.array([1]))
    assert loss == pytest.approx(1e6)  # −log P = 10⁶ exactly, no overflow to inf
    assert np.isfinite(dW_in).all() and np.isfinite(dW_out).all()


def test_l2_term_is_lambda_times_squared_norms():
    W_in, W_out, centers, contexts = _problem()
    plain = softmax_loss_and_grads(W_in, W_out, centers, contexts)[0]
    regular = softmax_loss_and_grads(W_in, W_out, centers, contexts, l2=0.25)[0]
    assert regular - plain == pytest.approx(0.25 * (np.sum(W_in**2) + np.sum(W_out**2)), rel=1e-12)


@pytest.mark.parametrize(
    "shapes",
    [((4, 3), (5, 3), (2,), (2,)), ((4, 3), (4, 3), (2,), (3,)), ((4, 3), (4, 3), (0,), (0,))],
)
def test_bad_shapes_raise_value_error_naming_them(shapes):
    a, b, c, x = shapes
    with pytest.raises(ValueError, match=r"\("):
        softmax_loss_and_grads(np.zeros(a), np.zeros(b), np.zeros(c, int), np.zeros(x, int))


def test_out_of_range_index_raises():
    with pytest.raises(ValueError, match="rows 0..3"):
        softmax_loss_and_grads(np.zeros((4, 2)), np.zeros((4, 2)), np.array([4]), np.array([0]))


@pytest.mark.parametrize("V,d,seed", [(10, 5, 1), (300, 50, 42), (7, 1, 0)])
def test_initial_vectors_bit_identical_to_gensim(V, d, seed):
    ours = initial_vectors(V, d, seed)
    theirs = prep_vectors((V, d), seed=seed)
    assert ours.dtype == theirs.dtype == np.float32
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_trainer_step_is_one_sgd_step_of_the_pure_function(l2):
    """W ← W − η ∂L/∂W with the gradient of softmax_loss_and_grads (in float32)."""
    V, d, lr = 12, 4, 0.7
    rng = np.random.default_rng(0)
    options = TrainOptions(dim=d, batch_size=8, l2=l2, lr=lr)
    trainer = SoftmaxTrainer([np.arange(V, dtype=np.int32)], np.ones(V), options, initial_vectors(V, d, 1))
    trainer.W_out[:] = rng.normal(size=(V, d)).astype(np.float32)
    before_in, before_out = trainer.W_in.astype(np.float64), trainer.W_out.astype(np.float64)
    centers = np.array([0, 3, 3, 7, 11, 2, 5, 0])
    contexts = np.array([1, 2, 4, 6, 10, 9, 5, 8])
    loss_step = trainer._sgd_step(centers, contexts, lr)
    loss, dW_in, dW_out = softmax_loss_and_grads(before_in, before_out, centers, contexts, l2)
    penalty = l2 * (np.sum(before_in**2) + np.sum(before_out**2))
    assert loss_step == pytest.approx(loss - penalty, rel=1e-5)
    np.testing.assert_allclose(trainer.W_in, before_in - lr * dW_in, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(trainer.W_out, before_out - lr * dW_out, rtol=1e-4, atol=1e-6)


def test_doctests():
    result = doctest.testmod(embedlab.softmax)
    assert result.attempted > 0 and result.failed == 0
