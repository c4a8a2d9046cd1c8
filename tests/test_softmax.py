"""The NumPy trainer's maths against finite differences, SEED.md §2's closed form, and gensim."""

import doctest

import numpy as np
import pytest
from gensim.models.keyedvectors import prep_vectors

import embedlab.train.softmax
from embedlab.config import TrainOptions
from embedlab.errors import TrainingCancelled
from embedlab.train.softmax import (
    SoftmaxTrainer,
    grouped_loss_and_grads,
    initial_vectors,
    softmax_loss_and_grads,
    window_contexts,
)


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
    for w, c in zip(centers, contexts, strict=False):
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


def _grouped_problem(seed=0, V=9, d=4, b=6):
    """Centre positions with 1–4 contexts each: (W_in, W_out, centres (b,), rows, cols)."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, V, size=b)
    centres[1] = centres[0]  # one word at two positions: its rows must add up
    n = rng.integers(1, 5, size=b)
    rows = np.repeat(np.arange(b), n)
    cols = rng.integers(0, V, size=len(rows))
    cols[1] = cols[0]  # a context twice around one centre
    return rng.normal(size=(V, d)), rng.normal(size=(V, d)), centres, rows, cols


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_grouped_kernel_equals_the_per_pair_formula_in_float64(l2):
    W_in, W_out, centres, rows, cols = _grouped_problem()
    grouped = grouped_loss_and_grads(W_in, W_out, centres, rows, cols, l2)
    per_pair = softmax_loss_and_grads(W_in, W_out, centres[rows], cols, l2)
    assert grouped[0] == pytest.approx(per_pair[0], rel=1e-12)
    np.testing.assert_allclose(grouped[1], per_pair[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grouped[2], per_pair[2], rtol=1e-10, atol=1e-12)


def test_grouped_kernel_equals_the_per_pair_formula_in_float32():
    W_in, W_out, centres, rows, cols = _grouped_problem(seed=1, V=50, d=8, b=20)
    grouped = grouped_loss_and_grads(W_in.astype(np.float32), W_out.astype(np.float32), centres, rows, cols, 0.01)
    per_pair = softmax_loss_and_grads(W_in, W_out, centres[rows], cols, 0.01)
    assert grouped[0] == pytest.approx(per_pair[0], rel=1e-5)
    np.testing.assert_allclose(grouped[1], per_pair[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grouped[2], per_pair[2], rtol=1e-5, atol=1e-6)


def test_window_contexts_are_the_tokens_within_reach_in_the_sentence():
    tokens = np.array([10, 11, 12, 13, 20, 21], dtype=np.int32)
    sentence_id = np.array([0, 0, 0, 0, 1, 1], dtype=np.int32)
    rows, cols = window_contexts(tokens, sentence_id, np.array([1, 4]), np.array([2, 3]), window=3)
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 10), (0, 12), (0, 13), (1, 21)]


def _trainer(V=12, d=4, l2=0.0, lr=0.7, batch=4, per_position=3.0):
    options = TrainOptions(dim=d, batch_size=batch, l2=l2, lr=lr)
    trainer = SoftmaxTrainer(
        [np.arange(V, dtype=np.int32)], np.ones(V), options, initial_vectors(V, d, 1), pairs_per_position=per_position
    )
    trainer.W_out[:] = np.random.default_rng(0).normal(size=(V, d)).astype(np.float32)
    return trainer


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_trainer_step_is_one_sgd_step_on_the_mean_over_the_expected_pairs_of_a_batch(l2):
    """W ← W − η (Σ_pairs ∇ℓ / (B · pairs per position) + 2λW): the per-pair formula, rescaled."""
    lr, batch, per_position = 0.7, 4, 3.0
    trainer = _trainer(l2=l2, lr=lr, batch=batch, per_position=per_position)
    before_in, before_out = trainer.W_in.astype(np.float64), trainer.W_out.astype(np.float64)
    centres = np.array([0, 3, 3, 7])
    rows = np.array([0, 0, 1, 2, 2, 2, 3])
    cols = np.array([1, 2, 4, 6, 10, 9, 5])
    loss_sum = trainer._sgd_step(centres, rows, cols, lr)
    mean_loss, dW_in, dW_out = softmax_loss_and_grads(before_in, before_out, centres[rows], cols)
    assert loss_sum == pytest.approx(mean_loss * len(rows), rel=1e-5)
    scale = len(rows) / (batch * per_position)  # the batch's pairs over the expected pairs of a batch
    np.testing.assert_allclose(
        trainer.W_out, before_out * (1 - 2 * lr * l2) - lr * scale * dW_out, rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(trainer.W_in, before_in * (1 - 2 * lr * l2) - lr * scale * dW_in, rtol=1e-4, atol=1e-6)


def test_every_pair_gets_the_same_step_in_a_full_and_in_a_partial_batch():
    """A pair's update does not depend on how many other pairs share its batch (the old trainer
    divided the last, partial batch by its own size and stepped its pairs up to 31× further)."""
    pair_alone, pair_in_full_batch = _trainer(), _trainer()
    start = pair_alone.W_out.copy()
    pair_alone._sgd_step(np.array([0]), np.array([0]), np.array([5]), 0.7)
    alone = pair_alone.W_out - start
    # the same pair in a batch whose other pairs touch other rows: row 5 gets the same update
    pair_in_full_batch.W_in[3] = 0.0  # a centre with a zero vector moves no output row
    pair_in_full_batch._sgd_step(np.array([0, 3, 3]), np.array([0, 1, 2]), np.array([5, 7, 8]), 0.7)
    np.testing.assert_allclose((pair_in_full_batch.W_out - start)[5], alone[5], rtol=1e-5)


def test_an_epoch_visits_every_position_once_and_reports_its_pairs():
    trainer = _trainer(V=12, batch=5)
    counts = trainer.train_epoch(1)
    assert counts["positions"] == 12
    assert 11 <= counts["pairs"] <= 2 * 11 * 5  # at least one neighbour each side in one sentence


def test_should_stop_is_asked_between_batches():
    trainer = _trainer(V=12, batch=2)
    calls = []
    with pytest.raises(TrainingCancelled):
        trainer.train_epoch(1, should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3  # stopped before the third batch, not at the end of the epoch


def test_doctests():
    result = doctest.testmod(embedlab.train.softmax)
    assert result.attempted > 0 and result.failed == 0
